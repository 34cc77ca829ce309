/**
 * Config and result of Problem 5 (learning rate, batch size, Fashion-MNIST, LeNet-5). Everything here is
 * plain JSON: the result is stored by the runner and rendered by src/report/sections/p5.ts.
 */

export interface P5Config {
  [k: string]: number | string | boolean | number[];
  /** Images carved (seeded permutation, `trainValidationSplit`) from the 60,000 training images for validation. */
  validationSize: number;
  /** Training images used after the split (0 = all the rest); tests use a few hundred. */
  trainLimit: number;
  /** Test images evaluated (0 = all 10,000). */
  testLimit: number;
  /** Input scaling: 'standardize' with the training split's pixel mean/std, or 'unit' (x/255). */
  normalize: string;
  /** LeNet-5 hidden activation. */
  activation: string;
  /** SGD momentum of every run (0 = plain SGD). */
  momentum: number;

  /** 5.1: the swept learning rates, batch size and epochs per run. */
  sweepLrs: number[];
  sweepBatchSize: number;
  sweepEpochs: number;
  /** 5.1 rule: lrMin is the smallest lr whose loss fell by this fraction of the largest drop (see suggestLrBounds). */
  dropFraction: number;
  /** Overrides of the rule (0 = use the rule's suggestion). */
  lrMin: number;
  lrMax: number;
  /** 5.1 cross-check: the continuous range test from finderStartLr to finderEndLr over finderEpochs epochs. */
  finderStartLr: number;
  finderEndLr: number;
  finderEpochs: number;

  /** 5.2: CLR exp_range; half-cycle in epochs (a multiple of 0.5 so cycles end at epoch boundaries). */
  clrBatchSize: number;
  stepSizeEpochs: number;
  cycles: number;
  /** γ of exp_range per iteration (0 = the γ for which the last cycle's peak is `lastCycleRatio` of the first). */
  gamma: number;
  lastCycleRatio: number;

  /** 5.3: lr = lrMax, batch size stepping through batchSizes, each for epochsPerBatchSize epochs. */
  batchSizes: number[];
  epochsPerBatchSize: number;

  /** Most points of a per-iteration series kept in the result (longer ones are subsampled at a fixed stride). */
  maxSeriesPoints: number;
}

/** Per-epoch numbers of a run; val* are null where no validation was run. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
}

/** nnlab's record of a run that broke the divergence rule (epoch, iteration, loss, bound, last finite loss). */
export type { Divergence } from 'nnlab';
import type { Divergence } from 'nnlab';

/** One 5.1 run: a fixed lr for sweepEpochs epochs from the common initial weights. */
export interface SweepRun {
  lr: number;
  epochs: EpochRecord[];
  /** Mean training loss over the batches of the last epoch; null when the run diverged. */
  finalLoss: number | null;
  diverged: Divergence | null;
  /** Wall time of the job, summed over the sessions of a resumed run. */
  seconds: number;
}

export interface LrBounds {
  lrMin: number;
  lrMax: number;
}

export interface FinderResult {
  batchSize: number;
  startLr: number;
  endLr: number;
  numIterations: number;
  /** Batches actually run before the stop. */
  iterations: number;
  stopReason: 'exploded' | 'completed' | 'diverged';
  /** (lr, loss, smoothed) per batch, subsampled to stride `stride`. */
  stride: number;
  lr: number[];
  loss: number[];
  smoothed: number[];
  minLossLr: number;
  steepestLr: number;
  /** suggestLrBounds applied to the smoothed curve (null where it gives no reading). */
  suggested: LrBounds | null;
  seconds: number;
}

/** A per-iteration series subsampled at a fixed stride: values at iterations 0, stride, 2·stride, … and the last. */
export interface IterationSeries {
  stride: number;
  iteration: number[];
  value: number[];
}

/** Metrics of the final weights, all evaluated in inference mode after the last epoch on the whole set. */
export interface FinalMetrics {
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  testLoss: number;
  testAccuracy: number;
}

export interface ClrResult {
  lrMin: number;
  lrMax: number;
  batchSize: number;
  stepSize: number;
  stepSizeEpochs: number;
  gamma: number;
  cycles: number;
  iterationsPerEpoch: number;
  epochs: EpochRecord[];
  lr: IterationSeries;
  final: FinalMetrics | null;
  diverged: Divergence | null;
  seconds: number;
}

export interface BatchEpochRecord extends EpochRecord {
  batchSize: number;
}

export interface BatchSizeResult {
  lr: number;
  batchSizes: number[];
  epochsPerBatchSize: number;
  epochs: BatchEpochRecord[];
  final: FinalMetrics | null;
  diverged: Divergence | null;
  seconds: number;
}

export interface P5Result {
  config: P5Config;
  seed: number;
  data: { trainSize: number; validationSize: number; testSize: number; mean: number; std: number };
  sweep: {
    runs: SweepRun[];
    /** The rule's suggestion, and what 5.2/5.3 used (the config's lrMin/lrMax where set). */
    suggested: LrBounds | null;
    chosen: LrBounds & { source: 'rule' | 'config' };
    rule: string;
  };
  finder: FinderResult;
  clr: ClrResult;
  batch: BatchSizeResult;
  /** Wall time of the whole experiment (all jobs, as run on the pool). */
  wallSeconds: number;
}
