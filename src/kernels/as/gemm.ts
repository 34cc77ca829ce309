// GEMM: C = alpha·op(A)·op(B) + beta·C over the generated register tiles (tiles.ts), f32 and f64 from one
// generic driver. The drivers gemmNN / gemmNT_f32 and transpose are also the inner products of convolution.
import { nn_rows_x1, nn_rows_x2, nn_rows_x4, nt_f32_rows_x1, nt_f32_rows_x4 } from './tiles';

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
export function transpose(src: usize, rows: i32, cols: i32, dst: usize, es: usize): void {
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
export function gemmNN<T>(
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
      nn_rows_x4<T>(a0, lda, pb, lb, c + <usize>j * es, ldc, m, kb, alpha, acc);
    }
    if (j + strip / 2 <= n) {
      nn_rows_x2<T>(a0, lda, b0 + <usize>j * es, ldb, c + <usize>j * es, ldc, m, kb, alpha, acc);
      j += strip / 2;
    }
    if (j + strip / 4 <= n) {
      nn_rows_x1<T>(a0, lda, b0 + <usize>j * es, ldb, c + <usize>j * es, ldc, m, kb, alpha, acc);
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
export function gemmNT_f32(
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
    for (; j + 4 <= n; j += 4)
      nt_f32_rows_x4(a0, lda, b0 + <usize>j * ldb, ldb, c + ((<usize>j) << 2), ldc, m, kb, alpha, acc);
    for (; j < n; j++)
      nt_f32_rows_x1(a0, lda, b0 + <usize>j * ldb, ldb, c + ((<usize>j) << 2), ldc, m, kb, alpha, acc);
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
