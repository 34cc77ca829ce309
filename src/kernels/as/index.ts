// nnlab's SIMD kernels. All arguments are byte pointers into the imported memory (allocated on the JS side
// by src/kernels/wasm.ts) plus sizes; nothing here allocates. Strides named ld* are in bytes.
// Semantics are those documented in src/kernels/backend.ts; the wasm.ts wrapper checks shapes first.
import {
  nn_2x4,
  nn_1x4,
  nn_4x2,
  nn_2x2,
  nn_1x2,
  nn_4x1,
  nn_2x1,
  nn_1x1,
  nt_f32_2x5,
  nt_f32_1x5,
  nt_f32_2x4,
  nt_f32_1x4,
  nt_f32_2x1,
  nt_f32_1x1,
  dconv_f32_2x4,
  dconv_f32_1x4,
  cvconv_f32_4x2,
  cvconv_f32_4x1,
  cvconv_f32_2x4,
  cvconv_f32_2x1,
  cvconv_f32_1x8,
  cvconv_f32_1x1,
  cvgrad_f32_2x4,
  cvgrad_f32_1x4,
  cvgrad_f32_2x2,
  cvgrad_f32_1x2,
  cvgrad_f32_2x1,
  cvgrad_f32_1x1,
} from './tiles';

/** First byte the JS allocator may hand out (after static data). */
export function heapBase(): usize {
  return __heap_base;
}

// ---------------------------------------------------------------- GEMM

// Depth of a k-block: a 16-column strip of B (KC·64 bytes) stays in L1 while every row of A passes over it.
const KC: i32 = 256;

/** C[m×n] *= beta, with beta = 0 writing zeros (C is not read, so NaN garbage does not survive). */
function scaleC<T>(len: i32, beta: T, c: usize): void {
  if (beta == 1) return;
  if (beta == 0) {
    memory.fill(c, 0, <usize>len * sizeof<T>());
    return;
  }
  for (let i = 0; i < len; i++) {
    const q = c + <usize>i * sizeof<T>();
    store<T>(q, load<T>(q) * beta);
  }
}

/** out[cols × rows] = transpose of in[rows × cols] (element size es bytes), 4×4 blocks for locality. */
function transpose(src: usize, rows: i32, cols: i32, dst: usize, es: usize): void {
  for (let r0 = 0; r0 < rows; r0 += 16) {
    const r1 = min(rows, r0 + 16);
    for (let c0 = 0; c0 < cols; c0 += 16) {
      const c1 = min(cols, c0 + 16);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) {
          if (es == 4)
            store<f32>(dst + (<usize>c * rows + r) * 4, load<f32>(src + (<usize>r * cols + c) * 4));
          else store<f64>(dst + (<usize>c * rows + r) * 8, load<f64>(src + (<usize>r * cols + c) * 8));
        }
      }
    }
  }
}

// A k-block × 16-column strip of B (f32; 8 columns for f64) copied contiguously: rows of B a power-of-two
// bytes apart map the strip's cache lines onto a few L1 sets and evict each other; the copy does not.
const PANEL: usize = memory.data(KC * 64, 64);

/** Packing pays off once enough rows of A pass over each strip. */
const PACK_MIN_ROWS: i32 = 32;

function packPanel(src: usize, ldb: usize, kb: i32): void {
  let s = src;
  let d = PANEL;
  for (let p = 0; p < kb; p++) {
    v128.store(d, v128.load(s));
    v128.store(d, v128.load(s, 16), 16);
    v128.store(d, v128.load(s, 32), 32);
    v128.store(d, v128.load(s, 48), 48);
    s += ldb;
    d += 64;
  }
}

/**
 * C (+)= alpha·A·B for row-major A (m×k, lda), B (k×n, ldb), C (m×n, ldc) of f32 or f64 (C overwritten if
 * overwrite). Columns go in strips of 64 bytes (16 f32 or 8 f64: four vectors), then 32 and 16 bytes, then one.
 */
function gemmNN<T>(
  m: i32,
  n: i32,
  k: i32,
  alpha: T,
  a: usize,
  lda: usize,
  b: usize,
  ldb: usize,
  c: usize,
  ldc: usize,
  overwrite: bool,
): void {
  const es = sizeof<T>();
  const strip: i32 = 64 / <i32>es;
  for (let kc = 0; kc < k; kc += KC) {
    const kb = min(KC, k - kc);
    const acc = !overwrite || kc > 0;
    const a0 = a + <usize>kc * es;
    const b0 = b + <usize>kc * ldb;
    let j = 0;
    const pack = m >= PACK_MIN_ROWS;
    for (; j + strip <= n; j += strip) {
      let pb = b0 + <usize>j * es;
      let lb = ldb;
      if (pack) {
        packPanel(pb, ldb, kb);
        pb = PANEL;
        lb = 64;
      }
      const pc = c + <usize>j * es;
      let i = 0;
      for (; i + 2 <= m; i += 2)
        nn_2x4<T>(a0 + <usize>i * lda, lda, pb, lb, pc + <usize>i * ldc, ldc, kb, alpha, acc);
      if (i < m) nn_1x4<T>(a0 + <usize>i * lda, lda, pb, lb, pc + <usize>i * ldc, ldc, kb, alpha, acc);
    }
    if (j + strip / 2 <= n) {
      const pb = b0 + <usize>j * es;
      const pc = c + <usize>j * es;
      let i = 0;
      for (; i + 4 <= m; i += 4)
        nn_4x2<T>(a0 + <usize>i * lda, lda, pb, ldb, pc + <usize>i * ldc, ldc, kb, alpha, acc);
      for (; i + 2 <= m; i += 2)
        nn_2x2<T>(a0 + <usize>i * lda, lda, pb, ldb, pc + <usize>i * ldc, ldc, kb, alpha, acc);
      if (i < m) nn_1x2<T>(a0 + <usize>i * lda, lda, pb, ldb, pc + <usize>i * ldc, ldc, kb, alpha, acc);
      j += strip / 2;
    }
    if (j + strip / 4 <= n) {
      const pb = b0 + <usize>j * es;
      const pc = c + <usize>j * es;
      let i = 0;
      for (; i + 4 <= m; i += 4)
        nn_4x1<T>(a0 + <usize>i * lda, lda, pb, ldb, pc + <usize>i * ldc, ldc, kb, alpha, acc);
      for (; i + 2 <= m; i += 2)
        nn_2x1<T>(a0 + <usize>i * lda, lda, pb, ldb, pc + <usize>i * ldc, ldc, kb, alpha, acc);
      if (i < m) nn_1x1<T>(a0 + <usize>i * lda, lda, pb, ldb, pc + <usize>i * ldc, ldc, kb, alpha, acc);
      j += strip / 4;
    }
    for (; j < n; j++) {
      for (let i = 0; i < m; i++) {
        let pa = a0 + <usize>i * lda;
        let pb = b0 + <usize>j * es;
        let s: T = <T>0;
        for (let p = 0; p < kb; p++) {
          s += load<T>(pa) * load<T>(pb);
          pa += es;
          pb += ldb;
        }
        const q = c + <usize>i * ldc + <usize>j * es;
        store<T>(q, acc ? load<T>(q) + alpha * s : alpha * s);
      }
    }
  }
}

