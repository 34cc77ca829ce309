import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlpEnsemble, defaultAdam, type AdamSettings } from './ensemble.js';
import { Rng } from '../util/rng.js';
import { HeNormal, RandomNormal } from './initializers.js';
import { Dense, Sequential } from './index.js';
import { Adam } from '../optim/index.js';
import { Tensor } from '../tensor/index.js';

/**
 * A deliberately plain per-net reference: one net as nested arrays, sample by sample, its own Adam. The
 * ensemble must reproduce it for every net up to float64 rounding.
 */
class ReferenceNet {
  W: number[][][];
  b: number[][];
  m: { W: number[][][]; b: number[][] };
  v: { W: number[][][]; b: number[][] };
  t = 0;
  constructor(
    W: number[][][],
    b: number[][],
    readonly slope: number,
  ) {
    this.W = W;
    this.b = b;
    const zerosLike = (): { W: number[][][]; b: number[][] } => ({
      W: W.map((M) => M.map((r) => r.map(() => 0))),
      b: b.map((r) => r.map(() => 0)),
    });
    this.m = zerosLike();
    this.v = zerosLike();
  }
  private phi(z: number): number {
    return z > 0 ? z : this.slope * z;
  }
  /** Returns the pre-activations and activations of every layer for one input. */
  run(x: number[]): { zs: number[][]; hs: number[][] } {
    const hs = [x];
    const zs: number[][] = [];
    for (let l = 0; l < this.W.length; l++) {
      const z = this.W[l].map((row, o) => row.reduce((s, w, i) => s + w * hs[l][i], this.b[l][o]));
      zs.push(z);
      hs.push(l < this.W.length - 1 ? z.map((v) => this.phi(v)) : z);
    }
    return { zs, hs };
  }
  lossAndGrad(xs: number[][], ys: number[][]): { loss: number; gW: number[][][]; gb: number[][] } {
    const gW = this.W.map((M) => M.map((r) => r.map(() => 0)));
    const gb = this.b.map((r) => r.map(() => 0));
    let loss = 0;
    const B = xs.length;
    const dOut = ys[0].length;
    for (let s = 0; s < B; s++) {
      const { zs, hs } = this.run(xs[s]);
      const out = hs[hs.length - 1];
      let delta = out.map((o, k) => (2 * (o - ys[s][k])) / (B * dOut));
      out.forEach((o, k) => (loss += (o - ys[s][k]) ** 2 / (B * dOut)));
      for (let l = this.W.length - 1; l >= 0; l--) {
        for (let o = 0; o < delta.length; o++) {
          gb[l][o] += delta[o];
          for (let i = 0; i < hs[l].length; i++) gW[l][o][i] += delta[o] * hs[l][i];
        }
        if (l > 0) {
          delta = hs[l].map((_, i) => {
            const back = delta.reduce((acc, d, o) => acc + d * this.W[l][o][i], 0);
            return zs[l - 1][i] > 0 ? back : this.slope * back;
          });
        }
      }
    }
    return { loss, gW, gb };
  }
  adam(gW: number[][][], gb: number[][], a: AdamSettings): void {
    this.t++;
    const upd = (p: number[], g: number[], m: number[], v: number[]): void => {
      for (let k = 0; k < p.length; k++) {
        m[k] = a.beta1 * m[k] + (1 - a.beta1) * g[k];
        v[k] = a.beta2 * v[k] + (1 - a.beta2) * g[k] * g[k];
        p[k] -=
          (a.learningRate * (m[k] / (1 - a.beta1 ** this.t))) /
          (Math.sqrt(v[k] / (1 - a.beta2 ** this.t)) + a.epsilon);
      }
    };
    this.W.forEach((M, l) => M.forEach((row, o) => upd(row, gW[l][o], this.m.W[l][o], this.v.W[l][o])));
    this.b.forEach((row, l) => upd(row, gb[l], this.m.b[l], this.v.b[l]));
  }
}

