/** Summary of a sample across seeds or runs. */
export interface SampleStats {
  mean: number;
  /** Sample standard deviation √(Σ(x − mean)²/(n − 1)); 0 for a single value. */
  std: number;
  min: number;
  max: number;
  n: number;
}

/**
 * describe(xs) = { mean = Σx/n, std = √(Σ(x − mean)²/(n − 1)) (0 when n = 1), min, max, n }; all NaN when n = 0.
 */
export function describe(xs: readonly number[]): SampleStats {
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: NaN, min: NaN, max: NaN, n };
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, min: Math.min(...xs), max: Math.max(...xs), n };
}