/** C += alpha·A·Bᵀ for row-major A (m×k, lda) and B (n×k, ldb): dot products along the contiguous k. */
function gemmNT_f32(
  m: i32,
  n: i32,
  k: i32,
  alpha: f32,
  a: usize,
  lda: usize,
  b: usize,
  ldb: usize,
  c: usize,
  ldc: usize,
  overwrite: bool,
): void {
  for (let kc = 0; kc < k; kc += KC) {
    const kb = min(KC, k - kc);
    const acc = !overwrite || kc > 0;
    const a0 = a + ((<usize>kc) << 2);
    const b0 = b + ((<usize>kc) << 2);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const pb = b0 + <usize>j * ldb;
      const pc = c + ((<usize>j) << 2);
      let i = 0;
      for (; i + 2 <= m; i += 2)
        nt_f32_2x4(a0 + <usize>i * lda, lda, pb, ldb, pc + <usize>i * ldc, ldc, kb, alpha, acc);
      if (i < m) nt_f32_1x4(a0 + <usize>i * lda, lda, pb, ldb, pc + <usize>i * ldc, ldc, kb, alpha, acc);
    }
    for (; j < n; j++) {
      const pb = b0 + <usize>j * ldb;
      const pc = c + ((<usize>j) << 2);
      let i = 0;
      for (; i + 2 <= m; i += 2)
        nt_f32_2x1(a0 + <usize>i * lda, lda, pb, ldb, pc + <usize>i * ldc, ldc, kb, alpha, acc);
      if (i < m) nt_f32_1x1(a0 + <usize>i * lda, lda, pb, ldb, pc + <usize>i * ldc, ldc, kb, alpha, acc);
    }
  }
}

/**
 * C = alpha·op(A)·op(B) + beta·C (f32 or f64). transA copies Aᵀ into scratch; transB (f32 only) uses dot
 * products along B's rows for few rows of A, else copies Bᵀ after it. Scratch: m·k + k·n elements + 64 bytes.
 */
function gemm<T>(
  transA: i32,
  transB: i32,
  m: i32,
  n: i32,
  k: i32,
  alpha: T,
  a: usize,
  b: usize,
  beta: T,
  c: usize,
  scratch: usize,
): void {
  const es = sizeof<T>();
  if (k == 0 || alpha == 0) {
    scaleC<T>(m * n, beta, c);
    return;
  }
  // beta = 0: the first k-block stores instead of accumulating, so C is never read.
  const overwrite = beta == 0;
  if (!overwrite) scaleC<T>(m * n, beta, c);
  let pa = a;
  if (transA) {
    transpose(a, k, m, scratch, es);
    pa = scratch;
  }
  const lda = <usize>k * es;
  const ldc = <usize>n * es;
  if (sizeof<T>() == 4 && transB && m < PACK_MIN_ROWS) {
    gemmNT_f32(m, n, k, <f32>alpha, pa, lda, b, lda, c, ldc, overwrite);
    return;
  }
  let pb = b;
  if (transB) {
    // With many rows of A, Bᵀ copied once feeds the faster broadcast (NN) kernel.
    pb = scratch + ((<usize>m * k * es + 63) & ~63);
    transpose(b, n, k, pb, es);
  }
  gemmNN<T>(m, n, k, alpha, pa, lda, pb, ldc, c, ldc, overwrite);
}

export function gemm_f32(
  transA: i32,
  transB: i32,
  m: i32,
  n: i32,
  k: i32,
  alpha: f32,
  a: usize,
  b: usize,
  beta: f32,
  c: usize,
  scratch: usize,
): void {
  gemm<f32>(transA, transB, m, n, k, alpha, a, b, beta, c, scratch);
}

export function gemm_f64(
  transA: i32,
  transB: i32,
  m: i32,
  n: i32,
  k: i32,
  alpha: f64,
  a: usize,
  b: usize,
  beta: f64,
  c: usize,
  scratch: usize,
): void {
  gemm<f64>(transA, transB, m, n, k, alpha, a, b, beta, c, scratch);
}

// ---------------------------------------------------------------- convolution

// Geometry is passed once per call through these globals, so the helpers stay short.
let gN = 0,
  gCi = 0,
  gH = 0,
  gW = 0,
  gCo = 0,
  gKh = 0,
  gKw = 0,
  gSh = 0,
  gSw = 0,
  gPt = 0,
  gPl = 0,
  gOh = 0,
  gOw = 0;

/** Stores a conv geometry for the next conv call. */
export function setConvGeometry(
  n: i32,
  cIn: i32,
  h: i32,
  w: i32,
  cOut: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
  oh: i32,
  ow: i32,
): void {
  gN = n;
  gCi = cIn;
  gH = h;
  gW = w;
  gCo = cOut;
  gKh = kh;
  gKw = kw;
  gSh = sh;
  gSw = sw;
  gPt = pt;
  gPl = pl;
  gOh = oh;
  gOw = ow;
}

/** First output column whose input column ow·sw + j − pl is ≥ 0. */
function firstCol(j: i32): i32 {
  const d = gPl - j;
  return d <= 0 ? 0 : min(gOw, (d + gSw - 1) / gSw);
}
/** One past the last output column whose input column is < w. */
function endCol(j: i32): i32 {
  const d = gW - 1 + gPl - j;
  return d < 0 ? 0 : min(gOw, d / gSw + 1);
}

/** True when the image itself is its column matrix (1×1 kernel, stride 1, no padding). */
function isPointwise(): bool {
  return gKh == 1 && gKw == 1 && gSh == 1 && gSw == 1 && gPt == 0 && gPl == 0;
}

/** Copies `len` floats (short runs: inline vector moves, cheaper than a memory.copy call). */
function copyRun(dst: usize, src: usize, len: i32): void {
  let c = 0;
  for (; c + 4 <= len; c += 4) v128.store(dst + ((<usize>c) << 2), v128.load(src + ((<usize>c) << 2)));
  for (; c < len; c++) store<f32>(dst + ((<usize>c) << 2), load<f32>(src + ((<usize>c) << 2)));
}

/** Zeroes `len` floats. */
function zeroRun(dst: usize, len: i32): void {
  const z = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= len; c += 4) v128.store(dst + ((<usize>c) << 2), z);
  for (; c < len; c++) store<f32>(dst + ((<usize>c) << 2), 0);
}

/** col[(ci,i,j), (oh,ow)] = x[ci, oh·sh+i−pt, ow·sw+j−pl] (0 outside) for one image (f32). */
function im2col(x: usize, col: usize): void {
  const rowBytes = (<usize>gOw) << 2;
  let dst = col;
  for (let ci = 0; ci < gCi; ci++) {
    const plane = x + <usize>ci * gH * gW * 4;
    for (let i = 0; i < gKh; i++) {
      for (let j = 0; j < gKw; j++) {
        const c0 = firstCol(j);
        const c1 = max(c0, endCol(j));
        for (let r = 0; r < gOh; r++) {
          const ih = r * gSh + i - gPt;
          if (ih < 0 || ih >= gH) {
            zeroRun(dst, gOw);
          } else {
            if (c0 > 0) zeroRun(dst, c0);
            if (c1 < gOw) zeroRun(dst + ((<usize>c1) << 2), gOw - c1);
            const src = plane + <usize>ih * gW * 4;
            if (gSw == 1) {
              copyRun(dst + ((<usize>c0) << 2), src + ((<usize>(c0 + j - gPl)) << 2), c1 - c0);
            } else {
              for (let c = c0; c < c1; c++)
                store<f32>(dst + ((<usize>c) << 2), load<f32>(src + ((<usize>(c * gSw + j - gPl)) << 2)));
            }
          }
          dst += rowBytes;
        }
      }
    }
  }
}

