import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceBackend, Rng } from 'nnlab';
import {
  Ex4Network,
  NET_ORIGINAL,
  NET_TWO_HIDDEN,
  backprop,
  cost,
  forwardPropagate,
  initParams,
  paramCount,
  sigmoid,
  sigmoidGradient,
  type NetSpec,
} from './network.js';

function randomData(rng: Rng, m: number, s0: number, K: number): { X: Float64Array; y: Int32Array } {
  const X = new Float64Array(m * s0);
  for (let i = 0; i < X.length; i++) X[i] = rng.uniformIn(-0.1, 1.1);
  const y = new Int32Array(m);
  for (let i = 0; i < m; i++) y[i] = 1 + rng.int(K);
  return { X, y };
}

/** Plain per-example reference of the cost: explicit loops, log(h) and log(1 − h) as the notebook writes them. */
function naiveCost(
  spec: NetSpec,
  params: Float64Array,
  X: Float64Array,
  y: ArrayLike<number>,
  lambda: number,
): number {
  const { sizes, hiddenScale } = spec;
  const m = y.length;
  const L = sizes.length - 1;
  let J = 0;
  for (let i = 0; i < m; i++) {
    let act = Array.from(X.subarray(i * sizes[0], (i + 1) * sizes[0]));
    let off = 0;
    for (let l = 0; l < L; l++) {
      const next: number[] = [];
      for (let r = 0; r < sizes[l + 1]; r++) {
        let z = params[off + r * (sizes[l] + 1)];
        for (let c = 0; c < sizes[l]; c++) z += params[off + r * (sizes[l] + 1) + 1 + c] * act[c];
        next.push(l + 1 < L ? sigmoid(z, hiddenScale) : sigmoid(z));
      }
      off += sizes[l + 1] * (sizes[l] + 1);
      act = next;
    }
    for (let k = 0; k < act.length; k++) {
      const t = y[i] === k + 1 ? 1 : 0;
      J += -t * Math.log(act[k]) - (1 - t) * Math.log(1 - act[k]);
    }
  }
  J /= m;
  let off = 0;
  let reg = 0;
  for (let l = 0; l < L; l++) {
    for (let r = 0; r < sizes[l + 1]; r++)
      for (let c = 1; c <= sizes[l]; c++) reg += params[off + r * (sizes[l] + 1) + c] ** 2;
    off += sizes[l + 1] * (sizes[l] + 1);
  }
  return J + (lambda / (2 * m)) * reg;
}

test('sigmoid and sigmoidGradient: known values, the scaled variant, and agreement with the backend kernel', () => {
  assert.equal(sigmoid(0), 0.5);
  assert.equal(sigmoid(0, 2), 0.5);
  assert.ok(Math.abs(sigmoid(1, 2) - 1 / (1 + Math.exp(-2))) < 1e-16);
  assert.equal(sigmoidGradient(0), 0.25);
  assert.equal(sigmoidGradient(0, 2), 0.5);
  const zs = Float64Array.from([-30, -3, -0.7, 0, 0.2, 1.5, 12]);
  const y1 = new Float64Array(zs.length);
  const y2 = new Float64Array(zs.length);
  referenceBackend.activation('sigmoid', 0, zs, y1);
  referenceBackend.activation('scaledSigmoid', 0, zs, y2);
  for (let i = 0; i < zs.length; i++) {
    assert.ok(Math.abs(sigmoid(zs[i]) - y1[i]) < 1e-15);
    assert.ok(Math.abs(sigmoid(zs[i], 2) - y2[i]) < 1e-15);
    for (const k of [1, 2]) {
      const h = 1e-5;
      const fd = (sigmoid(zs[i] + h, k) - sigmoid(zs[i] - h, k)) / (2 * h);
      assert.ok(Math.abs(fd - sigmoidGradient(zs[i], k)) < 1e-9, `k=${k} z=${zs[i]}`);
    }
  }
});

test('paramCount and cost at zero weights: K·log 2 for any data', () => {
  assert.equal(paramCount(NET_ORIGINAL), 25 * 401 + 10 * 26);
  assert.equal(paramCount(NET_TWO_HIDDEN), 20 * 401 + 20 * 21 + 10 * 21);
  const { X, y } = randomData(new Rng(1), 6, 400, 10);
  for (const spec of [NET_ORIGINAL, NET_TWO_HIDDEN]) {
    const p = new Float64Array(paramCount(spec));
    assert.ok(Math.abs(cost(spec, p, X, y, 0) - 10 * Math.LN2) < 1e-12);
    assert.ok(Math.abs(cost(spec, p, X, y, 1) - 10 * Math.LN2) < 1e-12);
  }
});

