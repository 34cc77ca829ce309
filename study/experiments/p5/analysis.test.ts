import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subsampleSeries, suggestLrBounds } from './analysis.js';

test('suggestLrBounds: the curve shape of 5.1 (flat, dropping, minimum, diverged)', () => {
  // Losses shaped like LeNet-5 after 5 epochs: ≈ ln 10 until 1e-5, dropping, best at 1e-1, NaN beyond.
  const lrs = [1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];
  const loss = [2.305, 2.305, 2.304, 2.3, 2.28, 1.9, 0.75, 0.42, 0.3, null, null];
  const points = lrs.map((lr, i) => ({ lr, loss: loss[i] }));
  // threshold = 2.305 − 0.1·(2.305 − 0.3) = 2.1045: 1e-5 (2.28) is above, 1e-4 (1.9) is the first below.
  assert.deepEqual(suggestLrBounds(points, 0.1), { lrMin: 1e-4, lrMax: 1e-1 });
  // A stricter fraction (f = 0.5: threshold 1.3025) moves lrMin to 1e-3; the order of the points does not matter.
  assert.deepEqual(suggestLrBounds([...points].reverse(), 0.5), { lrMin: 1e-3, lrMax: 1e-1 });
});

test('suggestLrBounds: lrMin stays below lrMax; a curve that never drops gives no reading', () => {
  const steep = [
    { lr: 1e-3, loss: 2.3 },
    { lr: 1e-2, loss: 0.5 },
    { lr: 1e-1, loss: 0.9 },
  ];
  assert.deepEqual(suggestLrBounds(steep, 0.1), { lrMin: 1e-3, lrMax: 1e-2 });
  const flat = [
    { lr: 1e-3, loss: 2 },
    { lr: 1e-2, loss: 2.1 },
    { lr: 1e-1, loss: null },
  ];
  assert.equal(suggestLrBounds(flat, 0.1), null);
  assert.equal(suggestLrBounds([{ lr: 1, loss: 0.5 }], 0.1), null);
  assert.throws(() => suggestLrBounds(steep, 1), /dropFraction must be in \(0, 1\), got 1/);
});

test('subsampleSeries: fixed stride, first and last kept, at most maxPoints', () => {
  const v = Array.from({ length: 10 }, (_, i) => i * i);
  assert.deepEqual(subsampleSeries(v, 20), { stride: 1, iteration: [...v.keys()], value: v });
  const s = subsampleSeries(v, 4); // k = ⌈10/3⌉ = 4: 0, 4, 8, then the last (9)
  assert.deepEqual(s, { stride: 4, iteration: [0, 4, 8, 9], value: [0, 16, 64, 81] });
  const long = subsampleSeries(
    Array.from({ length: 20641 }, (_, i) => i),
    2000,
  );
  assert.ok(long.iteration.length <= 2000);
  assert.equal(long.iteration[long.iteration.length - 1], 20640);
  assert.deepEqual(long.value, long.iteration);
});
