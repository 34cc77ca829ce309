/**
 * The continuous learning-rate range test (Smith 2015 §3.3; the PyImageSearch `LearningRateFinder`): one
 * short run in which the rate grows geometrically every batch, recording the loss, until the loss explodes.
 */
import type { LearningRateControl } from './schedules.js';

export interface LearningRateFinderOptions {
  startLr: number;
  endLr: number;
  /** Batches over which the rate climbs from startLr to endLr; the test stops after that many. */
  numIterations: number;
  /** EMA factor of the loss smoothing (0.98 in the reference). */
  beta?: number;
  /** Stop once the smoothed loss exceeds stopFactor × the best smoothed loss so far (4 in the reference). */
  stopFactor?: number;
}

/** One batch of the range test: the rate it trained with, its loss and the smoothed loss. */
export interface LrFinderPoint {
  lr: number;
  loss: number;
  smoothed: number;
}

/**
 * Fit callback of the range test. Batch i (from 0) trains with lr_i = startLr·q^i, q = (endLr/startLr)^(1/N),
 * N = numIterations. After each batch: a_i = β·a_{i−1} + (1−β)·loss_i (a_{−1} = 0), smoothed_i = a_i/(1 − β^(i+1))
 * (bias-corrected EMA); training stops when i > 0 and smoothed_i > stopFactor·min_{j<i} smoothed_j, when the
 * loss is not finite, or after N batches. `points` holds every batch's (lr, loss, smoothed).
 */
export class LearningRateFinder {
  readonly startLr: number;
  readonly endLr: number;
  readonly numIterations: number;
  readonly beta: number;
  readonly stopFactor: number;
  /** Growth factor of the rate per batch. */
  readonly multiplier: number;
  readonly points: LrFinderPoint[] = [];
  /** Why the test ended: 'exploded' (stop factor hit or non-finite loss) or 'completed' (N batches). */
  stopReason: 'exploded' | 'completed' | null = null;
  private avg = 0;
  private best = Infinity;
  private lr: number;

  constructor(o: LearningRateFinderOptions) {
    const { startLr, endLr, numIterations, beta = 0.98, stopFactor = 4 } = o;
    if (!(startLr > 0) || !(endLr > startLr) || !Number.isFinite(endLr)) {
      throw new Error(
        `LearningRateFinder: need 0 < startLr < endLr < ∞, got startLr ${startLr}, endLr ${endLr}`,
      );
    }
    if (!Number.isInteger(numIterations) || numIterations < 1) {
      throw new Error(`LearningRateFinder: numIterations must be an integer ≥ 1, got ${numIterations}`);
    }
    if (!(beta >= 0 && beta < 1) || !(stopFactor > 1)) {
      throw new Error(
        `LearningRateFinder: need 0 ≤ beta < 1 and stopFactor > 1, got beta ${beta}, stopFactor ${stopFactor}`,
      );
    }
    this.startLr = startLr;
    this.endLr = endLr;
    this.numIterations = numIterations;
    this.beta = beta;
    this.stopFactor = stopFactor;
    this.multiplier = (endLr / startLr) ** (1 / numIterations);
    this.lr = startLr;
  }

  onTrainBegin(ctx: LearningRateControl): void {
    ctx.optimizer.learningRate = this.lr;
  }

  onBatchBegin(_batch: number, ctx: LearningRateControl): void {
    // Set here as well as after each batch so nothing else in the fit loop can change the rate under the test.
    ctx.optimizer.learningRate = this.lr;
  }

  onBatchEnd(_batch: number, logs: { loss: number }, ctx: LearningRateControl): void {
    if (this.stopReason !== null) {
      // A fit loop that honours stopTraining only at epoch ends keeps calling; the test is over.
      ctx.stopTraining = true;
      return;
    }
    const i = this.points.length;
    const loss = logs.loss;
    this.avg = this.beta * this.avg + (1 - this.beta) * loss;
    const smoothed = this.avg / (1 - this.beta ** (i + 1));
    this.points.push({ lr: this.lr, loss, smoothed });
    if (!Number.isFinite(smoothed) || (i > 0 && smoothed > this.stopFactor * this.best)) {
      this.stopReason = 'exploded';
      ctx.stopTraining = true;
      return;
    }
    if (smoothed < this.best) this.best = smoothed;
    if (i + 1 >= this.numIterations) {
      this.stopReason = 'completed';
      ctx.stopTraining = true;
      return;
    }
    this.lr *= this.multiplier;
    ctx.optimizer.learningRate = this.lr;
  }

  /**
   * Two readings of the curve: `minLossLr` = the rate of the lowest smoothed loss, and `steepestLr` = the rate
   * where the smoothed loss falls fastest per decade, argmin_i (smoothed_{i+k} − smoothed_{i−k})/(log10 lr_{i+k} −
   * log10 lr_{i−k}) over the points before the minimum, k = max(1, ⌊n/50⌋) so batch noise does not pick the point.
   */
  summary(): { minLossLr: number; steepestLr: number } {
    const p = this.points;
    if (p.length === 0) throw new Error('LearningRateFinder.summary: no batches were recorded');
    let iMin = 0;
    for (let i = 1; i < p.length; i++) if (p[i].smoothed < p[iMin].smoothed) iMin = i;
    const k = Math.max(1, Math.floor(p.length / 50));
    let steepest = p[0].lr;
    let bestSlope = Infinity;
    for (let i = k; i + k <= iMin; i++) {
      const slope =
        (p[i + k].smoothed - p[i - k].smoothed) / (Math.log10(p[i + k].lr) - Math.log10(p[i - k].lr));
      if (slope < bestSlope) {
        bestSlope = slope;
        steepest = p[i].lr;
      }
    }
    return { minLossLr: p[iMin].lr, steepestLr: steepest };
  }
}
