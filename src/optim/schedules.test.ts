import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CyclicLR, cyclicLearningRate, expRangeGamma, type CyclicMode } from './schedules.js';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('cyclicLearningRate: hand-computed triangular points (lr 0.001…0.006, s = 2000, bckenstler example)', () => {
  const o = { lrMin: 0.001, lrMax: 0.006, stepSize: 2000 };
  // t = 1000: cycle 1, x = |0.5 − 2 + 1| = 0.5 → 0.001 + 0.005·0.5
  const expected: [number, number][] = [
    [0, 0.001],
    [1000, 0.0035],
    [2000, 0.006],
    [3000, 0.0035],
    [4000, 0.001],
    [6000, 0.006],
  ];
  for (const [t, lr] of expected) close(cyclicLearningRate(t, o), lr);
});

test('cyclicLearningRate: triangular2 halves the amplitude every cycle', () => {
  const o = { lrMin: 0.001, lrMax: 0.006, stepSize: 2000, mode: 'triangular2' as const };
  for (let c = 1; c <= 5; c++) {
    const peak = cyclicLearningRate((2 * c - 1) * 2000, o);
    close(peak - 0.001, 0.005 / 2 ** (c - 1));
    close(cyclicLearningRate(2 * (c - 1) * 2000, o), 0.001);
  }
});

test('cyclicLearningRate: exp_range by hand (lrMin 0, lrMax 1, s = 2, γ = 0.5)', () => {
  const o = { lrMin: 0, lrMax: 1, stepSize: 2, mode: 'exp_range' as const, gamma: 0.5 };
  // t = 1: x = 0.5 → 0.5·0.5¹; t = 2: x = 0 → 0.5²; t = 3: 0.5·0.5³; t = 6: 0.5⁶
  const expected: [number, number][] = [
    [0, 0],
    [1, 0.25],
    [2, 0.25],
    [3, 0.0625],
    [4, 0],
    [6, 1 / 64],
  ];
  for (const [t, lr] of expected) close(cyclicLearningRate(t, o), lr);
});

test('cyclicLearningRate: matches PyTorch 1.13 CyclicLR (base 0.001, max 0.1, step_size_up 500)', () => {
  // torch.optim.lr_scheduler.CyclicLR(..., cycle_momentum=False), lr read before each step t.
  const torch: Record<CyclicMode, [number, number][]> = {
    triangular: [
      [137, 0.028126000000000005],
      [777, 0.04515399999999998],
      [1500, 0.1],
      [2222, 0.044955999999999996],
    ],
    triangular2: [
      [137, 0.028126000000000005],
      [1500, 0.0505],
      [2222, 0.011989],
      [2500, 0.025750000000000002],
    ],
    exp_range: [
      [137, 0.026329647480194285],
      [500, 0.07809645723803249],
      [777, 0.030936736322505515],
      [1500, 0.04775551831588995],
      [2222, 0.01546759456713551],
      [2500, 0.029355109577059852],
      [3000, 0.001],
    ],
  };
  for (const mode of Object.keys(torch) as CyclicMode[]) {
    const o = { lrMin: 0.001, lrMax: 0.1, stepSize: 500, mode, gamma: 0.9995 };
    for (const [t, lr] of torch[mode]) close(cyclicLearningRate(t, o), lr, 1e-12);
  }
});

test('cyclicLearningRate: peaks at odd multiples of s, troughs at even ones (fractional s too)', () => {
  const o = { lrMin: 0.01, lrMax: 0.2, stepSize: 7.5 };
  const lrs = Array.from({ length: 61 }, (_, t) => cyclicLearningRate(t, o));
  // s = 7.5: troughs at t = 0, 15, 30, 45, 60; the maximum of each half-period sits at the integer nearest (2c−1)s.
  for (const t of [0, 15, 30, 45, 60]) close(lrs[t], 0.01);
  assert.ok(lrs.every((v) => v >= 0.01 - 1e-15 && v <= 0.2 + 1e-15));
  for (let t = 1; t <= 7; t++) assert.ok(lrs[t] > lrs[t - 1], `rising at ${t}`);
  // t = 7 and 8 are equally far from the peak at 7.5.
  close(lrs[7], lrs[8], 1e-12);
  for (let t = 9; t <= 15; t++) assert.ok(lrs[t] < lrs[t - 1], `falling at ${t}`);
});

test('expRangeGamma: the last peak is `ratio` times the first', () => {
  const s = 3440;
  for (const cycles of [2, 3, 5]) {
    const gamma = expRangeGamma(s, cycles, 0.1);
    const o = { lrMin: 0, lrMax: 1, stepSize: s, mode: 'exp_range' as const, gamma };
    close(cyclicLearningRate((2 * cycles - 1) * s, o) / cyclicLearningRate(s, o), 0.1, 1e-9);
  }
  assert.equal(expRangeGamma(s, 1, 0.1), 1);
  assert.throws(() => expRangeGamma(s, 0, 0.1), /expRangeGamma/);
});

test('CyclicLR callback: sets the optimizer rate before each batch, resumes from initialIteration', () => {
  const o = { lrMin: 0.001, lrMax: 0.1, stepSize: 4, mode: 'exp_range' as const, gamma: 0.99 };
  const ctx = { optimizer: { learningRate: 123 }, stopTraining: false };
  const clr = new CyclicLR(o);
  const seen: number[] = [];
  for (let b = 0; b < 20; b++) {
    clr.onBatchBegin(b, ctx);
    seen.push(ctx.optimizer.learningRate);
    clr.onBatchEnd();
  }
  seen.forEach((lr, t) => close(lr, cyclicLearningRate(t, o)));
  assert.deepEqual(clr.history, seen);
  const resumed = new CyclicLR({ ...o, initialIteration: 13 });
  resumed.onBatchBegin(0, ctx);
  assert.equal(ctx.optimizer.learningRate, seen[13]);
  assert.throws(() => new CyclicLR({ ...o, gamma: 0 }), /CyclicLR: exp_range needs 0 < gamma/);
  assert.throws(() => new CyclicLR({ ...o, lrMin: 0.5 }), /lrMin 0.5, lrMax 0.1/);
});
