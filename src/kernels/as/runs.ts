// Helpers over runs of contiguous f32 values, shared by the kernel modules (not exports of the wasm module).

/** Copies `len` floats (short runs: inline vector moves, cheaper than a memory.copy call). */
export function copyRun(dst: usize, src: usize, len: i32): void {
  let c = 0;
  for (; c + 4 <= len; c += 4) v128.store(dst + ((<usize>c) << 2), v128.load(src + ((<usize>c) << 2)));
  for (; c < len; c++) store<f32>(dst + ((<usize>c) << 2), load<f32>(src + ((<usize>c) << 2)));
}

/** Zeroes `len` floats. */
export function zeroRun(dst: usize, len: i32): void {
  const z = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= len; c += 4) v128.store(dst + ((<usize>c) << 2), z);
  for (; c < len; c++) store<f32>(dst + ((<usize>c) << 2), 0);
}

/** Σ of a run of f32 values, 4 lanes at a time, returned as f64. */
export function sum_f32(p: usize, len: i32): f64 {
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
export function sumSqDev_f32(p: usize, len: i32, mu: f32): f64 {
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
export function affine_f32(x: usize, y: usize, len: i32, a: f32, b: f32): void {
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

/** p[0..len) = v. */
export function fill_f32(p: usize, len: i32, v: f32): void {
  const vv = f32x4.splat(v);
  let i = 0;
  for (; i + 4 <= len; i += 4) v128.store(p + ((<usize>i) << 2), vv);
  for (; i < len; i++) store<f32>(p + ((<usize>i) << 2), v);
}
