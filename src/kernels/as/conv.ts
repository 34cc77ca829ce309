// 2-D convolution (f32, NCHW) forward, input gradient and filter gradient, by one of three algorithms chosen by
// shape: channel vectors, direct over wide rows, or im2col / col2im + GEMM. The tile-dispatch loops over the
// register tiles are generated with them (tiles.ts).
import { gemmNN, gemmNT_f32, transpose } from './gemm';
import { affine_f32, copyRun, fill_f32, sum_f32, zeroRun } from './runs';
import { cvconv_f32_row, cvgrad_f32_taps, dconv_f32_rows, nt_f32_rows_x5 } from './tiles';

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
// Bytes of one padded plane and of one of its rows, and of all gCi planes with the slack, aligned.
let dPlane: usize = 0,
  dRow: usize = 0,
  dPadBytes: usize = 0;

function directDims(): void {
  dHp = gOh + gKh - 1;
  dWp = gOw + gKw - 1;
  dPw = gOh * dWp;
  dPwR = (dPw + 15) & ~15;
  dPlane = <usize>dHp * dWp * 4;
  dRow = (<usize>dWp) << 2;
  dPadBytes = alignUp(dPlane * gCi + SLACK * 4);
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
  const xpad = scratch;
  const yw = scratch + dPadBytes;
  const ldo = (<usize>dPwR) << 2;
  const p = gOh * gOw;
  memory.fill(xpad, 0, dPadBytes);
  for (let s = 0; s < gN; s++) {
    padImage(x + <usize>s * gCi * gH * gW * 4, xpad);
    dconv_f32_rows(w, ldw, xpad, yw, ldo, gCo, dPwR, gCi, gKh, gKw, dPlane, dRow);
    const ys = y + <usize>s * gCo * p * 4;
    for (let c = 0; c < gCo; c++) {
      const bias: f32 = b == 0 ? 0 : load<f32>(b + ((<usize>c) << 2));
      for (let r = 0; r < gOh; r++) {
        affine_f32(
          yw + <usize>c * ldo + <usize>r * dRow,
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
  const xpad = scratch;
  const dyw = scratch + dPadBytes;
  const ld = (<usize>dPw) << 2;
  const p = gOh * gOw;
  memory.fill(xpad, 0, dPadBytes);
  // The dropped columns of the wide dy stay zero, so they add nothing to dw.
  memory.fill(dyw, 0, <usize>gCo * ld);
  memory.fill(dw, 0, <usize>gCo * q * 4);
  for (let s = 0; s < gN; s++) {
    padImage(x + <usize>s * gCi * gH * gW * 4, xpad);
    const dys = dy + <usize>s * gCo * p * 4;
    for (let c = 0; c < gCo; c++) {
      for (let r = 0; r < gOh; r++)
        copyRun(dyw + <usize>c * ld + <usize>r * dRow, dys + ((<usize>(c * gOh + r) * gOw) << 2), gOw);
    }
    for (let ci = 0; ci < gCi; ci++) {
      for (let i = 0; i < gKh; i++) {
        const xr = xpad + <usize>ci * dPlane + <usize>i * dRow;
        const out = dw + ((<usize>((ci * gKh + i) * gKw)) << 2);
        if (gKw == 5) {
          // One tile covers a whole kernel row: 5 shifted input runs against 2 output channels.
          nt_f32_rows_x5(dyw, ld, xr, 4, out, (<usize>q) << 2, gCo, dPw, 1, true);
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
  const wt = scratch;
  const xpad = scratch + alignUp(<usize>q * gCo * 4);
  const ldq = (<usize>gCo) << 2;
  const ldy = (<usize>p) << 2;
  transpose(w, gCo, q, wt, 4);
  memory.fill(xpad, 0, dPadBytes);
  for (let s = 0; s < gN; s++) {
    padImage(x + <usize>s * gCi * gH * gW * 4, xpad);
    const ys = y + <usize>s * gCo * p * 4;
    for (let co = 0; co < gCo; co += cb) {
      const pw = wt + ((<usize>co) << 2);
      for (let r = 0; r < gOh; r++) {
        const xr = xpad + <usize>r * dRow;
        const yr = ys + <usize>co * ldy + ((<usize>(r * gOw)) << 2);
        cvconv_f32_row(cb, pw, ldq, xr, yr, ldy, gOw, gCi, gKh, gKw, dPlane, dRow);
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

function convBwdFilterChannels(x: usize, dy: usize, dw: usize, scratch: usize, cb: i32): void {
  const q = gCi * gKh * gKw;
  const p = gOh * gOw;
  const dwt = scratch;
  const dyt = dwt + alignUp(<usize>q * gCo * 4);
  const xpad = dyt + alignUp(<usize>p * gCo * 4);
  const ldd = (<usize>gCo) << 2;
  memory.fill(dwt, 0, <usize>q * gCo * 4);
  memory.fill(xpad, 0, dPadBytes);
  for (let s = 0; s < gN; s++) {
    padImage(x + <usize>s * gCi * gH * gW * 4, xpad);
    transpose(dy + <usize>s * gCo * p * 4, gCo, p, dyt, 4);
    for (let co = 0; co < gCo; co += cb) {
      const pd = dyt + ((<usize>co) << 2);
      cvgrad_f32_taps(cb, xpad, pd, ldd, dwt + ((<usize>co) << 2), q, gKh, gKw, dPlane, dRow, gOh, gOw);
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