/** dx[ci, ih, iw] += col[(ci,i,j), (oh,ow)] for every tap hitting x (inverse of im2col), one image. */
function col2im(col: usize, dx: usize): void {
  const rowBytes = (<usize>gOw) << 2;
  const inRow = (<usize>gW) << 2;
  let src = col;
  for (let ci = 0; ci < gCi; ci++) {
    const plane = dx + <usize>ci * gH * gW * 4;
    for (let i = 0; i < gKh; i++) {
      // Output rows whose input row oh·sh + i − pt lies inside x.
      const rLo = min(gOh, max(0, (gPt - i + gSh - 1) / gSh));
      const last = gH - 1 + gPt - i; // largest oh·sh that still lands in x
      const rHi = last < 0 ? rLo : max(rLo, min(gOh, last / gSh + 1));
      for (let j = 0; j < gKw; j++) {
        const c0 = firstCol(j);
        const c1 = max(c0, endCol(j));
        const len = c1 - c0;
        let s = src + <usize>rLo * rowBytes + ((<usize>c0) << 2);
        let d = plane + <usize>(rLo * gSh + i - gPt) * inRow;
        if (gSw == 1) {
          d += (<usize>(c0 + j - gPl)) << 2;
          for (let r = rLo; r < rHi; r++) {
            let c = 0;
            for (; c + 4 <= len; c += 4) {
              const o = (<usize>c) << 2;
              v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
            }
            for (; c < len; c++) {
              const o = (<usize>c) << 2;
              store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
            }
            d += inRow;
            s += rowBytes;
          }
        } else {
          for (let r = rLo; r < rHi; r++) {
            for (let c = c0; c < c1; c++) {
              const q = d + ((<usize>(c * gSw + j - gPl)) << 2);
              store<f32>(q, load<f32>(q) + load<f32>(s + ((<usize>(c - c0)) << 2)));
            }
            d += <usize>gSh * inRow;
            s += rowBytes;
          }
        }
        src += <usize>gOh * rowBytes;
      }
    }
  }
}

// ---- direct convolution over "wide" rows (stride 1): the input is copied into a zero-padded plane of
// Hp × Wp = (outH + kh − 1) × (outW + kw − 1), and outputs are computed for all Wp columns of each output row,
// so that every tap (ci, i, j) reads one contiguous run of the padded plane. The Wp − outW extra columns per
// row are computed and dropped; in exchange there is no im2col. Used when that waste is small.

let dHp = 0,
  dWp = 0,
  dPw = 0,
  dPwR = 0;

function directDims(): void {
  dHp = gOh + gKh - 1;
  dWp = gOw + gKw - 1;
  dPw = gOh * dWp;
  dPwR = (dPw + 15) & ~15;
}

// Algorithm choice: 0 = by shape, 1 = always im2col, 2 = wide direct, 3 = channel-vector direct whenever
// possible (the tests run every path on every geometry).
let convAlgo = 0;

/** Forces the convolution algorithm (0 = by shape, 1 = im2col + GEMM, 2 = wide direct, 3 = channel vectors). */
export function setConvAlgorithm(mode: i32): void {
  convAlgo = mode;
}

/** Channels per block of the channel-vector kernels (16, 8 or 4), 0 when they do not apply. */
function channelBlock(): i32 {
  if (gSh != 1 || gSw != 1 || (convAlgo != 0 && convAlgo != 3)) return 0;
  return gCo % 16 == 0 ? 16 : gCo % 8 == 0 ? 8 : gCo % 4 == 0 ? 4 : 0;
}

function useDirect(): bool {
  if (gSh != 1 || gSw != 1 || convAlgo == 1) return false;
  if (convAlgo == 2 || convAlgo == 3) return true;
  // Computed over useful pixels: 1.14 for LeNet's 28×28 'same' conv, 1.44 for its 14×14 → 10×10 one; measured
  // on both, direct was faster (1.5×, 1.1×) or even (backward filter of the second) up to this waste.
  return <f64>dPwR <= 1.5 * <f64>(gOh * gOw);
}

// Floats read past the padded planes by the last tile (dropped columns only).
const SLACK: i32 = 64;

function alignUp(bytes: usize): usize {
  return (bytes + 63) & ~63;
}

/** Copies image x into the interior of the padded planes (whose borders are already zero). */
function padImage(x: usize, xpad: usize): void {
  const c0 = max(0, -gPl);
  const c1 = min(gW, dWp - gPl);
  for (let ci = 0; ci < gCi; ci++) {
    for (let ih = max(0, -gPt); ih < min(gH, dHp - gPt); ih++) {
      const src = x + ((<usize>(ci * gH + ih) * gW + c0) << 2);
      const dst = xpad + ((<usize>(ci * dHp + ih + gPt) * dWp + c0 + gPl) << 2);
      copyRun(dst, src, c1 - c0);
    }
  }
}

/** Floats of scratch the conv calls need (the larger of the im2col and the direct layouts, plus Wᵀ). */
export function convScratchFloats(): i32 {
  directDims();
  const q = gCi * gKh * gKw;
  const im2colNeed = q * gOh * gOw + q * gCo + 32;
  const directNeed = gCi * dHp * dWp + SLACK + gCo * dPwR + 64;
  const channelNeed = q * gCo + gOh * gOw * gCo + gCi * dHp * dWp + SLACK + 64;
  return max(im2colNeed, max(directNeed, channelNeed));
}

function convFwdDirect(x: usize, w: usize, b: usize, y: usize, scratch: usize): void {
  const q = gCi * gKh * gKw;
  const ldw = (<usize>q) << 2;
  const plane = <usize>dHp * dWp * 4;
  const row = (<usize>dWp) << 2;
  const padBytes = alignUp(plane * gCi + SLACK * 4);
  const xpad = scratch;
  const yw = scratch + padBytes;
  const ldo = (<usize>dPwR) << 2;
  const p = gOh * gOw;
  memory.fill(xpad, 0, padBytes);
  for (let s = 0; s < gN; s++) {
    padImage(x + <usize>s * gCi * gH * gW * 4, xpad);
    let co = 0;
    for (; co + 2 <= gCo; co += 2) {
      for (let t = 0; t < dPwR; t += 16) {
        dconv_f32_2x4(
          w + <usize>co * ldw,
          ldw,
          xpad + ((<usize>t) << 2),
          yw + <usize>co * ldo + ((<usize>t) << 2),
          ldo,
          gCi,
          gKh,
          gKw,
          plane,
          row,
        );
      }
    }
    if (co < gCo) {
      for (let t = 0; t < dPwR; t += 16) {
        dconv_f32_1x4(
          w + <usize>co * ldw,
          ldw,
          xpad + ((<usize>t) << 2),
          yw + <usize>co * ldo + ((<usize>t) << 2),
          ldo,
          gCi,
          gKh,
          gKw,
          plane,
          row,
        );
      }
    }
    const ys = y + <usize>s * gCo * p * 4;
    for (let c = 0; c < gCo; c++) {
      const bias: f32 = b == 0 ? 0 : load<f32>(b + ((<usize>c) << 2));
      for (let r = 0; r < gOh; r++) {
        affine_f32(
          yw + <usize>c * ldo + <usize>r * row,
          ys + ((<usize>(c * gOh + r) * gOw) << 2),
          gOw,
          1,
          bias,
        );
      }
    }
  }
}

