// Elementwise and reduction kernels over f32 vectors, and the optimiser updates (SGD, Adam) that run on them.
import { sum_f32, sumSqDev_f32 } from './runs';

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
