/** Entry point of the kernels: `getBackend()` gives the process-wide (per-thread) fast backend. */
import type { Backend } from './backend.js';
import { referenceBackend } from './reference.js';

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

/** The fastest backend available in this thread (the reference until the wasm backend lands). */
export function getBackend(): Backend {
  return referenceBackend;
}