function netOf(e: MlpEnsemble, n: number): ReferenceNet {
  const W = e.weights.map((A, l) => {
    const fin = e.sizes[l];
    const fout = e.sizes[l + 1];
    return Array.from({ length: fout }, (_, o) =>
      Array.from({ length: fin }, (_, i) => A[n * fout * fin + o * fin + i]),
    );
  });
  const b = e.biases.map((A, l) =>
    Array.from({ length: e.sizes[l + 1] }, (_, o) => A[n * e.sizes[l + 1] + o]),
  );
  return new ReferenceNet(W, b, e.negativeSlope);
}

/** Random nets with random (non-zero) biases so that every code path, including the bias gradients, matters. */
function randomEnsemble(
  count: number,
  sizes: number[],
  activation: 'relu' | 'leakyRelu',
  seed: number,
): MlpEnsemble {
  const e = new MlpEnsemble({ count, sizes, activation, slope: 0.1, maxBatch: 16 });
  const rng = new Rng(seed);
  e.initialize(
    new HeNormal(),
    Array.from({ length: count }, (_, n) => rng.derive(n)),
  );
  for (const b of e.biases) for (let k = 0; k < b.length; k++) b[k] = rng.normal(0, 0.3);
  return e;
}

function randomData(
  count: number,
  points: number,
  dIn: number,
  dOut: number,
  seed: number,
): { x: Float64Array; y: Float64Array } {
  const rng = new Rng(seed);
  const x = Float64Array.from({ length: count * points * dIn }, () => rng.uniformIn(-2, 2));
  const y = Float64Array.from({ length: count * points * dOut }, () => rng.normal());
  return { x, y };
}

const close = (a: number, b: number, tol: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);

test('MlpEnsemble: training with minibatches and Adam matches a per-net reference for every net', () => {
  // [3, 4, 2, 2] runs the general loops; [3, 2, 2, 2, 2] also the unrolled 2→2 hidden layers.
  for (const [activation, sizes] of [
    ['relu', [3, 4, 2, 2]],
    ['leakyRelu', [3, 4, 2, 2]],
    ['relu', [3, 2, 2, 2, 2]],
    ['leakyRelu', [3, 2, 2, 2, 2]],
  ] as const) {
    const count = 5;
    const points = 37;
    const e = randomEnsemble(count, [...sizes], activation, 7);
    const refs = Array.from({ length: count }, (_, n) => netOf(e, n));
    const { x, y } = randomData(count, points, 3, 2, 8);
    const rng = new Rng(9);
    const index = new Int32Array(count * points);
    for (let n = 0; n < count; n++) index.set(rng.permutation(points), n * points);
    const adam: AdamSettings = { ...defaultAdam, learningRate: 0.05 };
    for (let epoch = 0; epoch < 3; epoch++) {
      const mean = e.trainEpoch(x, y, points, index, 16, adam);
      for (let n = 0; n < count; n++) {
        let sum = 0;
        let batches = 0;
        for (let start = 0; start < points; start += 16) {
          const ids = Array.from(
            index.subarray(n * points + start, n * points + Math.min(points, start + 16)),
          );
          const xs = ids.map((s) => Array.from(x.subarray((n * points + s) * 3, (n * points + s + 1) * 3)));
          const ys = ids.map((s) => Array.from(y.subarray((n * points + s) * 2, (n * points + s + 1) * 2)));
          const { loss, gW, gb } = refs[n].lossAndGrad(xs, ys);
          refs[n].adam(gW, gb, adam);
          sum += loss;
          batches++;
        }
        close(mean[n], sum / batches, 1e-12, `${activation} net ${n} epoch ${epoch} loss`);
      }
    }
    for (let n = 0; n < count; n++) {
      const r = netOf(e, n);
      r.W.forEach((M, l) =>
        M.forEach((row, o) =>
          row.forEach((w, i) => close(w, refs[n].W[l][o][i], 1e-11, `${activation} W${l}[${o}][${i}]`)),
        ),
      );
      r.b.forEach((row, l) =>
        row.forEach((v, o) => close(v, refs[n].b[l][o], 1e-11, `${activation} b${l}[${o}]`)),
      );
    }
    // Predictions on a shared grid and the full-data loss agree with the reference too.
    const grid = [-1.5, 0, 0.25, 1, 1.5, 2].flatMap((v) => [v, -v, 0.5 * v]);
    const out = new Float64Array(count * 6 * 2);
    e.predictShared(grid, 6, out);
    const full = e.evaluate(x, y, points);
    for (let n = 0; n < count; n++) {
      for (let p = 0; p < 6; p++) {
        const { hs } = refs[n].run(grid.slice(p * 3, p * 3 + 3));
        hs[hs.length - 1].forEach((v, k) =>
          close(out[(n * 6 + p) * 2 + k], v, 1e-12, `predict net ${n} point ${p}`),
        );
      }
      const xs = Array.from({ length: points }, (_, s) =>
        Array.from(x.subarray((n * points + s) * 3, (n * points + s + 1) * 3)),
      );
      const ys = Array.from({ length: points }, (_, s) =>
        Array.from(y.subarray((n * points + s) * 2, (n * points + s + 1) * 2)),
      );
      close(full[n], refs[n].lossAndGrad(xs, ys).loss, 1e-12, `evaluate net ${n}`);
    }
  }
});

