/**
 * The numeric rules of Problem 5 that turn curves into choices: the lr bounds read off a loss-vs-lr curve,
 * and the stride subsampling of long per-iteration series.
 */
import type { IterationSeries, LrBounds } from './types.js';

export const LR_BOUNDS_RULE =
  'Over the runs that did not diverge, in increasing lr: L_ref = loss at the smallest lr (no learning yet), ' +
  'L_best = the lowest loss. lrMax = the lr of L_best (past it the loss rises again or the run diverges); ' +
  'lrMin = the smallest lr whose loss is ≤ L_ref − f·(L_ref − L_best), i.e. where the loss has visibly started ' +
  'to drop (f = dropFraction); if that is lrMax itself, lrMin is the next smaller lr tried.';

/**
 * lr bounds from (lr, loss) points, loss null = diverged (LR_BOUNDS_RULE): with L_ref the loss at the smallest
 * lr and L_best the minimum, lrMax = argmin loss, lrMin = min{lr : loss ≤ L_ref − f·(L_ref − L_best)}, moved
 * one point down when it equals lrMax. Null when the curve gives no reading: fewer than 2 finite points, or the
 * loss never fell below L_ref.
 */
export function suggestLrBounds(
  points: { lr: number; loss: number | null }[],
  dropFraction: number,
): LrBounds | null {
  if (!(dropFraction > 0 && dropFraction < 1)) {
    throw new Error(`suggestLrBounds: dropFraction must be in (0, 1), got ${dropFraction}`);
  }
  const ok = points
    .filter((p): p is { lr: number; loss: number } => p.loss !== null && Number.isFinite(p.loss))
    .sort((a, b) => a.lr - b.lr);
  if (ok.length < 2) return null;
  const ref = ok[0].loss;
  let iBest = 0;
  for (let i = 1; i < ok.length; i++) if (ok[i].loss < ok[iBest].loss) iBest = i;
  if (iBest === 0) return null;
  const threshold = ref - dropFraction * (ref - ok[iBest].loss);
  let iMin = ok.findIndex((p) => p.loss <= threshold);
  if (iMin >= iBest) iMin = iBest - 1;
  return { lrMin: ok[iMin].lr, lrMax: ok[iBest].lr };
}

/**
 * Stride subsampling: keeps indices 0, k, 2k, … and the last, k = ⌈n/(maxPoints − 1)⌉, so at most maxPoints
 * values (all of them when n ≤ maxPoints).
 */
export function subsampleSeries(values: number[], maxPoints: number): IterationSeries {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw new Error(`subsampleSeries: maxPoints must be an integer ≥ 2, got ${maxPoints}`);
  }
  const n = values.length;
  const stride = n <= maxPoints ? 1 : Math.ceil(n / (maxPoints - 1));
  const iteration: number[] = [];
  for (let i = 0; i < n; i += stride) iteration.push(i);
  if (n > 0 && iteration[iteration.length - 1] !== n - 1) iteration.push(n - 1);
  return { stride, iteration, value: iteration.map((i) => values[i]) };
}
