// Hand-computed known values for the reference backend (the ground truth of every other kernel test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceBackend as R } from './reference.js';
import type { ConvGeometry, PoolGeometry } from './backend.js';

const f64 = (v: number[]): Float64Array => Float64Array.from(v);
function close(actual: ArrayLike<number>, expected: number[], tol = 1e-12): void {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

test('gemm: 2×3 · 3×2 in all four transpose layouts, alpha and beta', () => {
  // A = [[1,2,3],[4,5,6]], B = [[7,8],[9,10],[11,12]] → AB = [[58,64],[139,154]].
  const A = [1, 2, 3, 4, 5, 6];
  const At = [1, 4, 2, 5, 3, 6];
  const B = [7, 8, 9, 10, 11, 12];
  const Bt = [7, 9, 11, 8, 10, 12];
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    const c = f64([1, 1, 1, 1]);
    R.gemm(ta, tb, 2, 2, 3, 2, f64(ta ? At : A), f64(tb ? Bt : B), 0.5, c);
    close(c, [116.5, 128.5, 278.5, 308.5]);
  }
  // beta = 0 must not read C (NaN there stays out of the result).
  const c = f64([NaN, NaN, NaN, NaN]);
  R.gemm(false, false, 2, 2, 3, 1, f64(A), f64(B), 0, c);
  close(c, [58, 64, 139, 154]);
  assert.throws(
    () => R.gemm(false, false, 2, 2, 4, 1, f64(A), f64(B), 0, c),
    /gemm: A has length 6, needs at least 8/,
  );
});