function convBwdFilterDirect(x: usize, dy: usize, dw: usize, scratch: usize): void {
  const q = gCi * gKh * gKw;
  const plane = <usize>dHp * dWp * 4;
  const row = (<usize>dWp) << 2;
  const padBytes = alignUp(plane * gCi + SLACK * 4);
  const xpad = scratch;
  const dyw = scratch + padBytes;
  const ld = (<usize>dPw) << 2;
  const p = gOh * gOw;
  memory.fill(xpad, 0, padBytes);
  // The dropped columns of the wide dy stay zero, so they add nothing to dw.
  memory.fill(dyw, 0, <usize>gCo * ld);
  memory.fill(dw, 0, <usize>gCo * q * 4);
  for (let s = 0; s < gN; s++) {
    padImage(x + <usize>s * gCi * gH * gW * 4, xpad);
    const dys = dy + <usize>s * gCo * p * 4;
    for (let c = 0; c < gCo; c++) {
      for (let r = 0; r < gOh; r++)
        copyRun(dyw + <usize>c * ld + <usize>r * row, dys + ((<usize>(c * gOh + r) * gOw) << 2), gOw);
    }
    for (let ci = 0; ci < gCi; ci++) {
      for (let i = 0; i < gKh; i++) {
        const xr = xpad + <usize>ci * plane + <usize>i * row;
        const out = dw + ((<usize>((ci * gKh + i) * gKw)) << 2);
        if (gKw == 5) {
          // One tile covers a whole kernel row: 5 shifted input runs against 2 output channels.
          let co = 0;
          for (; co + 2 <= gCo; co += 2)
            nt_f32_2x5(
              dyw + <usize>co * ld,
              ld,
              xr,
              4,
              out + <usize>co * q * 4,
              (<usize>q) << 2,
              dPw,
              1,
              true,
            );
          if (co < gCo)
            nt_f32_1x5(
              dyw + <usize>co * ld,
              ld,
              xr,
              4,
              out + <usize>co * q * 4,
              (<usize>q) << 2,
              dPw,
              1,
              true,
            );
        } else {
          gemmNT_f32(gCo, gKw, dPw, 1, dyw, ld, xr, 4, out, (<usize>q) << 2, false);
        }
      }
    }
  }
}

// ---- channel-vector direct convolution (stride 1, cOut a multiple of 4): vectors run over output channels,
// input values are broadcast, so no work is spent on padding columns or on an im2col copy.

function convFwdChannels(x: usize, w: usize, b: usize, y: usize, scratch: usize, cb: i32): void {
  const q = gCi * gKh * gKw;
  const p = gOh * gOw;
  const plane = <usize>dHp * dWp * 4;
  const row = (<usize>dWp) << 2;
  const wt = scratch;
  const xpad = scratch + alignUp(<usize>q * gCo * 4);
  const ldq = (<usize>gCo) << 2;
  const ldy = (<usize>p) << 2;
  transpose(w, gCo, q, wt, 4);
  memory.fill(xpad, 0, alignUp(plane * gCi + SLACK * 4));
  for (let s = 0; s < gN; s++) {
    padImage(x + <usize>s * gCi * gH * gW * 4, xpad);
    const ys = y + <usize>s * gCo * p * 4;
    for (let co = 0; co < gCo; co += cb) {
      const pw = wt + ((<usize>co) << 2);
      for (let r = 0; r < gOh; r++) {
        const xr = xpad + <usize>r * row;
        const yr = ys + <usize>co * ldy + ((<usize>(r * gOw)) << 2);
        let c = 0;
        if (cb == 16) {
          for (; c + 2 <= gOw; c += 2)
            cvconv_f32_4x2(
              pw,
              ldq,
              xr + ((<usize>c) << 2),
              yr + ((<usize>c) << 2),
              ldy,
              gCi,
              gKh,
              gKw,
              plane,
              row,
            );
          for (; c < gOw; c++)
            cvconv_f32_4x1(
              pw,
              ldq,
              xr + ((<usize>c) << 2),
              yr + ((<usize>c) << 2),
              ldy,
              gCi,
              gKh,
              gKw,
              plane,
              row,
            );
        } else if (cb == 8) {
          for (; c + 4 <= gOw; c += 4)
            cvconv_f32_2x4(
              pw,
              ldq,
              xr + ((<usize>c) << 2),
              yr + ((<usize>c) << 2),
              ldy,
              gCi,
              gKh,
              gKw,
              plane,
              row,
            );
          for (; c < gOw; c++)
            cvconv_f32_2x1(
              pw,
              ldq,
              xr + ((<usize>c) << 2),
              yr + ((<usize>c) << 2),
              ldy,
              gCi,
              gKh,
              gKw,
              plane,
              row,
            );
        } else {
          for (; c + 8 <= gOw; c += 8)
            cvconv_f32_1x8(
              pw,
              ldq,
              xr + ((<usize>c) << 2),
              yr + ((<usize>c) << 2),
              ldy,
              gCi,
              gKh,
              gKw,
              plane,
              row,
            );
          for (; c < gOw; c++)
            cvconv_f32_1x1(
              pw,
              ldq,
              xr + ((<usize>c) << 2),
              yr + ((<usize>c) << 2),
              ldy,
              gCi,
              gKh,
              gKw,
              plane,
              row,
            );
        }
      }
    }
    if (b != 0) {
      for (let co = 0; co < gCo; co++) {
        const yc = ys + <usize>co * ldy;
        affine_f32(yc, yc, p, 1, load<f32>(b + ((<usize>co) << 2)));
      }
    }
  }
}

/** Byte offset of tap t = (ci, i, j) in the padded planes. */
function tapOffset(t: i32, plane: usize, row: usize): usize {
  const kk = gKh * gKw;
  const ci = t / kk;
  const ij = t - ci * kk;
  const i = ij / gKw;
  return <usize>ci * plane + <usize>i * row + ((<usize>(ij - i * gKw)) << 2);
}

function convBwdFilterChannels(x: usize, dy: usize, dw: usize, scratch: usize, cb: i32): void {
  const q = gCi * gKh * gKw;
  const p = gOh * gOw;
  const plane = <usize>dHp * dWp * 4;
  const row = (<usize>dWp) << 2;
  const dwt = scratch;
  const dyt = dwt + alignUp(<usize>q * gCo * 4);
  const xpad = dyt + alignUp(<usize>p * gCo * 4);
  const ldd = (<usize>gCo) << 2;
  memory.fill(dwt, 0, <usize>q * gCo * 4);
  memory.fill(xpad, 0, alignUp(plane * gCi + SLACK * 4));
  for (let s = 0; s < gN; s++) {
    padImage(x + <usize>s * gCi * gH * gW * 4, xpad);
    transpose(dy + <usize>s * gCo * p * 4, gCo, p, dyt, 4);
    for (let co = 0; co < gCo; co += cb) {
      const pd = dyt + ((<usize>co) << 2);
      let t = 0;
      for (; t + 2 <= q; t += 2) {
        const x0 = xpad + tapOffset(t, plane, row);
        const x1 = xpad + tapOffset(t + 1, plane, row);
        const o0 = dwt + ((<usize>(t * gCo + co)) << 2);
        const o1 = o0 + ldd;
        if (cb == 16) cvgrad_f32_2x4(x0, x1, pd, ldd, o0, o1, gOh, gOw, row);
        else if (cb == 8) cvgrad_f32_2x2(x0, x1, pd, ldd, o0, o1, gOh, gOw, row);
        else cvgrad_f32_2x1(x0, x1, pd, ldd, o0, o1, gOh, gOw, row);
      }
      if (t < q) {
        const x0 = xpad + tapOffset(t, plane, row);
        const o0 = dwt + ((<usize>(t * gCo + co)) << 2);
        if (cb == 16) cvgrad_f32_1x4(x0, pd, ldd, o0, gOh, gOw, row);
        else if (cb == 8) cvgrad_f32_1x2(x0, pd, ldd, o0, gOh, gOw, row);
        else cvgrad_f32_1x1(x0, pd, ldd, o0, gOh, gOw, row);
      }
    }
  }
  transpose(dwt, q, gCo, dw, 4);
}

