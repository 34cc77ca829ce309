// The lr callbacks (CyclicLR, LearningRateFinder) inside the real fit loop: the rate they set before a batch is the one it uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dense, Sequential } from '../nn/index.js';
import { Tensor } from '../tensor/tensor.js';
import type { Callback } from '../train/index.js';
import { Rng } from '../util/rng.js';
import { LearningRateFinder } from './lr-finder.js';
import { CyclicLR, cyclicLearningRate } from './schedules.js';
import { SGD } from './sgd.js';

/** y = x·w* + noise, 4 features, with a 1-unit linear Dense model trained on MSE. */
function regression(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = Array.from({ length: n * 4 }, () => rng.normal());
  const y = Array.from(
    { length: n },
    (_, i) => x[4 * i] - 2 * x[4 * i + 1] + 0.5 * x[4 * i + 3] + 0.1 * rng.normal(),
  );
  const model = new Sequential([new Dense({ units: 1 })], { inputShape: [4], seed });
  model.compile({ optimizer: new SGD({ learningRate: 123 }), loss: 'meanSquaredError' });
  return { model, x: Tensor.fromArray(x, [n, 4]), y: Tensor.fromArray(y, [n, 1]) };
}

/** Records the optimizer's rate as the batch starts (listed after the lr callback) and counts batch ends. */
function observer() {
  const lrs: number[] = [];
  let ends = 0;
  const cb: Callback = {
    onBatchBegin: (_it, ctx) => void lrs.push(ctx.optimizer.learningRate),
    onBatchEnd: () => void ends++,
  };
  return { cb, lrs, ends: () => ends };
}

test('CyclicLR in fit: every batch trains at the formula rate; the count survives across fit calls', async () => {
  const { model, x, y } = regression(50, 1);
  const o = { lrMin: 0.001, lrMax: 0.05, stepSize: 5, mode: 'exp_range' as const, gamma: 0.98 };
  const clr = new CyclicLR(o);
  const obs = observer();
  // 50 examples, batch 8: 7 batches per epoch (the last has 2); two fit calls of 2 epochs.
  await model.fit(x, y, { epochs: 2, batchSize: 8, callbacks: [clr, obs.cb] });
  await model.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 8, callbacks: [clr, obs.cb] });
  assert.equal(clr.iteration, 28);
  assert.deepEqual(
    obs.lrs,
    Array.from({ length: 28 }, (_, t) => cyclicLearningRate(t, o)),
  );
});

test('CyclicLR in fit: lr 0 leaves the weights untouched (fit uses the rate set in onBatchBegin)', async () => {
  const { model, x, y } = regression(40, 2);
  const before = model.getWeights().map((w) => Array.from(w));
  await model.fit(x, y, {
    epochs: 2,
    batchSize: 8,
    callbacks: [new CyclicLR({ lrMin: 0, lrMax: 0, stepSize: 3 })],
  });
  assert.deepEqual(
    model.getWeights().map((w) => Array.from(w)),
    before,
  );
});

test('LearningRateFinder in fit: records the rate each batch used and stops right after the explosion', async () => {
  const { model, x, y } = regression(256, 3);
  const finder = new LearningRateFinder({ startLr: 1e-4, endLr: 100, numIterations: 300 });
  const obs = observer();
  await model.fit(x, y, { epochs: 30, batchSize: 16, callbacks: [finder, obs.cb] });
  assert.equal(finder.stopReason, 'exploded');
  assert.equal(obs.ends(), finder.points.length, 'no batch after the stop');
  assert.ok(finder.points.length < 300);
  assert.deepEqual(
    finder.points.map((p) => p.lr),
    obs.lrs,
  );
  const last = finder.points[finder.points.length - 1];
  const best = Math.min(...finder.points.slice(0, -1).map((p) => p.smoothed));
  assert.ok(!Number.isFinite(last.smoothed) || last.smoothed > 4 * best);
});
