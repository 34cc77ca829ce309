import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBall } from './ball.js';
import { Rng } from '../util/rng.js';

test('makeBall: overall std 1, points inside the scaled ball, labels follow |Σx| > r/2, seeded', () => {
  const d = makeBall(new Rng(13));
  assert.equal(d.x.length, 10_000);
  const n = d.x.length;
  const mean = d.x.reduce((s, v) => s + v, 0) / n;
  const std = Math.sqrt(d.x.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  assert.ok(Math.abs(std - 1) < 1e-12, `std ${std}`);
  let positives = 0;
  const radial: number[] = [];
  for (let p = 0; p < d.points; p++) {
    const row = Array.from(d.x.subarray(p * 10, p * 10 + 10));
    const norm = Math.hypot(...row);
    assert.ok(norm <= d.radius * (1 + 1e-12), `point ${p} lies outside the ball: ${norm} > ${d.radius}`);
    radial.push(norm / d.radius);
    const sum = row.reduce((s, v) => s + v, 0);
    assert.equal(d.y[p], Math.abs(sum) > 0.5 * d.radius ? 1 : 0);
    positives += d.y[p];
  }
  // Uniform in a 10-ball: P(‖x‖ ≤ t·R) = t^10, so the median radius is R·2^(−1/10) = 0.933 R.
  radial.sort((a, b) => a - b);
  assert.ok(Math.abs(radial[500] - Math.pow(0.5, 0.1)) < 0.01, `median radius ${radial[500]}`);
  // REFERENCE.md: about 61% positives; the binomial sd at 1000 points is 1.5 points.
  assert.ok(positives > 560 && positives < 660, `positives ${positives}`);
  assert.deepEqual(makeBall(new Rng(13)).x, d.x);
  assert.notDeepEqual(makeBall(new Rng(14)).x, d.x);
});

test('makeBall: shuffling permutes the same points and rejects bad sizes', () => {
  const a = makeBall(new Rng(3), { dims: 3, points: 50, shuffle: false });
  const b = makeBall(new Rng(3), { dims: 3, points: 50 });
  const rows = (x: Float64Array): string[] =>
    Array.from({ length: 50 }, (_, p) => Array.from(x.subarray(p * 3, p * 3 + 3)).join(',')).sort();
  assert.deepEqual(rows(a.x), rows(b.x));
  assert.notDeepEqual(a.x, b.x);
  assert.throws(() => makeBall(new Rng(1), { points: 1 }), /makeBall: dims must be ≥ 1 and points ≥ 2/);
});
