import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { LearningRateFinder } from './lr-finder.js';

/**
 * Mini-batch SGD on least squares, L(w) = mean_b (x_b·w − y_b)², written out by hand so the test depends on
 * nothing but the callback. Full-batch GD on it diverges once lr > 2/λ_max(H), H = (2/n)·XᵀX.
 */
function leastSquares(n: number, seed: number) {
  const rng = new Rng(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const xi = [rng.normal(), 3 * rng.normal()];
    x.push(xi);
    y.push(1.5 * xi[0] - 0.5 * xi[1] + 0.1 * rng.normal());
  }
  // λ_max of the symmetric 2×2 H in closed form.
  let a = 0;
  let b = 0;
  let d = 0;
  for (const [u, v] of x) {
    a += (2 * u * u) / n;
    b += (2 * u * v) / n;
    d += (2 * v * v) / n;
  }
  const lambdaMax = (a + d) / 2 + Math.sqrt(((a - d) / 2) ** 2 + b * b);
  return { x, y, lambdaMax };
}

function runFinder(
  finder: LearningRateFinder,
  data: ReturnType<typeof leastSquares>,
  batch: number,
  maxEpochs: number,
) {
  const ctx = { optimizer: { learningRate: NaN }, stopTraining: false };
  const w = [0, 0];
  finder.onTrainBegin(ctx);
  let it = 0;
  for (let epoch = 0; epoch < maxEpochs && !ctx.stopTraining; epoch++) {
    for (let s = 0; s + batch <= data.x.length && !ctx.stopTraining; s += batch) {
      finder.onBatchBegin(it, ctx);
      const g = [0, 0];
      let loss = 0;
      for (let i = s; i < s + batch; i++) {
        const r = data.x[i][0] * w[0] + data.x[i][1] * w[1] - data.y[i];
        loss += (r * r) / batch;
        g[0] += (2 * r * data.x[i][0]) / batch;
        g[1] += (2 * r * data.x[i][1]) / batch;
      }
      w[0] -= ctx.optimizer.learningRate * g[0];
      w[1] -= ctx.optimizer.learningRate * g[1];
      finder.onBatchEnd(it, { loss }, ctx);
      it++;
    }
  }
  return it;
}

test('LearningRateFinder: geometric rates, bias-corrected EMA, stops at 4× the best, past the GD stability limit', () => {
  const data = leastSquares(512, 7);
  const finder = new LearningRateFinder({ startLr: 1e-5, endLr: 10, numIterations: 400 });
  const batches = runFinder(finder, data, 32, 100);
  const p = finder.points;
  assert.equal(finder.stopReason, 'exploded');
  assert.equal(batches, p.length);
  const q = (10 / 1e-5) ** (1 / 400);
  p.forEach((pt, i) => assert.ok(Math.abs(pt.lr / (1e-5 * q ** i) - 1) < 1e-9, `lr ${i}`));
  // Reference EMA and stop rule, recomputed independently.
  let avg = 0;
  let best = Infinity;
  p.forEach((pt, i) => {
    avg = 0.98 * avg + 0.02 * pt.loss;
    const sm = avg / (1 - 0.98 ** (i + 1));
    assert.ok(Math.abs(pt.smoothed - sm) <= 1e-12 * Math.max(1, sm), `smoothed ${i}`);
    if (i < p.length - 1) assert.ok(i === 0 || sm <= 4 * best, `should have stopped at ${i}`);
    else assert.ok(sm > 4 * best, 'last point exceeds the stop threshold');
    best = Math.min(best, sm);
  });
  const limit = 2 / data.lambdaMax;
  const { minLossLr, steepestLr } = finder.summary();
  assert.ok(p[p.length - 1].lr > limit, `exploded at ${p[p.length - 1].lr}, GD limit ${limit}`);
  // The EMA lags the raw loss by ≈ 1/(1−β) = 50 batches, i.e. a factor q^50 in lr.
  assert.ok(minLossLr > limit / 10 && minLossLr < limit * q ** 50, `min ${minLossLr}, limit ${limit}`);
  assert.ok(steepestLr < minLossLr, `steepest ${steepestLr}`);
});

test('LearningRateFinder: a run that never explodes ends after numIterations', () => {
  const data = leastSquares(256, 3);
  const finder = new LearningRateFinder({ startLr: 1e-6, endLr: 1e-4, numIterations: 50 });
  assert.equal(runFinder(finder, data, 16, 100), 50);
  assert.equal(finder.stopReason, 'completed');
  assert.ok(Math.abs(finder.points[49].lr / (1e-4 / finder.multiplier) - 1) < 1e-9);
});

test('LearningRateFinder.summary: steepest descent and minimum of a known curve', () => {
  // β = 0 turns smoothing off: loss = 2 − tanh(log10 lr + 3) falls fastest at lr = 1e-3, then blows up past 1e-1.
  const finder = new LearningRateFinder({ startLr: 1e-6, endLr: 10, numIterations: 700, beta: 0 });
  const ctx = { optimizer: { learningRate: 0 }, stopTraining: false };
  finder.onTrainBegin(ctx);
  for (let i = 0; !ctx.stopTraining; i++) {
    finder.onBatchBegin(i, ctx);
    const e = Math.log10(ctx.optimizer.learningRate);
    finder.onBatchEnd(i, { loss: 2 - Math.tanh(e + 3) + (e > -1 ? 100 * (e + 1) ** 2 : 0) }, ctx);
  }
  assert.equal(finder.stopReason, 'exploded');
  const { minLossLr, steepestLr } = finder.summary();
  assert.ok(Math.abs(Math.log10(steepestLr) + 3) < 0.05, `steepest ${steepestLr}`);
  assert.ok(minLossLr > 0.05 && minLossLr < 0.15, `min ${minLossLr}`);
  // A NaN loss ends the test at once.
  const f2 = new LearningRateFinder({ startLr: 1e-3, endLr: 1, numIterations: 10 });
  const c2 = { optimizer: { learningRate: 0 }, stopTraining: false };
  f2.onBatchEnd(0, { loss: NaN }, c2);
  assert.equal(f2.stopReason, 'exploded');
  assert.ok(c2.stopTraining);
  assert.throws(
    () => new LearningRateFinder({ startLr: 1, endLr: 0.1, numIterations: 5 }),
    /startLr 1, endLr 0.1/,
  );
});