test('conv2d: 3×3 input, 2×2 kernel, valid and padded, with bias; both backward passes', () => {
  const x = f64([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const w = f64([1, 0, 0, -1]); // y = x[i,j] − x[i+1,j+1]
  const g: ConvGeometry = {
    n: 1,
    cIn: 1,
    h: 3,
    w: 3,
    cOut: 1,
    kh: 2,
    kw: 2,
    strideH: 1,
    strideW: 1,
    padTop: 0,
    padLeft: 0,
    outH: 2,
    outW: 2,
  };
  const y = new Float64Array(4);
  R.conv2dForward(g, x, w, f64([10]), y);
  close(y, [6, 6, 6, 6]);
  // Padding 1 on top/left, stride 2: windows start at (−1,−1), (−1,1), (1,−1), (1,1).
  const gp: ConvGeometry = { ...g, padTop: 1, padLeft: 1, strideH: 2, strideW: 2, outH: 2, outW: 2 };
  R.conv2dForward(gp, x, w, null, y);
  close(y, [-1, -3, -7, 5 - 9]);
  // dx for dy = 1 everywhere on the valid geometry: each w tap scatters over a 2×2 block.
  const dx = new Float64Array(9).fill(99);
  R.conv2dBackwardInput(g, f64([1, 1, 1, 1]), w, dx);
  close(dx, [1, 1, 0, 1, 0, -1, 0, -1, -1]);
  // dw[i,j] = Σ dy·x[oh+i, ow+j] with dy = [1,2,3,4]; db = 10.
  const dw = new Float64Array(4);
  const db = new Float64Array(1);
  R.conv2dBackwardFilter(g, x, f64([1, 2, 3, 4]), dw, db);
  close(dw, [1 + 4 + 12 + 20, 2 + 6 + 15 + 24, 4 + 10 + 21 + 32, 5 + 12 + 24 + 36]);
  close(db, [10]);
});

test('pooling: max with argmax (first on ties) and average, forward and backward', () => {
  const g: PoolGeometry = { n: 1, c: 1, h: 2, w: 4, kh: 2, kw: 2, strideH: 2, strideW: 2, outH: 1, outW: 2 };
  const x = f64([1, 5, 7, 7, 3, 2, 7, 0]);
  const y = new Float64Array(2);
  const am = new Int32Array(2);
  R.maxPool2dForward(g, x, y, am);
  close(y, [5, 7]);
  assert.deepEqual([...am], [1, 2]);
  const dx = new Float64Array(8).fill(3);
  R.maxPool2dBackward(g, f64([10, 20]), am, dx);
  close(dx, [0, 10, 20, 0, 0, 0, 0, 0]);
  R.avgPool2dForward(g, x, y);
  close(y, [11 / 4, 21 / 4]);
  R.avgPool2dBackward(g, f64([4, 8]), dx);
  close(dx, [1, 1, 2, 2, 1, 1, 2, 2]);
});

test('activations and their derivatives at known points', () => {
  const x = f64([-2, 0, 3]);
  const y = new Float64Array(3);
  const dx = new Float64Array(3);
  const dy = f64([1, 1, 2]);
  R.activation('sigmoid', 0, x, y);
  close(y, [1 / (1 + Math.E ** 2), 0.5, 1 / (1 + Math.E ** -3)]);
  R.activationGrad('sigmoid', 0, x, y, dy, dx);
  close(dx, [y[0] * (1 - y[0]), 0.25, 2 * y[2] * (1 - y[2])]);
  R.activation('scaledSigmoid', 0, x, y);
  close(y, [1 / (1 + Math.E ** 4), 0.5, 1 / (1 + Math.E ** -6)]);
  R.activationGrad('scaledSigmoid', 0, x, y, dy, dx);
  close(dx, [2 * y[0] * (1 - y[0]), 0.5, 4 * y[2] * (1 - y[2])]);
  R.activation('tanh', 0, x, y);
  close(y, [Math.tanh(-2), 0, Math.tanh(3)]);
  R.activationGrad('tanh', 0, x, y, dy, dx);
  close(dx, [1 - Math.tanh(-2) ** 2, 1, 2 * (1 - Math.tanh(3) ** 2)]);
  R.activation('relu', 0, x, y);
  close(y, [0, 0, 3]);
  R.activationGrad('relu', 0, x, y, dy, dx);
  close(dx, [0, 0, 2]);
  R.activation('leakyRelu', 0.1, x, y);
  close(y, [-0.2, 0, 3]);
  R.activationGrad('leakyRelu', 0.1, x, y, dy, dx);
  close(dx, [0.1, 0.1, 2]);
  R.activation('linear', 0, x, y);
  close(y, [-2, 0, 3]);
});

test('softmaxCrossEntropy: uniform logits give log(cols); huge logits stay finite', () => {
  const p = new Float64Array(6);
  const dz = new Float64Array(6);
  const loss = R.softmaxCrossEntropy(
    2,
    3,
    f64([0, 0, 0, 1000, 1000, 1000]),
    f64([1, 0, 0, 0, 0.5, 0.5]),
    p,
    dz,
  );
  close([loss], [2 * Math.log(3)]);
  close(p, [1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3]);
  close(dz, [-2 / 3, 1 / 3, 1 / 3, 1 / 3, -1 / 6, -1 / 6]);
  // z = [0, ln 3]: p = [1/4, 3/4]; target on class 0 → loss ln 4.
  const l2 = R.softmaxCrossEntropy(1, 2, f64([0, Math.log(3)]), f64([1, 0]), p, dz);
  close([l2], [Math.log(4)]);
});

test('batch norm: statistics, moving averages, inference and backward on a tiny batch', () => {
  // n = 2, c = 1, s = 2 → x = [1,3 | 5,7]: μ = 4, σ² = 5, m = 4.
  const g = { n: 2, c: 1, s: 2 };
  const x = f64([1, 3, 5, 7]);
  const y = new Float64Array(4);
  const mm = f64([0]);
  const mv = f64([1]);
  const sm = new Float64Array(1);
  const si = new Float64Array(1);
  R.batchNormTrainForward(g, x, f64([2]), f64([1]), mm, mv, 0.9, 0, y, sm, si);
  const inv = 1 / Math.sqrt(5);
  close(y, [1 - 6 * inv, 1 - 2 * inv, 1 + 2 * inv, 1 + 6 * inv]);
  close(sm, [4]);
  close(si, [inv]);
  close(mm, [0.4]);
  close(mv, [0.9 + 0.1 * (20 / 3)]);
  R.batchNormInferForward(g, x, f64([2]), f64([1]), f64([4]), f64([5]), 0, y);
  close(y, [1 - 6 * inv, 1 - 2 * inv, 1 + 2 * inv, 1 + 6 * inv]);
  // dy = 1 everywhere: dβ = 4, dγ = Σ x̂ = 0, dx = 0 (a constant shift is absorbed by the mean).
  const dx = new Float64Array(4).fill(5);
  const dg = new Float64Array(1);
  const dbt = new Float64Array(1);
  R.batchNormBackward(g, x, f64([2]), sm, si, f64([1, 1, 1, 1]), dx, dg, dbt);
  close(dx, [0, 0, 0, 0]);
  close(dbt, [4]);
  close(dg, [0]);
  // dy = x̂: dγ = Σ x̂² = m, and dx = γ·inv/m·(m·x̂ − 0 − x̂·m) = 0.
  const xh = [-3 * inv, -inv, inv, 3 * inv];
  R.batchNormBackward(g, x, f64([2]), sm, si, f64(xh), dx, dg, dbt);
  close(dg, [4]);
  close(dx, [0, 0, 0, 0], 1e-12);
});

test('vector helpers: addRowVector, sumRows, mul, axpy, sum, sumSquares, allFinite', () => {
  const x = f64([1, 2, 3, 4, 5, 6]);
  R.addRowVector(2, 3, x, f64([10, 20, 30]));
  close(x, [11, 22, 33, 14, 25, 36]);
  const out = new Float64Array(3);
  R.sumRows(2, 3, x, out);
  close(out, [25, 47, 69]);
  const a = f64([1, 2, 3]);
  R.mul(a, f64([4, 5, 6]), a);
  close(a, [4, 10, 18]);
  R.axpy(-2, f64([1, 1, 1]), a);
  close(a, [2, 8, 16]);
  close([R.sum(a), R.sumSquares(a)], [26, 4 + 64 + 256]);
  assert.equal(R.allFinite(a), true);
  assert.equal(R.allFinite(f64([1, NaN])), false);
  assert.equal(R.allFinite(Float32Array.from([1, -Infinity])), false);
});

test('sgdStep: plain, momentum, Nesterov and weight decay', () => {
  const w = f64([1]);
  R.sgdStep(w, f64([2]), f64([0]), 0.1, 0, false, 0);
  close(w, [0.8]);
  // Momentum 0.9, two steps with g = 1: v1 = −0.1, w = 0.9; v2 = −0.19, w = 0.71.
  const wm = f64([1]);
  const v = f64([0]);
  R.sgdStep(wm, f64([1]), v, 0.1, 0.9, false, 0);
  R.sgdStep(wm, f64([1]), v, 0.1, 0.9, false, 0);
  close(wm, [0.71]);
  close(v, [-0.19]);
  // Nesterov: v1 = −0.1, w += 0.9·(−0.1) − 0.1 = −0.19 → 0.81.
  const wn = f64([1]);
  R.sgdStep(wn, f64([1]), f64([0]), 0.1, 0.9, true, 0);
  close(wn, [0.81]);
  // Weight decay 0.5 with g = 0 and w = 2: g′ = 1, w = 2 − 0.1.
  const wd = f64([2]);
  R.sgdStep(wd, f64([0]), f64([0]), 0.1, 0, false, 0.5);
  close(wd, [1.9]);
});

test('adamStep: the first step moves every weight by lr·sign(g) (bias correction)', () => {
  const w = f64([1, 1]);
  const m = new Float64Array(2);
  const v = new Float64Array(2);
  R.adamStep(w, f64([3, -0.5]), m, v, 0.01, 0.9, 0.999, 0, 1);
  close(w, [0.99, 1.01]);
  close(m, [0.3, -0.05]);
  close(v, [0.009, 0.00025]);
  assert.throws(() => R.adamStep(w, f64([0, 0]), m, v, 0.01, 0.9, 0.999, 0, 0), /adamStep: step t/);
});

test('alloc gives zeroed arrays of the dtype', () => {
  const a = R.alloc('float32', 3);
  assert.ok(a instanceof Float32Array && a.length === 3 && a.every((v) => v === 0));
  assert.ok(R.alloc('float64', 2) instanceof Float64Array);
});
