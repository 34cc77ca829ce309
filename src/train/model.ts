/**
 * What the training loops (fit.ts, resumable.ts) need of a model: a small interface, so train/ depends on no
 * concrete network (Sequential implements it; nn → train, never train → nn).
 */
import type { FloatArray } from '../kernels/backend.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../util/rng.js';
import type { ModelState } from './state.js';

/** A compiled model that fitModel can train one minibatch at a time. */
export interface TrainableModel {
  /** Epochs completed by fit (the initialEpoch to resume with). */
  epoch: number;
  /** Global batch iteration, counted from 0 over the model's life. */
  iteration: number;
  /** The stream fit shuffles with (part of the state). */
  shuffleRng: Rng;
  /** The optimiser and whether accuracy is tracked; throws naming `fn` before compile(). */
  requireCompiled(fn: string): { optimizer: Optimizer; accuracy: boolean };
  /** Checks x (and y) against the model's input/output widths; returns the number of examples. */
  checkData(fn: string, x: Tensor, y: Tensor | null): number;
  /** The input buffer of an n-example batch (filled by the loop, read by trainStep). */
  batchInput(n: number): FloatArray;
  batchTarget(n: number): FloatArray;
  /** One forward/backward/update on the n examples in the batch buffers. */
  trainStep(n: number): { loss: number; correct: number };
  evaluate(x: Tensor, y: Tensor, o?: { batchSize?: number }): { loss: number; accuracy?: number };
  getState(): ModelState;
  setState(s: ModelState): void;
}