/** y = conv(x, w) + b per backend.ts (f32, NCHW); b = 0 means no bias. */
export function conv2d_fwd_f32(x: usize, w: usize, b: usize, y: usize, col: usize): void {
  directDims();
  const cb = channelBlock();
  if (cb != 0) {
    convFwdChannels(x, w, b, y, col, cb);
    return;
  }
  if (useDirect()) {
    convFwdDirect(x, w, b, y, col);
    return;
  }
  const q = gCi * gKh * gKw;
  const p = gOh * gOw;
  const xImg = <usize>gCi * gH * gW * 4;
  const yImg = <usize>gCo * p * 4;
  const pointwise = isPointwise();
  for (let s = 0; s < gN; s++) {
    const xs = x + <usize>s * xImg;
    const ys = y + <usize>s * yImg;
    if (!pointwise) im2col(xs, col);
    for (let co = 0; co < gCo; co++) {
      const row = ys + <usize>co * p * 4;
      if (b == 0) memory.fill(row, 0, (<usize>p) << 2);
      else fill_f32(row, p, load<f32>(b + ((<usize>co) << 2)));
    }
    gemmNN<f32>(
      gCo,
      p,
      q,
      1,
      w,
      (<usize>q) << 2,
      pointwise ? xs : col,
      (<usize>p) << 2,
      ys,
      (<usize>p) << 2,
      false,
    );
  }
}

/** dx = ∂L/∂x: per image dcol = Wᵀ·dy, then col2im (f32). */
export function conv2d_bwd_input_f32(dy: usize, w: usize, dx: usize, scratch: usize): void {
  const q = gCi * gKh * gKw;
  const p = gOh * gOw;
  const xImg = <usize>gCi * gH * gW * 4;
  const yImg = <usize>gCo * p * 4;
  const wt = scratch;
  const col = scratch + ((<usize>q * gCo * 4 + 15) & ~15);
  transpose(w, gCo, q, wt, 4);
  const pointwise = isPointwise();
  for (let s = 0; s < gN; s++) {
    const dxs = dx + <usize>s * xImg;
    const target = pointwise ? dxs : col;
    gemmNN<f32>(
      q,
      p,
      gCo,
      1,
      wt,
      (<usize>gCo) << 2,
      dy + <usize>s * yImg,
      (<usize>p) << 2,
      target,
      (<usize>p) << 2,
      true,
    );
    if (!pointwise) {
      memory.fill(dxs, 0, xImg);
      col2im(col, dxs);
    }
  }
}

/** dw = Σ_images dy·colᵀ (dot products along the output pixels), db[co] = Σ dy[·,co,·,·] (f32). */
export function conv2d_bwd_filter_f32(x: usize, dy: usize, dw: usize, db: usize, col: usize): void {
  const q = gCi * gKh * gKw;
  const p = gOh * gOw;
  const xImg = <usize>gCi * gH * gW * 4;
  const yImg = <usize>gCo * p * 4;
  directDims();
  const cb = channelBlock();
  if (cb != 0) {
    convBwdFilterChannels(x, dy, dw, col, cb);
  } else if (useDirect()) {
    convBwdFilterDirect(x, dy, dw, col);
  } else {
    const pointwise = isPointwise();
    memory.fill(dw, 0, <usize>gCo * q * 4);
    for (let s = 0; s < gN; s++) {
      const xs = x + <usize>s * xImg;
      if (!pointwise) im2col(xs, col);
      gemmNT_f32(
        gCo,
        q,
        p,
        1,
        dy + <usize>s * yImg,
        (<usize>p) << 2,
        pointwise ? xs : col,
        (<usize>p) << 2,
        dw,
        (<usize>q) << 2,
        false,
      );
    }
  }
  if (db != 0) {
    for (let co = 0; co < gCo; co++) {
      let acc: f64 = 0;
      for (let s = 0; s < gN; s++) acc += sum_f32(dy + <usize>s * yImg + <usize>co * p * 4, p);
      store<f32>(db + ((<usize>co) << 2), <f32>acc);
    }
  }
}

// ---------------------------------------------------------------- pooling

/**
 * The common 2×2 stride-2 max pool, four outputs at a time: even/odd columns of two input rows are split by
 * shuffles and compared in window order (top-left, top-right, bottom-left, bottom-right), so the first
 * maximum wins ties as in the reference.
 */
function maxpool2x2_f32(planes: i32, h: i32, w: i32, oh: i32, ow: i32, x: usize, y: usize, am: usize): void {
  const step = i32x4(0, 2, 4, 6);
  const one = i32x4.splat(1);
  const down = i32x4.splat(w);
  let py = y;
  let pa = am;
  for (let pl = 0; pl < planes; pl++) {
    for (let r = 0; r < oh; r++) {
      const top = pl * h * w + 2 * r * w;
      const rowA = x + ((<usize>top) << 2);
      const rowB = rowA + ((<usize>w) << 2);
      let c = 0;
      for (; c + 4 <= ow; c += 4) {
        const o = (<usize>c) << 3;
        const a0 = v128.load(rowA + o);
        const a1 = v128.load(rowA + o, 16);
        const b0 = v128.load(rowB + o);
        const b1 = v128.load(rowB + o, 16);
        const tl = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
        const tr = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        const bl = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
        const br = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        const i0 = i32x4.add(i32x4.splat(top + 2 * c), step);
        let m = tl;
        let id = i0;
        let k = f32x4.gt(tr, m);
        m = v128.bitselect(tr, m, k);
        id = v128.bitselect(i32x4.add(i0, one), id, k);
        const i2 = i32x4.add(i0, down);
        k = f32x4.gt(bl, m);
        m = v128.bitselect(bl, m, k);
        id = v128.bitselect(i2, id, k);
        k = f32x4.gt(br, m);
        m = v128.bitselect(br, m, k);
        id = v128.bitselect(i32x4.add(i2, one), id, k);
        v128.store(py, m);
        v128.store(pa, id);
        py += 16;
        pa += 16;
      }
      for (; c < ow; c++) {
        let bestIdx = top + 2 * c;
        let best = load<f32>(x + ((<usize>bestIdx) << 2));
        for (let q = 1; q < 4; q++) {
          const idx = top + 2 * c + (q & 1) + (q >> 1) * w;
          const v = load<f32>(x + ((<usize>idx) << 2));
          if (v > best) {
            best = v;
            bestIdx = idx;
          }
        }
        store<f32>(py, best);
        store<i32>(pa, bestIdx);
        py += 4;
        pa += 4;
      }
    }
  }
}

