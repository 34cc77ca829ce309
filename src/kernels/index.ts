/** Entry point of the kernels: `getBackend()` gives this thread's fast backend. */
import type { Backend } from './backend.js';
import { referenceBackend } from './reference.js';
import { wasmBackend } from './wasm.js';

export type {
  ActivationKind,
  Backend,
  BatchNormGeometry,
  ConvGeometry,
  DType,
  FloatArray,
  PoolGeometry,
} from './backend.js';
export { referenceBackend } from './reference.js';
export { wasmBackend, wasmBytesInUse, wasmPeakBytes, wasmResetPeak } from './wasm.js';

/**
 * The wasm SIMD backend of this thread (each worker thread gets its own instance and memory);
 * NNLAB_BACKEND=reference selects the plain-TypeScript one instead, e.g. to rule out a kernel bug.
 */
export function getBackend(): Backend {
  const choice = process.env.NNLAB_BACKEND;
  if (choice === undefined || choice === '' || choice === 'wasm') return wasmBackend;
  if (choice === 'reference') return referenceBackend;
  throw new Error(`getBackend: NNLAB_BACKEND must be "wasm" or "reference", got "${choice}"`);
}
