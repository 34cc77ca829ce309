import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IdxDataset } from './idx.js';
import { buildEx4FromMnist, ex4Label, loadEx4, loadEx4Mat } from './ex4.js';

const fixture = (name: string): string => new URL(`../../src/data/fixtures/${name}`, import.meta.url).pathname;

for (const file of ['ex4-small.mat', 'ex4-small-uncompressed.mat']) {
  test(`loadEx4Mat reads X row-major and y from ${file}`, () => {
    const d = loadEx4Mat(fixture(file));
    assert.equal(d.m, 12);
    assert.equal(d.side, 20);
    // make_mat_fixtures.py: X[i, j] = ((400 i + j) mod 97)/96 − 0.1, y[i] = i mod 10 + 1.
    for (let i = 0; i < 12; i++) {
      assert.equal(d.y[i], (i % 10) + 1);
      for (let j = 0; j < 400; j++) assert.equal(d.X[i * 400 + j], ((i * 400 + j) % 97) / 96 - 0.1);
    }
  });
}

test('loadEx4Mat names the problem: NaN, shape, missing variable, bad label, unreadable file', () => {
  assert.throws(() => loadEx4Mat(fixture('ex4-nan.mat')), /X\(2, 18\) is NaN/);
  assert.throws(() => loadEx4Mat(fixture('ex4-badshape.mat')), /X is 3×399, expected m × side²/);
  assert.throws(() => loadEx4Mat(fixture('ex4-badnames.mat')), /has no variable 'X'; it holds: .*features \(double 3×400\).*labels \(uint8 3×1\)/);
  assert.throws(() => loadEx4Mat(fixture('ex4-badlabels.mat')), /y\(3\) = 11, expected an integer label in 1\.\.10/);
  assert.throws(() => loadEx4Mat('/no/such/ex4data1.mat'), /cannot read \/no\/such\/ex4data1\.mat/);
});

/** Independent reference of 28→20 area resampling: split each pixel into 5×5 sub-pixels, average 7×7 blocks. */
function supersampled(img: Uint8Array): Float64Array {
  const fine = new Float64Array(140 * 140);
  for (let r = 0; r < 140; r++) for (let c = 0; c < 140; c++) fine[r * 140 + c] = img[Math.floor(r / 5) * 28 + Math.floor(c / 5)];
  const out = new Float64Array(400);
  for (let r = 0; r < 20; r++) {
    for (let c = 0; c < 20; c++) {
      let s = 0;
      for (let a = 0; a < 7; a++) for (let b = 0; b < 7; b++) s += fine[(7 * r + a) * 140 + 7 * c + b];
      out[r * 20 + c] = s / 49;
    }
  }
  return out;
}

test('buildEx4FromMnist: first images of each digit, ex4 label order, area resampling, column-major unrolling', () => {
  const count = 40;
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  let seed = 12345;
  for (let i = 0; i < count; i++) {
    labels[i] = (i * 7) % 10;
    for (let p = 0; p < 784; p++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      images[i * 784 + p] = seed >>> 24;
    }
  }
  const ds: IdxDataset = { images, labels, count, rows: 28, cols: 28 };
  const d = buildEx4FromMnist(ds, { perClass: 2 });
  assert.equal(d.m, 20);
  assert.deepEqual([...d.y], [10, 10, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
  for (let row = 0; row < d.m; row++) {
    const digit = d.y[row] % 10;
    const nth = row % 2;
    const src = [...labels.keys()].filter((i) => labels[i] === digit)[nth];
    const want = supersampled(images.subarray(src * 784, (src + 1) * 784));
    for (let r = 0; r < 20; r++) {
      for (let c = 0; c < 20; c++) {
        const got = d.X[row * 400 + c * 20 + r];
        assert.ok(Math.abs(got - want[r * 20 + c] / 255) < 1e-12, `row ${row} pixel (${r},${c})`);
      }
    }
  }
  assert.throws(() => buildEx4FromMnist(ds, { perClass: 5 }), /only 4 images of digit \d in 40, need 5/);
  assert.equal(ex4Label(0), 10);
  assert.equal(ex4Label(7), 7);
});

test("loadEx4('mnist-ex4') gives 5000 images, 500 per label, intensities in [0, 1]", () => {
  const d = loadEx4('mnist-ex4');
  assert.equal(d.m, 5000);
  assert.equal(d.X.length, 5000 * 400);
  const perLabel = new Array<number>(11).fill(0);
  for (const k of d.y) perLabel[k]++;
  assert.deepEqual(perLabel.slice(1), new Array<number>(10).fill(500));
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of d.X) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  assert.ok(min >= 0 && max <= 1 && max > 0.9, `range ${min}..${max}`);
  // MNIST's mean intensity is 0.13; area resampling preserves the mean of an image.
  const mean = sum / d.X.length;
  assert.ok(mean > 0.1 && mean < 0.2, `mean ${mean}`);
});