test('cost (with and without λ) equals the plain per-example reference, for both nets', () => {
  const rng = new Rng(2);
  const { X, y } = randomData(rng, 9, 400, 10);
  for (const spec of [NET_ORIGINAL, NET_TWO_HIDDEN]) {
    const p = initParams(spec, rng, 0.3);
    for (const lambda of [0, 1, 3.5]) {
      const got = cost(spec, p, X, y, lambda);
      const want = naiveCost(spec, p, X, y, lambda);
      assert.ok(
        Math.abs(got - want) <= 1e-12 * Math.abs(want),
        `${spec.sizes} λ=${lambda}: ${got} vs ${want}`,
      );
      assert.equal(backprop(spec, p, X, y, lambda).cost, got);
    }
    // forward_propagate's outputs are probabilities of the 10 classes per example.
    const h = forwardPropagate(spec, p, X);
    assert.equal(h.length, 9 * 10);
    assert.ok(h.every((v) => v > 0 && v < 1));
  }
});

test('backprop gradient matches central finite differences of the cost (both nets, λ = 0 and 1)', () => {
  const rng = new Rng(3);
  const small: NetSpec[] = [
    { sizes: [6, 5, 4], hiddenScale: 1 },
    { sizes: [6, 4, 3, 4], hiddenScale: 2 },
  ];
  const checks: [NetSpec, number][] = [
    [small[0], 12],
    [small[1], 12],
    [NET_ORIGINAL, 5],
    [NET_TWO_HIDDEN, 5],
  ];
  for (const [spec, m] of checks) {
    const K = spec.sizes[spec.sizes.length - 1];
    const { X, y } = randomData(rng, m, spec.sizes[0], K);
    const net = new Ex4Network(spec, X, y, referenceBackend);
    const p = initParams(spec, rng, 0.5);
    const n = p.length;
    // Every coordinate of the small nets; for the real ones all bias/output weights plus 200 random ones.
    const idx = new Set<number>();
    if (n < 200) for (let i = 0; i < n; i++) idx.add(i);
    else {
      for (let i = n - 10 * (spec.sizes[spec.sizes.length - 2] + 1); i < n; i++) idx.add(i);
      for (let r = 0; r < spec.sizes[1]; r++) idx.add(r * (spec.sizes[0] + 1));
      const target = idx.size + 200;
      while (idx.size < target) idx.add(rng.int(n));
    }
    for (const lambda of [0, 1]) {
      const { grad } = net.backprop(p, lambda);
      let maxErr = 0;
      for (const i of idx) {
        const h = 1e-5;
        const keep = p[i];
        p[i] = keep + h;
        const fp = net.cost(p, lambda);
        p[i] = keep - h;
        const fm = net.cost(p, lambda);
        p[i] = keep;
        maxErr = Math.max(maxErr, Math.abs((fp - fm) / (2 * h) - grad[i]));
      }
      assert.ok(maxErr < 1e-8, `${spec.sizes} λ=${lambda}: max |fd − grad| = ${maxErr}`);
    }
    net.dispose();
  }
});

test('Ex4Network rejects wrong shapes, labels and missing labels with the offending values', () => {
  const X = new Float64Array(2 * 400);
  assert.throws(() => new Ex4Network(NET_ORIGINAL, X, [1, 2, 3]), /X has 800 values, expected m·400/);
  assert.throws(() => new Ex4Network(NET_ORIGINAL, X, [1, 11]), /label y\[1\] = 11 is not in 1\.\.10/);
  const net = new Ex4Network(NET_ORIGINAL, X, null);
  assert.throws(() => net.cost(new Float64Array(paramCount(NET_ORIGINAL))), /built without labels/);
  assert.throws(() => net.forwardPropagate(new Float64Array(3)), /params has length 3, expected 10285/);
  net.dispose();
});

test('predict takes the first maximum and accuracy counts matches', () => {
  // No hidden layer: z_k = k·x, so x = 1 picks label 3 and x = −1 picks label 1.
  const spec: NetSpec = { sizes: [1, 3], hiddenScale: 1 };
  const params = Float64Array.from([0, 1, 0, 2, 0, 3]);
  const net = new Ex4Network(spec, Float64Array.from([1, -1]), [3, 3]);
  assert.deepEqual([...net.predict(params)], [3, 1]);
  assert.equal(net.accuracy(params, [3, 3]), 0.5);
  net.dispose();
});
