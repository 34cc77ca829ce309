import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJson, encodeJson } from 'nnlab';
import {
  checkVector,
  crossEntropy,
  crossEntropyGrad,
  p1,
  softmax,
  softmaxJacobian,
  softmaxNaive,
  type P1Config,
} from './p1.js';

test('softmax, Jacobian and cross-entropy: known values', () => {
  const o = softmax([0, Math.log(2)]);
  assert.ok(Math.abs(o[0] - 1 / 3) < 1e-15 && Math.abs(o[1] - 2 / 3) < 1e-15);
  const J = softmaxJacobian(o);
  // Diagonal o(1 − o) = 2/9, off-diagonal −o_1·o_2 = −2/9.
  assert.ok(
    Math.abs(J[0] - 2 / 9) < 1e-15 && Math.abs(J[1] + 2 / 9) < 1e-15 && Math.abs(J[3] - 2 / 9) < 1e-15,
  );
  assert.ok(Math.abs(crossEntropy([0, Math.log(2)], [1, 0]) - Math.log(3)) < 1e-15);
  const g = crossEntropyGrad([0, Math.log(2)], [1, 0]);
  assert.ok(Math.abs(g[0] + 2 / 3) < 1e-15 && Math.abs(g[1] - 2 / 3) < 1e-15);
  // Max subtraction: the naive softmax overflows to NaN, the stable one does not.
  assert.ok(softmaxNaive([1000, 999]).some(Number.isNaN));
  const s = softmax([1000, 999]);
  assert.ok(Math.abs(s[0] - 1 / (1 + Math.exp(-1))) < 1e-15);
  assert.ok(Math.abs(crossEntropy([1e5, 0], [0, 1]) - 1e5) < 1e-10);
});

test('checkVector: tiny errors for the right formulas, while a wrong form (o instead of o − y) is off by > 0.5', () => {
  // A softmax Jacobian is symmetric with rows summing to zero; a perturbed vector's errors stay tiny,
  // while comparing against a wrong analytic form (o instead of o − y) would give errors of order 1.
  const v = Float64Array.from([0.3, -1.2, 2.0, 0.1]);
  const r = checkVector(v, 2, Math.cbrt(Number.EPSILON));
  assert.ok(r.jacAbs < 1e-9 && r.gradAbs < 1e-9, JSON.stringify(r));
  const o = softmax(v);
  const wrongErr = Math.abs(o[2] - crossEntropyGrad(v, [0, 0, 1, 0])[2]);
  assert.ok(wrongErr > 0.5);
});

test('p1 quick run: analytic forms match finite differences, extreme logits stay finite', async () => {
  const config = { ...p1.defaults, ...p1.quick } as P1Config;
  assert.deepEqual(p1.validate(config), []);
  const noop = {
    workers: 1,
    runJobs: async () => [],
    progress: () => {},
    checkpoints: { load: () => undefined, save: () => {} },
  };
  const r = await p1.run(config, 7, noop);
  assert.equal(
    r.cases.length,
    config.dims.length * (config.scales.length + 5 * config.extremeMagnitudes.length),
  );
  for (const c of r.cases) {
    assert.ok(c.jacobianAbsErr < 1e-9, `${c.name} k=${c.k}: Jacobian error ${c.jacobianAbsErr}`);
    if (c.kind === 'random')
      assert.ok(c.gradAbsErr < 1e-9, `${c.name} k=${c.k}: gradient error ${c.gradAbsErr}`);
    // Finite differences of a loss of size |L| cannot resolve better than ε|L|/h: compare with that floor.
    assert.ok(
      c.gradAbsErr <= 4 * c.gradNoiseFloor + 1e-10,
      `${c.name} k=${c.k}: ${c.gradAbsErr} vs floor ${c.gradNoiseFloor}`,
    );
    assert.ok(c.kernelAbsErr < 1e-12, `${c.name}: kernel ${c.kernelAbsErr}`);
  }
  assert.ok(
    r.cases.some((c) => c.kind === 'extreme' && !c.naiveFinite),
    'the naive softmax overflows somewhere',
  );
  assert.ok(r.cases.every((c) => c.kind !== 'random' || c.naiveFinite));
  // The worked example: rows of the Jacobian sum to 0 and o − y sums to 0.
  for (const row of r.example.jacobian) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0)) < 1e-15);
  assert.ok(Math.abs(r.example.grad.reduce((a, b) => a + b, 0)) < 1e-15);
  // The result survives the store's codec bit for bit (typed arrays, NaN, -0 included).
  assert.deepStrictEqual(decodeJson(encodeJson(r)), r);
});

test('p1.validate names bad settings', () => {
  const bad = { ...p1.defaults, dims: [1], trials: 0, relStep: 1 } as P1Config;
  const errs = p1.validate(bad);
  assert.equal(errs.length, 3);
  assert.match(errs[0], /dims must be integers in 2\.\.1000, got \[1\]/);
});
