/**
 * The "ball" classification set of Godoy's DeepReplay (datasets/ball.py), which the weight-initialisation
 * study of Problem 3 uses: points uniform in a d-ball, labelled by their absolute coordinate sum.
 */
import type { Rng } from '../util/rng.js';

export interface BallOptions {
  /** Dimension d (default 10). */
  dims?: number;
  /** Number of points (default 1000). */
  points?: number;
  /** Positive when |Σ_j x_j| > radiusFraction·radius (default 0.5). */
  radiusFraction?: number;
  /** Shuffle the points (default true; the generator already draws them in random order, as the original). */
  shuffle?: boolean;
}

export interface BallDataset {
  /** [points, dims] row-major. */
  x: Float64Array;
  /** 0/1 labels, [points]. */
  y: Float64Array;
  points: number;
  dims: number;
  /** Radius of the ball after scaling (√d / std of the unscaled points). */
  radius: number;
}

/**
 * Draws the ball set: s = √d·g/‖g‖ with g ~ N(0, I_d) (uniform on the sphere of radius √d), x = s·u^(1/d) with
 * u ~ U[0, 1) (uniform in the ball); then x and the radius are multiplied by 1/std(x), the population std
 * over all points·d entries, so the overall std is 1; y = 1 if |Σ_j x_j| > radiusFraction·radius else 0
 * (the coordinate sum, not the norm, as in the original; ≈ 61% positives for d = 10); finally shuffled.
 * Every draw comes from `rng`.
 */
export function makeBall(rng: Rng, options: BallOptions = {}): BallDataset {
  const dims = options.dims ?? 10;
  const points = options.points ?? 1000;
  const fraction = options.radiusFraction ?? 0.5;
  if (!Number.isInteger(dims) || dims < 1 || !Number.isInteger(points) || points < 2) {
    throw new Error(`makeBall: dims must be ≥ 1 and points ≥ 2 (integers), got dims ${dims}, points ${points}`);
  }
  let radius = Math.sqrt(dims);
  const raw = new Float64Array(points * dims);
  for (let p = 0; p < points; p++) {
    let norm2 = 0;
    for (let j = 0; j < dims; j++) {
      const g = rng.normal();
      raw[p * dims + j] = g;
      norm2 += g * g;
    }
    const scale = (radius / Math.sqrt(norm2)) * Math.pow(rng.uniform(), 1 / dims);
    for (let j = 0; j < dims; j++) raw[p * dims + j] *= scale;
  }
  let mean = 0;
  for (const v of raw) mean += v;
  mean /= raw.length;
  let variance = 0;
  for (const v of raw) variance += (v - mean) * (v - mean);
  const adjustment = 1 / Math.sqrt(variance / raw.length);
  radius *= adjustment;
  const order = options.shuffle === false ? null : rng.permutation(points);
  const x = new Float64Array(points * dims);
  const y = new Float64Array(points);
  for (let p = 0; p < points; p++) {
    const src = order === null ? p : order[p];
    let sum = 0;
    for (let j = 0; j < dims; j++) {
      const v = raw[src * dims + j] * adjustment;
      x[p * dims + j] = v;
      sum += v;
    }
    y[p] = Math.abs(sum) > fraction * radius ? 1 : 0;
  }
  return { x, y, points, dims, radius };
}
