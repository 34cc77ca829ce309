// Multiply-add for the kernels. The build compiles the module twice: with relaxed SIMD enabled the product
// and sum are fused (one FMA instruction, one rounding), otherwise they are a multiply and an add.

/** a·b + c on four f32 lanes. */
export function madd4(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  else return f32x4.add(c, f32x4.mul(a, b));
}

/** a·b + c on two f64 lanes. */
export function madd2(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  else return f64x2.add(c, f64x2.mul(a, b));
}
