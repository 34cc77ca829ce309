/**
 * How much kernel memory (this thread's wasm heap, NNLAB_HEAP_MB) training a model needs, measured rather than
 * modelled, so that a run can be refused before it starts instead of failing hours in:
 *
 *   m(b) = fixed + b·perExample
 *
 * from one training step of zeros at b = 8 and b = 16 (activations, their gradients and im2col columns grow
 * with the batch; weights, gradients and optimiser state do not). The heap never splits or merges blocks
 * (kernels/heap.ts), so the blocks of one batch size are not reused by a larger one: a schedule of batch sizes
 * b₁ < b₂ < … needs fixed + Σᵢ slack·bᵢ·perExample, where slack = 5/4 covers the heap's size classes.
 */
import { wasmPeakBytes, wasmResetPeak } from '../kernels/wasm.js';
import type { TrainableModel } from './model.js';

/** The heap rounds a block up by at most a quarter (kernels/heap.ts roundSize). */
const SIZE_CLASS_SLACK = 1.25;

/** The measured cost of training one model, in bytes of kernel memory. */
export interface TrainingMemory {
  /** Bytes that do not grow with the batch: the model, its gradients and optimiser state. */
  fixed: number;
  /** Bytes per example of a batch. */
  perExample: number;
}

/**
 * Peak kernel memory of building a model and one training step on a batch of `n` zeros (its buffers and the
 * kernels' scratch included).
 */
function stepPeak(build: () => TrainableModel & { dispose(): void }, n: number): number {
  wasmResetPeak();
  const before = wasmPeakBytes();
  const model = build();
  try {
    model.batchInput(n);
    model.batchTarget(n);
    model.trainStep(n);
    return wasmPeakBytes() - before;
  } finally {
    model.dispose();
  }
}

/** Measures fixed and per-example kernel memory of training the model `build` returns (on this thread). */
export function measureTrainingMemory(build: () => TrainableModel & { dispose(): void }): TrainingMemory {
  const small = stepPeak(build, 8);
  const large = stepPeak(build, 16);
  const perExample = Math.max(0, (large - small) / 8);
  return { fixed: Math.max(0, small - 8 * perExample), perExample };
}

/** Bytes as whole megabytes (2²⁰ bytes), rounded up: "1650 MB". */
export function megabytes(bytes: number): string {
  return `${Math.ceil(bytes / 2 ** 20)} MB`;
}

/**
 * Kernel memory a run needs for training with each of `batchSizes` in turn, by the module's formula:
 * fixed + Σ over the distinct batch sizes of 5/4·b·perExample.
 */
export function trainingBytes(m: TrainingMemory, batchSizes: readonly number[]): number {
  const sizes = [...new Set(batchSizes)];
  return m.fixed + sizes.reduce((sum, b) => sum + SIZE_CLASS_SLACK * b * m.perExample, 0);
}
