import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bornDeadBounds, quantile, quantileSample, summarisePopulation, wilsonInterval } from './stats.js';

test('wilsonInterval: textbook values', () => {
  // Wilson 95% for 5/10 is [0.2366, 0.7634]; for 0/10 [0, 0.2775]; for 10/10 [0.7225, 1] (e.g. Brown, Cai & DasGupta 2001).
  const near = (a: [number, number], b: [number, number]): void =>
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 5e-5, `${a} vs ${b}`));
  near(wilsonInterval(5, 10), [0.2366, 0.7634]);
  near(wilsonInterval(0, 10), [0, 0.2775]);
  near(wilsonInterval(10, 10), [0.7225, 1]);
  // For large n it approaches the normal interval p ± 1.96·√(p(1−p)/n).
  const [lo, hi] = wilsonInterval(300_000, 1_000_000);
  assert.ok(
    Math.abs(lo - (0.3 - 1.96 * Math.sqrt(0.21 / 1e6))) < 1e-6 &&
      Math.abs(hi - (0.3 + 1.96 * Math.sqrt(0.21 / 1e6))) < 1e-6,
  );
  assert.throws(() => wilsonInterval(11, 10), /wilsonInterval: need 0 ≤ k ≤ n/);
});

test('bornDeadBounds: Lu et al.’s numbers for width 2, depth 10', () => {
  const { lower, upper } = bornDeadBounds(2, 10);
  assert.ok(Math.abs(lower - 0.887) < 5e-4, `lower ${lower}`);
  assert.ok(Math.abs(upper - 0.944) < 5e-4, `upper ${upper}`);
  assert.equal(bornDeadBounds(10, 1).lower, 0);
});

test('summarisePopulation, quantile and quantileSample against hand values', () => {
  const s = summarisePopulation([1, -3, 2, 4]);
  assert.deepEqual(s, { n: 4, mean: 1, std: Math.sqrt((0 + 16 + 1 + 9) / 4), meanAbs: 2.5, min: -3, max: 4 });
  assert.equal(quantile([3, 1, 2, 4], 0.5), 2.5);
  assert.equal(quantile([3, 1, 2, 4], 1 / 3), 2);
  assert.deepEqual(quantileSample([5, 4, 3, 2, 1, 0, 10, 9, 8, 7, 6], 3), [0, 5, 10]);
  assert.deepEqual(quantileSample([2, 1], 5), [1, 2]);
});