test('MlpEnsemble: gradients agree with central finite differences of the loss', () => {
  for (const [activation, sizes] of [
    ['relu', [1, 3, 2, 1]],
    ['leakyRelu', [1, 3, 2, 1]],
    ['relu', [1, 2, 2, 2, 1]],
    ['leakyRelu', [1, 2, 2, 2, 1]],
  ] as const) {
    const count = 3;
    const points = 12;
    const e = randomEnsemble(count, [...sizes], activation, 21);
    const { x, y } = randomData(count, points, 1, 1, 22);
    const loss0 = e.computeGradients(x, y, points, null, 0, points);
    const gW = e.gradW.map((a) => a.slice());
    const gB = e.gradB.map((a) => a.slice());
    const h = 1e-6;
    const check = (
      arrays: Float64Array[] | (Float32Array | Float64Array)[],
      grads: (Float32Array | Float64Array)[],
      name: string,
    ): void => {
      arrays.forEach((A, l) => {
        const per = A.length / count;
        for (let k = 0; k < A.length; k++) {
          const n = Math.floor(k / per);
          const keep = A[k];
          A[k] = keep + h;
          const up = e.evaluate(x, y, points)[n];
          A[k] = keep - h;
          const down = e.evaluate(x, y, points)[n];
          A[k] = keep;
          close(grads[l][k], (up - down) / (2 * h), 1e-6, `${activation} d${name}${l}[${k}]`);
        }
      });
    };
    check(e.weights, gW, 'W');
    check(e.biases, gB, 'b');
    assert.ok(loss0.every((v) => v > 0));
  }
});

test('MlpEnsemble: getState/setState resumes training exactly', () => {
  const points = 20;
  const a = randomEnsemble(4, [1, 2, 2, 1], 'relu', 3);
  const b = randomEnsemble(4, [1, 2, 2, 1], 'relu', 99);
  const { x, y } = randomData(4, points, 1, 1, 4);
  a.trainEpoch(
    x,
    y,
    points,
    new Int32Array(4 * points).map((_, k) => k % points),
    8,
    defaultAdam,
  );
  b.setState(a.getState());
  for (const e of [a, b])
    e.trainEpoch(
      x,
      y,
      points,
      new Int32Array(4 * points).map((_, k) => points - 1 - (k % points)),
      8,
      defaultAdam,
    );
  assert.deepEqual(Array.from(b.weights[1]), Array.from(a.weights[1]));
  assert.equal(b.step, a.step);
});