/** The 2×2 stride-2 average pool, four outputs at a time. */
function avgpool2x2_f32(planes: i32, h: i32, w: i32, oh: i32, ow: i32, x: usize, y: usize): void {
  const quarter = f32x4.splat(0.25);
  let py = y;
  for (let pl = 0; pl < planes; pl++) {
    for (let r = 0; r < oh; r++) {
      const rowA = x + ((<usize>(pl * h * w + 2 * r * w)) << 2);
      const rowB = rowA + ((<usize>w) << 2);
      let c = 0;
      for (; c + 4 <= ow; c += 4) {
        const o = (<usize>c) << 3;
        const s0 = f32x4.add(v128.load(rowA + o), v128.load(rowB + o));
        const s1 = f32x4.add(v128.load(rowA + o, 16), v128.load(rowB + o, 16));
        const sum = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 2, 4, 6), v128.shuffle<f32>(s0, s1, 1, 3, 5, 7));
        v128.store(py, f32x4.mul(sum, quarter));
        py += 16;
      }
      for (; c < ow; c++) {
        const o = (<usize>c) << 3;
        const sum =
          load<f32>(rowA + o) + load<f32>(rowA + o, 4) + load<f32>(rowB + o) + load<f32>(rowB + o, 4);
        store<f32>(py, sum * 0.25);
        py += 4;
      }
    }
  }
}

/** y = window max, argmax = flat index into x of the first maximum (f32). */
export function maxpool_fwd_f32(
  planes: i32,
  h: i32,
  w: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  oh: i32,
  ow: i32,
  x: usize,
  y: usize,
  am: usize,
): void {
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2) {
    maxpool2x2_f32(planes, h, w, oh, ow, x, y, am);
    return;
  }
  let o: usize = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        const start = base + r * sh * w + c * sw;
        let best = load<f32>(x + ((<usize>start) << 2));
        let bestIdx = start;
        for (let i = 0; i < kh; i++) {
          const rowStart = start + i * w;
          for (let j = 0; j < kw; j++) {
            const v = load<f32>(x + ((<usize>(rowStart + j)) << 2));
            if (v > best) {
              best = v;
              bestIdx = rowStart + j;
            }
          }
        }
        store<f32>(y + (o << 2), best);
        store<i32>(am + (o << 2), bestIdx);
        o++;
      }
    }
  }
}

/** dx = 0, then dx[argmax[o]] += dy[o] (f32). */
export function maxpool_bwd_f32(total: i32, xLen: i32, dy: usize, am: usize, dx: usize): void {
  memory.fill(dx, 0, (<usize>xLen) << 2);
  for (let o = 0; o < total; o++) {
    const q = dx + ((<usize>load<i32>(am + ((<usize>o) << 2))) << 2);
    store<f32>(q, load<f32>(q) + load<f32>(dy + ((<usize>o) << 2)));
  }
}

/** y = window mean (f32). */
export function avgpool_fwd_f32(
  planes: i32,
  h: i32,
  w: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  oh: i32,
  ow: i32,
  x: usize,
  y: usize,
): void {
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2) {
    avgpool2x2_f32(planes, h, w, oh, ow, x, y);
    return;
  }
  const inv: f32 = 1 / <f32>(kh * kw);
  let o: usize = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        const start = base + r * sh * w + c * sw;
        let s: f32 = 0;
        for (let i = 0; i < kh; i++) {
          const p = x + ((<usize>(start + i * w)) << 2);
          for (let j = 0; j < kw; j++) s += load<f32>(p + ((<usize>j) << 2));
        }
        store<f32>(y + (o << 2), s * inv);
        o++;
      }
    }
  }
}

/** dx[i] = Σ over windows containing i of dy/(kh·kw) (f32). */
export function avgpool_bwd_f32(
  planes: i32,
  h: i32,
  w: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  oh: i32,
  ow: i32,
  dy: usize,
  dx: usize,
): void {
  memory.fill(dx, 0, <usize>planes * h * w * 4);
  const inv: f32 = 1 / <f32>(kh * kw);
  let o: usize = 0;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        const d = load<f32>(dy + (o << 2)) * inv;
        const start = base + r * sh * w + c * sw;
        for (let i = 0; i < kh; i++) {
          const p = dx + ((<usize>(start + i * w)) << 2);
          for (let j = 0; j < kw; j++) {
            const q = p + ((<usize>j) << 2);
            store<f32>(q, load<f32>(q) + d);
          }
        }
        o++;
      }
    }
  }
}

// ---------------------------------------------------------------- activations

// Kind codes shared with wasm.ts.
const LINEAR = 0,
  SIGMOID = 1,
  SCALED_SIGMOID = 2,
  TANH = 3,
  RELU = 4,
  LEAKY = 5;

/** y = f(x) for the activation `kind` (f32). */
export function activation_f32(kind: i32, slope: f32, x: usize, y: usize, len: i32): void {
  let i = 0;
  if (kind == RELU || kind == LEAKY || kind == LINEAR) {
    const vs = f32x4.splat(kind == RELU ? 0 : kind == LEAKY ? slope : 1);
    const zero = f32x4.splat(0);
    for (; i + 4 <= len; i += 4) {
      const o = (<usize>i) << 2;
      const v = v128.load(x + o);
      v128.store(y + o, v128.bitselect(v, f32x4.mul(v, vs), f32x4.gt(v, zero)));
    }
    for (; i < len; i++) {
      const v = load<f32>(x + ((<usize>i) << 2));
      store<f32>(y + ((<usize>i) << 2), v > 0 ? v : v * (kind == RELU ? 0 : kind == LEAKY ? slope : 1));
    }
    return;
  }
  for (; i < len; i++) {
    const v = load<f32>(x + ((<usize>i) << 2));
    let r: f32;
    if (kind == SIGMOID) r = 1 / (1 + Mathf.exp(-v));
    else if (kind == SCALED_SIGMOID) r = 1 / (1 + Mathf.exp(-2 * v));
    else r = Mathf.tanh(v);
    store<f32>(y + ((<usize>i) << 2), r);
  }
}

/** dx = dy ⊙ f′(x), with y = f(x) given (f32). */
export function activation_grad_f32(
  kind: i32,
  slope: f32,
  x: usize,
  y: usize,
  dy: usize,
  dx: usize,
  len: i32,
): void {
  let i = 0;
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  for (; i + 4 <= len; i += 4) {
    const o = (<usize>i) << 2;
    const g = v128.load(dy + o);
    let r: v128;
    if (kind == RELU) r = v128.and(g, f32x4.gt(v128.load(x + o), zero));
    else if (kind == LEAKY)
      r = v128.bitselect(g, f32x4.mul(g, f32x4.splat(slope)), f32x4.gt(v128.load(x + o), zero));
    else if (kind == LINEAR) r = g;
    else {
      const yv = v128.load(y + o);
      if (kind == TANH) r = f32x4.mul(g, f32x4.sub(one, f32x4.mul(yv, yv)));
      else {
        r = f32x4.mul(g, f32x4.mul(yv, f32x4.sub(one, yv)));
        if (kind == SCALED_SIGMOID) r = f32x4.add(r, r);
      }
    }
    v128.store(dx + o, r);
  }
  for (; i < len; i++) {
    const o = (<usize>i) << 2;
    const g = load<f32>(dy + o);
    const xv = load<f32>(x + o);
    const yv = load<f32>(y + o);
    let r: f32;
    if (kind == RELU) r = xv > 0 ? g : 0;
    else if (kind == LEAKY) r = xv > 0 ? g : g * slope;
    else if (kind == LINEAR) r = g;
    else if (kind == TANH) r = g * (1 - yv * yv);
    else if (kind == SIGMOID) r = g * yv * (1 - yv);
    else r = 2 * g * yv * (1 - yv);
    store<f32>(dx + o, r);
  }
}

