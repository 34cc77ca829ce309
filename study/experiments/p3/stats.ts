/** Small statistics used by Problem 3: binomial confidence intervals, born-dead bounds, distribution summaries. */

/**
 * Wilson score interval for k successes in n trials at normal quantile z (1.96 → 95%):
 * centre = (p̂ + z²/2n)/(1 + z²/n), half-width = z/(1 + z²/n)·√(p̂(1−p̂)/n + z²/4n²), p̂ = k/n.
 * Unlike p̂ ± z·√(p̂(1−p̂)/n) it stays inside [0, 1] and does not collapse to a point at k = 0 or k = n.
 */
export function wilsonInterval(k: number, n: number, z = 1.96): [number, number] {
  if (!(n > 0) || !(k >= 0 && k <= n))
    throw new Error(`wilsonInterval: need 0 ≤ k ≤ n and n > 0, got k ${k}, n ${n}`);
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Lu et al. (2019), Theorem 4 for zero biases and symmetric weights: a ReLU net of depth H and width N is
 * born dead with probability P, 1 − 2(1 − 2^−N)^H ≤ P ≤ 1 − (1 − 2^−N)^H (lower clipped at 0).
 */
export function bornDeadBounds(width: number, depth: number): { lower: number; upper: number } {
  const alive = Math.pow(1 - Math.pow(2, -width), depth);
  return { lower: Math.max(0, 1 - 2 * alive), upper: 1 - alive };
}

/** Summary of a sample: n, mean, std (population), mean |v|, min, max. */
export interface Summary {
  n: number;
  mean: number;
  std: number;
  meanAbs: number;
  min: number;
  max: number;
}

/**
 * n, mean, the population std √(Σ(v − mean)²/n) (these are all the values of a layer, not a sample of
 * them), mean |v|, min and max; throws for an empty list.
 */
export function summarisePopulation(values: ArrayLike<number>): Summary {
  const n = values.length;
  if (n === 0) throw new Error('summarisePopulation: empty list of values; pass at least one');
  let sum = 0;
  let sumAbs = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < n; k++) {
    const v = values[k];
    sum += v;
    sumAbs += Math.abs(v);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  let ss = 0;
  for (let k = 0; k < n; k++) ss += (values[k] - mean) ** 2;
  return { n, mean, std: Math.sqrt(ss / n), meanAbs: sumAbs / n, min, max };
}

/**
 * A deterministic `count`-point summary of the empirical distribution: the order statistics at ranks
 * round(i·(n−1)/(count−1)), i = 0 … count−1 (all values, sorted, when n ≤ count). Its empirical CDF is within
 * 1/(count−1) of the full sample's everywhere, so violins drawn from it match those of all values.
 */
export function quantileSample(values: ArrayLike<number>, count: number): number[] {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length <= count) return Array.from(sorted);
  if (count < 2) throw new Error(`quantileSample: count must be ≥ 2, got ${count}`);
  return Array.from({ length: count }, (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (count - 1))]);
}

/** The q-quantile (0 ≤ q ≤ 1) of a sample by linear interpolation between order statistics (numpy's default). */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}
