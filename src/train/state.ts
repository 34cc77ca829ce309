import type { OptimizerState } from '../optim/optimizer.js';
import type { RngState } from '../util/rng.js';

/**
 * Everything a model needs to continue training bit-identically: all weights (BN moving statistics too),
 * the optimiser's slots and step count, both random streams, and the epoch/iteration counters.
 * Plain data with typed-array copies, as checkpoints store it.
 */
export interface ModelState {
  weights: (Float32Array | Float64Array)[];
  optimizer: OptimizerState | null;
  /** Dropout-mask stream. */
  noiseRng: RngState;
  /** Shuffling stream of fit. */
  shuffleRng: RngState;
  /** Epochs completed by fit (the initialEpoch to resume with). */
  epoch: number;
  iteration: number;
}
