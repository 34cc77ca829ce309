/**
 * Cyclical learning rates (Smith 2015, arXiv 1506.01186), with the three policies of bckenstler's Keras CLR
 * and PyTorch's `CyclicLR`. The rate is a pure function of the batch iteration, so a run resumed from a
 * checkpoint continues the schedule exactly by passing `initialIteration`.
 */

export type CyclicMode = 'triangular' | 'triangular2' | 'exp_range';

export interface CyclicLROptions {
  /** Lower bound of the cycle (Smith's base_lr). */
  lrMin: number;
  /** Upper bound of the first cycle (Smith's max_lr). */
  lrMax: number;
  /** Half a cycle, in batch iterations (need not be an integer). */
  stepSize: number;
  mode?: CyclicMode;
  /** Decay per iteration of exp_range: amplitude × γ^t. Ignored by the other modes. */
  gamma?: number;
}

/** The part of the fit loop's TrainingContext a learning-rate callback reads and writes. */
export interface LearningRateControl {
  optimizer: { learningRate: number };
  stopTraining: boolean;
}

function checkOptions(o: CyclicLROptions): void {
  const mode = o.mode ?? 'triangular';
  if (!(o.lrMin >= 0) || !(o.lrMax >= o.lrMin) || !Number.isFinite(o.lrMax)) {
    throw new Error(`CyclicLR: need 0 ≤ lrMin ≤ lrMax < ∞, got lrMin ${o.lrMin}, lrMax ${o.lrMax}`);
  }
  if (!(o.stepSize > 0) || !Number.isFinite(o.stepSize)) {
    throw new Error(`CyclicLR: stepSize must be a positive number of iterations, got ${o.stepSize}`);
  }
  if (mode !== 'triangular' && mode !== 'triangular2' && mode !== 'exp_range') {
    throw new Error(`CyclicLR: unknown mode "${String(mode)}" (triangular, triangular2 or exp_range)`);
  }
  if (mode === 'exp_range' && !(o.gamma !== undefined && o.gamma > 0 && o.gamma <= 1)) {
    throw new Error(`CyclicLR: exp_range needs 0 < gamma ≤ 1, got ${o.gamma}`);
  }
}

/**
 * The cyclical learning rate at batch iteration t (from 0), step size s:
 * cycle = ⌊1 + t/(2s)⌋, x = |t/s − 2·cycle + 1|,
 * lr = lrMin + (lrMax − lrMin)·max(0, 1 − x)·scale, where scale = 1 (triangular),
 * 1/2^(cycle−1) (triangular2: the amplitude halves every cycle) or γ^t (exp_range).
 * Troughs (lr = lrMin) fall at t = 0, 2s, 4s, …; peaks at t = s, 3s, 5s, ….
 */
export function cyclicLearningRate(t: number, options: CyclicLROptions): number {
  checkOptions(options);
  if (!(t >= 0)) throw new Error(`cyclicLearningRate: iteration must be ≥ 0, got ${t}`);
  const { lrMin, lrMax, stepSize: s } = options;
  const mode = options.mode ?? 'triangular';
  const cycle = Math.floor(1 + t / (2 * s));
  const x = Math.abs(t / s - 2 * cycle + 1);
  const scale =
    mode === 'triangular' ? 1 : mode === 'triangular2' ? 1 / 2 ** (cycle - 1) : options.gamma! ** t;
  return lrMin + (lrMax - lrMin) * Math.max(0, 1 - x) * scale;
}

/**
 * The γ for which exp_range's last cycle peaks at `ratio` times the first one: the peaks sit at
 * t = (2c − 1)·s, so γ^((2C − 2)·s) = ratio, γ = ratio^(1/((2C − 2)·s)); with a single cycle, γ = 1.
 */
export function expRangeGamma(stepSize: number, cycles: number, ratio: number): number {
  if (!(stepSize > 0) || !Number.isInteger(cycles) || cycles < 1 || !(ratio > 0 && ratio <= 1)) {
    throw new Error(
      `expRangeGamma: need stepSize > 0, integer cycles ≥ 1, 0 < ratio ≤ 1; got ${stepSize}, ${cycles}, ${ratio}`,
    );
  }
  return cycles === 1 ? 1 : ratio ** (1 / ((2 * cycles - 2) * stepSize));
}

/**
 * Fit callback setting `optimizer.learningRate = cyclicLearningRate(t)` before every batch, t counting
 * batches from `initialIteration` (0 unless resuming). `history` records the rate each batch used.
 */
export class CyclicLR {
  readonly options: Readonly<CyclicLROptions>;
  /** The iteration the next batch trains at. */
  iteration: number;
  readonly history: number[] = [];

  constructor(options: CyclicLROptions & { initialIteration?: number }) {
    const { initialIteration = 0, ...rest } = options;
    checkOptions(rest);
    if (!Number.isInteger(initialIteration) || initialIteration < 0) {
      throw new Error(`CyclicLR: initialIteration must be an integer ≥ 0, got ${initialIteration}`);
    }
    this.options = { mode: 'triangular', ...rest };
    this.iteration = initialIteration;
  }

  /** The rate at iteration t of this schedule. */
  lrAt(t: number): number {
    return cyclicLearningRate(t, this.options);
  }

  onBatchBegin(_batch: number, ctx: LearningRateControl): void {
    const lr = this.lrAt(this.iteration);
    ctx.optimizer.learningRate = lr;
    this.history.push(lr);
  }

  onBatchEnd(): void {
    this.iteration++;
  }
}
