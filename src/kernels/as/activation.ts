// Elementwise activations and their gradients, and the fused softmax + cross-entropy of the output layer.

// Kind codes; src/kernels/wasm.ts maps ActivationKind names to them.
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