// ---------------------------------------------------------------- softmax cross-entropy

/** p = softmax(z) row-wise (max subtracted), dz = p − t; returns Σ_rows −Σ_j t_j·log p_j (f32 data, f64 sum). */
export function softmax_ce_f32(rows: i32, cols: i32, z: usize, t: usize, p: usize, dz: usize): f64 {
  let loss: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * cols * 4;
    let mx: f32 = -Infinity;
    for (let j = 0; j < cols; j++) mx = max(mx, load<f32>(z + o + ((<usize>j) << 2)));
    let s: f32 = 0;
    for (let j = 0; j < cols; j++) s += Mathf.exp(load<f32>(z + o + ((<usize>j) << 2)) - mx);
    const logS = Mathf.log(s);
    for (let j = 0; j < cols; j++) {
      const q = o + ((<usize>j) << 2);
      const logp = load<f32>(z + q) - mx - logS;
      const tj = load<f32>(t + q);
      if (tj != 0) loss -= <f64>tj * <f64>logp;
      const pj = Mathf.exp(logp);
      store<f32>(p + q, pj);
      store<f32>(dz + q, pj - tj);
    }
  }
  return loss;
}

// ---------------------------------------------------------------- batch norm

/** Σ of a run of f32 values, 4 lanes at a time, returned as f64. */
function sum_f32(p: usize, len: i32): f64 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) acc = f32x4.add(acc, v128.load(p + ((<usize>i) << 2)));
  let s: f64 =
    <f64>f32x4.extract_lane(acc, 0) +
    <f64>f32x4.extract_lane(acc, 1) +
    <f64>f32x4.extract_lane(acc, 2) +
    <f64>f32x4.extract_lane(acc, 3);
  for (; i < len; i++) s += <f64>load<f32>(p + ((<usize>i) << 2));
  return s;
}

/** Σ (x − mu)² of a run. */
function sumSqDev_f32(p: usize, len: i32, mu: f32): f64 {
  let acc = f32x4.splat(0);
  const vm = f32x4.splat(mu);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const d = f32x4.sub(v128.load(p + ((<usize>i) << 2)), vm);
    acc = f32x4.add(acc, f32x4.mul(d, d));
  }
  let s: f64 =
    <f64>f32x4.extract_lane(acc, 0) +
    <f64>f32x4.extract_lane(acc, 1) +
    <f64>f32x4.extract_lane(acc, 2) +
    <f64>f32x4.extract_lane(acc, 3);
  for (; i < len; i++) {
    const d = load<f32>(p + ((<usize>i) << 2)) - mu;
    s += <f64>(d * d);
  }
  return s;
}

/** y = a·x + b over a run. */
function affine_f32(x: usize, y: usize, len: i32, a: f32, b: f32): void {
  const va = f32x4.splat(a);
  const vb = f32x4.splat(b);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(y + o, f32x4.add(f32x4.mul(v128.load(x + o), va), vb));
  }
  for (; i < len; i++) {
    const o = (<usize>i) << 2;
    store<f32>(y + o, load<f32>(x + o) * a + b);
  }
}

function fill_f32(p: usize, len: i32, v: f32): void {
  const vv = f32x4.splat(v);
  let i = 0;
  for (; i + 4 <= len; i += 4) v128.store(p + ((<usize>i) << 2), vv);
  for (; i < len; i++) store<f32>(p + ((<usize>i) << 2), v);
}

/** Training-mode batch norm over x[n, c, s] per channel, two passes (mean, then squared deviations). */
export function bn_train_fwd_f32(
  n: i32,
  c: i32,
  s: i32,
  x: usize,
  gamma: usize,
  beta: usize,
  mMean: usize,
  mVar: usize,
  momentum: f32,
  eps: f32,
  y: usize,
  sMean: usize,
  sInv: usize,
): void {
  const m = n * s;
  const chan = <usize>s * 4;
  const img = <usize>c * s * 4;
  for (let ch = 0; ch < c; ch++) {
    const base = <usize>ch * chan;
    let tot: f64 = 0;
    for (let i = 0; i < n; i++) tot += sum_f32(x + <usize>i * img + base, s);
    const mean = <f32>(tot / m);
    let sq: f64 = 0;
    for (let i = 0; i < n; i++) sq += sumSqDev_f32(x + <usize>i * img + base, s, mean);
    const variance = sq / m;
    const inv = <f32>(1 / Math.sqrt(variance + eps));
    const co = (<usize>ch) << 2;
    const g = load<f32>(gamma + co) * inv;
    const bb = load<f32>(beta + co) - g * mean;
    for (let i = 0; i < n; i++) affine_f32(x + <usize>i * img + base, y + <usize>i * img + base, s, g, bb);
    store<f32>(sMean + co, mean);
    store<f32>(sInv + co, inv);
    const unbiased = m > 1 ? (variance * m) / (m - 1) : variance;
    store<f32>(mMean + co, momentum * load<f32>(mMean + co) + (1 - momentum) * mean);
    store<f32>(mVar + co, <f32>(momentum * load<f32>(mVar + co) + (1 - momentum) * unbiased));
  }
}

/** Inference batch norm: y = γ·(x − movingMean)/√(movingVar + ε) + β. */
export function bn_infer_fwd_f32(
  n: i32,
  c: i32,
  s: i32,
  x: usize,
  gamma: usize,
  beta: usize,
  mMean: usize,
  mVar: usize,
  eps: f32,
  y: usize,
): void {
  const chan = <usize>s * 4;
  const img = <usize>c * s * 4;
  for (let ch = 0; ch < c; ch++) {
    const co = (<usize>ch) << 2;
    const inv = <f32>(1 / Math.sqrt(<f64>load<f32>(mVar + co) + eps));
    const g = load<f32>(gamma + co) * inv;
    const bb = load<f32>(beta + co) - g * load<f32>(mMean + co);
    for (let i = 0; i < n; i++)
      affine_f32(x + <usize>i * img + <usize>ch * chan, y + <usize>i * img + <usize>ch * chan, s, g, bb);
  }
}

