import assert from 'node:assert/strict';
import { test } from 'node:test';
import { referenceBackend } from '../kernels/index.js';
import { oneHot, toImageTensor } from './idx-tensor.js';

const images = Uint8Array.of(0, 255, 51, 102, 7, 8, 9, 10);

test('toImageTensor scales to [0, 1] or standardises, N×1×rows×cols', () => {
  const u = toImageTensor(images, 2, { normalize: 'unit', rows: 2, cols: 2 });
  assert.deepEqual(u.shape, [2, 1, 2, 2]);
  assert.equal(u.dtype, 'float32');
  assert.deepEqual(u.toArray(), Array.from(Float32Array.from(images, (v) => v / 255)));
  const z = toImageTensor(images, 1, {
    normalize: 'standardize',
    mean: 0.2,
    std: 0.5,
    rows: 2,
    cols: 2,
    dtype: 'float64',
    backend: referenceBackend,
  });
  assert.deepEqual(z.shape, [1, 1, 2, 2]);
  const want = [0, 255, 51, 102].map((v) => (v / 255 - 0.2) / 0.5);
  z.toArray().forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-12, `${v} vs ${want[i]}`));
});

test('toImageTensor rejects too many images and a missing std', () => {
  assert.throws(() => toImageTensor(images, 3, { normalize: 'unit', rows: 2, cols: 2 }), /3 images of 2×2/);
  assert.throws(() => toImageTensor(images, 1, { normalize: 'standardize', mean: 0.1, rows: 2, cols: 2 }), /std > 0/);
});

test('oneHot puts a single 1 at each label', () => {
  const t = oneHot([2, 0, 1], 3);
  assert.deepEqual(t.shape, [3, 3]);
  assert.deepEqual(t.toArray(), [0, 0, 1, 1, 0, 0, 0, 1, 0]);
  assert.throws(() => oneHot([3], 3), /label 3 at index 0 is outside 0\.\.2/);
});
