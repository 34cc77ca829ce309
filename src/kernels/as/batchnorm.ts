// Batch normalisation per channel over x[n, c, s] (s = 1 for dense input): training forward, inference, backward.
import { affine_f32, sum_f32, sumSqDev_f32 } from './runs';

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