/** Batch-norm backward: dβ = Σ dy, dγ = Σ dy·x̂, dx = γ·inv/m·(m·dy − dβ − x̂·dγ). */
export function bn_bwd_f32(
  n: i32,
  c: i32,
  s: i32,
  x: usize,
  gamma: usize,
  sMean: usize,
  sInv: usize,
  dy: usize,
  dx: usize,
  dgamma: usize,
  dbeta: usize,
): void {
  const m = n * s;
  const chan = <usize>s * 4;
  const img = <usize>c * s * 4;
  for (let ch = 0; ch < c; ch++) {
    const co = (<usize>ch) << 2;
    const mean = load<f32>(sMean + co);
    const inv = load<f32>(sInv + co);
    const vm = f32x4.splat(mean);
    let db: f64 = 0;
    let dxm: f64 = 0; // Σ dy·(x − μ)
    for (let i = 0; i < n; i++) {
      const off = <usize>i * img + <usize>ch * chan;
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let k = 0;
      for (; k + 4 <= s; k += 4) {
        const o = off + ((<usize>k) << 2);
        const g = v128.load(dy + o);
        a1 = f32x4.add(a1, g);
        a2 = f32x4.add(a2, f32x4.mul(g, f32x4.sub(v128.load(x + o), vm)));
      }
      db +=
        <f64>f32x4.extract_lane(a1, 0) +
        <f64>f32x4.extract_lane(a1, 1) +
        <f64>f32x4.extract_lane(a1, 2) +
        <f64>f32x4.extract_lane(a1, 3);
      dxm +=
        <f64>f32x4.extract_lane(a2, 0) +
        <f64>f32x4.extract_lane(a2, 1) +
        <f64>f32x4.extract_lane(a2, 2) +
        <f64>f32x4.extract_lane(a2, 3);
      for (; k < s; k++) {
        const o = off + ((<usize>k) << 2);
        const g = load<f32>(dy + o);
        db += <f64>g;
        dxm += <f64>(g * (load<f32>(x + o) - mean));
      }
    }
    const dg = dxm * inv;
    // dx = γ·inv·dy − γ·inv/m·dβ − γ·inv²/m·dγ'·(x − μ) with dγ' = Σ dy·(x−μ)·inv.
    const gi = load<f32>(gamma + co) * inv;
    const kdy = f32x4.splat(gi);
    const kx = f32x4.splat(<f32>((gi * dg * inv) / m));
    const k0 = <f32>(-(gi * db) / m);
    const kc = f32x4.splat(k0 + <f32>((gi * dg * inv * mean) / m));
    for (let i = 0; i < n; i++) {
      const off = <usize>i * img + <usize>ch * chan;
      let k = 0;
      for (; k + 4 <= s; k += 4) {
        const o = off + ((<usize>k) << 2);
        v128.store(
          dx + o,
          f32x4.add(f32x4.sub(f32x4.mul(v128.load(dy + o), kdy), f32x4.mul(v128.load(x + o), kx)), kc),
        );
      }
      for (; k < s; k++) {
        const o = off + ((<usize>k) << 2);
        store<f32>(
          dx + o,
          load<f32>(dy + o) * gi - load<f32>(x + o) * <f32>((gi * dg * inv) / m) + f32x4.extract_lane(kc, 0),
        );
      }
    }
    store<f32>(dgamma + co, <f32>dg);
    store<f32>(dbeta + co, <f32>db);
  }
}

// ---------------------------------------------------------------- vector helpers

/** x[r, :] += bias for every row. */
export function add_row_vector_f32(rows: i32, cols: i32, x: usize, bias: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * cols * 4;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = (<usize>j) << 2;
      v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(bias + o)));
    }
    for (; j < cols; j++) {
      const o = (<usize>j) << 2;
      store<f32>(row + o, load<f32>(row + o) + load<f32>(bias + o));
    }
  }
}

/** out[c] = Σ_r x[r, c]. */
export function sum_rows_f32(rows: i32, cols: i32, x: usize, out: usize): void {
  memory.fill(out, 0, (<usize>cols) << 2);
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * cols * 4;
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = (<usize>j) << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(row + o)));
    }
    for (; j < cols; j++) {
      const o = (<usize>j) << 2;
      store<f32>(out + o, load<f32>(out + o) + load<f32>(row + o));
    }
  }
}

/** out = a ⊙ b. */
export function mul_f32(a: usize, b: usize, out: usize, len: i32): void {
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < len; i++) {
    const o = (<usize>i) << 2;
    store<f32>(out + o, load<f32>(a + o) * load<f32>(b + o));
  }
}

/** y += alpha·x. */
export function axpy_f32(alpha: f32, x: usize, y: usize, len: i32): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(va, v128.load(x + o))));
  }
  for (; i < len; i++) {
    const o = (<usize>i) << 2;
    store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
  }
}

// Blocks of 1024 keep f32 lane sums short before they are added into the f64 total.
const BLOCK = 1024;

/** Σ x (f64 result, f32 lanes within blocks). */
export function sum_all_f32(x: usize, len: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < len; i += BLOCK) s += sum_f32(x + ((<usize>i) << 2), min(BLOCK, len - i));
  return s;
}

/** Σ x². */
export function sum_squares_f32(x: usize, len: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < len; i += BLOCK) s += sumSqDev_f32(x + ((<usize>i) << 2), min(BLOCK, len - i), 0);
  return s;
}

/** 1 if every element is finite (x − x is 0 exactly for finite x and NaN for NaN/±∞). */
export function all_finite_f32(x: usize, len: i32): i32 {
  let bad = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const v = v128.load(x + ((<usize>i) << 2));
    bad = v128.or(bad, f32x4.sub(v, v));
  }
  if (v128.any_true(f32x4.ne(bad, bad))) return 0;
  for (; i < len; i++) {
    const v = load<f32>(x + ((<usize>i) << 2));
    if (v - v != 0) return 0;
  }
  return 1;
}

/** g′ = g + wd·w; v = μ·v − lr·g′; w += nesterov ? μ·v − lr·g′ : v (μ = 0: w −= lr·g′). */
export function sgd_f32(
  w: usize,
  g: usize,
  v: usize,
  len: i32,
  lr: f32,
  mu: f32,
  nesterov: i32,
  wd: f32,
): void {
  const vlr = f32x4.splat(lr);
  const vmu = f32x4.splat(mu);
  const vwd = f32x4.splat(wd);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = (<usize>i) << 2;
    const wv = v128.load(w + o);
    const gs = f32x4.mul(vlr, f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv)));
    if (mu == 0) {
      v128.store(w + o, f32x4.sub(wv, gs));
    } else {
      const vv = f32x4.sub(f32x4.mul(vmu, v128.load(v + o)), gs);
      v128.store(v + o, vv);
      v128.store(w + o, f32x4.add(wv, nesterov ? f32x4.sub(f32x4.mul(vmu, vv), gs) : vv));
    }
  }
  for (; i < len; i++) {
    const o = (<usize>i) << 2;
    const wv = load<f32>(w + o);
    const gs = lr * (load<f32>(g + o) + wd * wv);
    if (mu == 0) {
      store<f32>(w + o, wv - gs);
    } else {
      const vv = mu * load<f32>(v + o) - gs;
      store<f32>(v + o, vv);
      store<f32>(w + o, wv + (nesterov ? mu * vv - gs : vv));
    }
  }
}

/** Adam: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; w −= lr·(m/c1)/(√(v/c2) + ε), c = 1 − β^t. */
export function adam_f32(
  w: usize,
  g: usize,
  m: usize,
  v: usize,
  len: i32,
  lr: f32,
  b1: f32,
  b2: f32,
  eps: f32,
  c1: f32,
  c2: f32,
): void {
  const vb1 = f32x4.splat(b1),
    vb1c = f32x4.splat(1 - b1);
  const vb2 = f32x4.splat(b2),
    vb2c = f32x4.splat(1 - b2);
  const vlr = f32x4.splat(lr / c1),
    vic2 = f32x4.splat(1 / c2),
    veps = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = (<usize>i) << 2;
    const gv = v128.load(g + o);
    const mv = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vb1c, gv));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vb2c, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const den = f32x4.add(f32x4.sqrt(f32x4.mul(vv, vic2)), veps);
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.div(f32x4.mul(vlr, mv), den)));
  }
  for (; i < len; i++) {
    const o = (<usize>i) << 2;
    const gv = load<f32>(g + o);
    const mv = b1 * load<f32>(m + o) + (1 - b1) * gv;
    const vv = b2 * load<f32>(v + o) + (1 - b2) * gv * gv;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(w + o, load<f32>(w + o) - ((lr / c1) * mv) / (Mathf.sqrt(vv / c2) + eps));
  }
}
