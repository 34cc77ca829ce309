/**
 * The one divergence rule of every training run (experiments rely on it instead of rules of their own):
 *
 *   a run diverges at the first batch whose loss L is NaN or ±∞, or exceeds DIVERGENCE_FACTOR × L₀,
 *   where L₀ is the loss of the run's first batch (before any update), or an evaluated loss
 *   (validation, test) of an epoch breaks the same bound.
 *
 * Why 10 × L₀: a training loss only grows past its starting value when the updates overshoot; ten times the
 * loss of the untrained model (23 for 10-class cross-entropy, which starts at ln 10 ≈ 2.3) is far beyond
 * the noise of a healthy run and reached within a few batches by a run that explodes, while a finite but
 * astronomically large loss (1e26) would otherwise be stored as a normal result.
 */
import type { BatchLogs, Callback } from './callbacks.js';
import { DivergenceError } from './errors.js';

/** A run diverges when its loss exceeds this many times its first batch loss (see the module comment). */
export const DIVERGENCE_FACTOR = 10;

/** How a diverged run is stored: where it stopped and its last finite numbers. */
export interface Divergence {
  /** Epoch index (from 0) in which the run diverged. */
  epoch: number;
  /** Global batch iteration at which it diverged (for an evaluated loss: the last iteration of the epoch). */
  iteration: number;
  /** The loss that broke the rule (NaN, ±∞ or above `bound`). */
  loss: number;
  /** The bound in force: DIVERGENCE_FACTOR × the first batch loss (∞ while that is unknown). */
  bound: number;
  /** The last finite batch loss before it, or null when there was none. */
  lastFiniteLoss: number | null;
  message: string;
}

/** The bound of the rule for a first batch loss `reference` (∞ for an unknown or non-positive one). */
export function divergenceBound(reference: number | null, factor = DIVERGENCE_FACTOR): number {
  return reference !== null && Number.isFinite(reference) && reference > 0 ? factor * reference : Infinity;
}

/** Whether `loss` breaks the rule under `bound`: NaN, ±∞, or above the bound. */
export function breaksBound(loss: number, bound: number): boolean {
  return !Number.isFinite(loss) || loss > bound;
}

/**
 * A fit callback that applies the rule to every batch and throws a DivergenceError (carrying the bound and
 * the last finite loss) on the first batch that breaks it. Its `reference` (the first batch loss) is part of
 * a run's resumable state: save it with the checkpoint and set it back on resume.
 */
export class DivergenceGuard implements Callback {
  /** The first batch loss of the run (null until the first batch). */
  reference: number | null;
  /** The last finite batch loss seen. */
  lastFiniteLoss: number | null = null;

  constructor(
    reference: number | null = null,
    readonly factor = DIVERGENCE_FACTOR,
  ) {
    if (!(factor > 1)) throw new Error(`DivergenceGuard: factor must be > 1, got ${factor}`);
    this.reference = reference;
  }

  get bound(): number {
    return divergenceBound(this.reference, this.factor);
  }

  onBatchEnd = (iteration: number, logs: BatchLogs, ctx: { epoch: number }): void => {
    if (this.reference === null && Number.isFinite(logs.loss)) this.reference = logs.loss;
    if (breaksBound(logs.loss, this.bound))
      throw new DivergenceError(ctx.epoch, iteration, logs.loss, this.bound, this.lastFiniteLoss);
    this.lastFiniteLoss = logs.loss;
  };
}

/** The stored form of a DivergenceError. */
export function divergenceRecord(e: DivergenceError): Divergence {
  return {
    epoch: e.epoch,
    iteration: e.iteration,
    loss: e.loss,
    bound: e.bound,
    lastFiniteLoss: e.lastFiniteLoss,
    message: e.message,
  };
}