test('MlpEnsemble: initialize draws each net like Dense kernels [in, out] from its own generator, biases 0', () => {
  const e = new MlpEnsemble({ count: 2000, sizes: [1, 2, 2], activation: 'relu' });
  const rng = new Rng(5);
  e.initialize(
    new HeNormal(),
    Array.from({ length: 2000 }, (_, n) => rng.derive(n)),
  );
  const std = (a: ArrayLike<number>): number =>
    Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0) / a.length);
  close(std(e.weights[0]), Math.SQRT2, 0.05, 'layer 0 std √(2/1)');
  close(std(e.weights[1]), 1, 0.05, 'layer 1 std √(2/2)');
  assert.ok(e.biases.every((b) => b.every((v) => v === 0)));
  // Net 7 replayed by hand: kernels [1, 2] then [2, 2] in row-major [in, out] order, stored as [out, in].
  const r = rng.derive(7);
  const k0 = new Float64Array(2);
  const k1 = new Float64Array(4);
  new HeNormal().fill(k0, { fanIn: 1, fanOut: 2 }, r);
  new HeNormal().fill(k1, { fanIn: 2, fanOut: 2 }, r);
  assert.deepEqual(Array.from(e.weights[0].subarray(14, 16)), Array.from(k0));
  assert.deepEqual(Array.from(e.weights[1].subarray(28, 32)), [k1[0], k1[2], k1[1], k1[3]]);
  assert.throws(
    () => e.predictShared([0, 1], 3, new Float64Array(2000 * 3 * 2)),
    /predictShared: grid has 2 values, expected 3/,
  );
});

test('MlpEnsemble: one net trains exactly like the nn engine (Sequential of Dense + Adam + MSE) on the same batches', () => {
  const sizes = [1, 2, 2, 2, 1];
  const model = new Sequential(
    [
      ...sizes.slice(1, -1).map(
        (units) =>
          new Dense({
            units,
            activation: { kind: 'leakyRelu', slope: 0.01 },
            kernelInitializer: 'heNormal',
            biasInitializer: new RandomNormal({ stddev: 0.2 }),
          }),
      ),
      new Dense({ units: 1, kernelInitializer: 'heNormal' }),
    ],
    { inputShape: [1], dtype: 'float64', seed: 17 },
  );
  model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
  const e = new MlpEnsemble({ count: 1, sizes, activation: 'leakyRelu', slope: 0.01 });
  // Copy the model's initial weights: Keras kernels are [in, out], the ensemble stores [out, in].
  const w = model.getWeights();
  for (let l = 0; l < sizes.length - 1; l++) {
    const [fin, fout] = [sizes[l], sizes[l + 1]];
    for (let o = 0; o < fout; o++)
      for (let i = 0; i < fin; i++) e.weights[l][o * fin + i] = w[2 * l][i * fout + o];
    e.biases[l].set(w[2 * l + 1]);
  }
  const rng = new Rng(4);
  const points = 48;
  const x = Float64Array.from({ length: points }, () => rng.uniformIn(-2, 2));
  const y = x.map((v) => Math.abs(v));
  for (let step = 0; step < 6; step++) {
    const start = (step % 3) * 16;
    const xt = Tensor.fromArray(x.subarray(start, start + 16), [16, 1], { dtype: 'float64' });
    const yt = Tensor.fromArray(y.subarray(start, start + 16), [16, 1], { dtype: 'float64' });
    const ref = model.trainOnBatch(xt, yt).loss;
    const got = e.trainStep(x, y, points, null, start, 16, {
      learningRate: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
    })[0];
    close(got, ref, 1e-12, `step ${step} loss`);
  }
  const after = model.getWeights();
  for (let l = 0; l < sizes.length - 1; l++) {
    const [fin, fout] = [sizes[l], sizes[l + 1]];
    for (let o = 0; o < fout; o++)
      for (let i = 0; i < fin; i++)
        close(e.weights[l][o * fin + i], after[2 * l][i * fout + o], 1e-12, `W${l}[${o}][${i}]`);
  }
});
