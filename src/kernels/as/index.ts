// nnlab's SIMD kernels: the entry of the wasm module (scripts/build.mjs compiles it twice, with and without
// fused multiply-add). All arguments are byte pointers into the imported memory (allocated on the JS side by
// src/kernels/wasm.ts) plus sizes; nothing here allocates. Strides named ld* are in bytes. Semantics are those
// documented in src/kernels/backend.ts; src/kernels/wasm.ts checks shapes first. The names re-exported here
// are the module's exports.

/** First byte the JS allocator may hand out (after static data). */
export function heapBase(): usize {
  return __heap_base;
}

export { gemm_f32, gemm_f64 } from './gemm';
export {
  setConvGeometry,
  setConvAlgorithm,
  convScratchFloats,
  conv2d_fwd_f32,
  conv2d_bwd_input_f32,
  conv2d_bwd_filter_f32,
} from './conv';
export { maxpool_fwd_f32, maxpool_bwd_f32, avgpool_fwd_f32, avgpool_bwd_f32 } from './pool';
export { activation_f32, activation_grad_f32, softmax_ce_f32 } from './activation';
export { bn_train_fwd_f32, bn_infer_fwd_f32, bn_bwd_f32 } from './batchnorm';
export * from './elementwise';
