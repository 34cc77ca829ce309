/**
 * Gradient checks in float64 on the reference backend: every layer's backward (∂L/∂x and ∂L/∂w) and every
 * loss against central finite differences, (f(θ+h) − f(θ−h))/2h with h = 1e-5, relative error < 1e-6.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceBackend } from '../kernels/index.js';
import type { FloatArray } from '../kernels/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/rng.js';
import { SGD } from '../optim/sgd.js';
import type { ActivationSpec } from './activations.js';
import type { Layer, RandomSource } from './layer.js';
import { Activation } from './layers/activation.js';
import { BatchNormalization } from './layers/batchnorm.js';
import { Conv2D } from './layers/conv2d.js';
import { Dense } from './layers/dense.js';
import { Dropout } from './layers/dropout.js';
import { Flatten } from './layers/flatten.js';
import { AveragePooling2D, MaxPooling2D } from './layers/pooling.js';
import type { LossSpec } from './losses.js';
import { Sequential } from './sequential.js';

const H = 1e-5;
const TOL = 1e-6;

function randn(rng: Rng, n: number, scale = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal(0, scale);
  return a;
}

/** ‖a − b‖ / max(‖a‖, ‖b‖): the relative error of a whole gradient. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  return Math.sqrt(d) / Math.max(Math.sqrt(na), Math.sqrt(nb), 1e-300);
}

/** Indices to probe: all of them for small arrays, an even spread of 80 otherwise. */
function probes(n: number): number[] {
  if (n <= 80) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: 80 }, (_, i) => Math.floor((i * n) / 80));
}

/** Central differences of f with respect to the probed entries of `theta` (restored afterwards). */
function numericGrad(theta: FloatArray, idx: number[], f: () => number): number[] {
  return idx.map((i) => {
    const v = theta[i];
    theta[i] = v + H;
    const up = f();
    theta[i] = v - H;
    const down = f();
    theta[i] = v;
    return (up - down) / (2 * H);
  });
}

interface LayerCheck {
  n: number;
  x?: Float64Array;
  training?: boolean;
  /** Runs before every forward (e.g. to replay the same dropout mask). */
  beforeForward?: () => void;
  noise?: RandomSource;
}

/** L = Σ r ⊙ layer(x) with fixed random r, so ∂L/∂y = r; checks ∂L/∂x and every ∂L/∂w. */
function checkLayer(layer: Layer, inputShape: number[], o: LayerCheck): void {
  const rng = new Rng(42);
  const noise = o.noise ?? { rng: new Rng(7) };
  const out = layer.build(inputShape, {
    backend: referenceBackend,
    dtype: 'float64',
    initRng: new Rng(5),
    noise,
  });
  const inSize = o.n * inputShape.reduce((a, b) => a * b, 1);
  const outSize = o.n * out.reduce((a, b) => a * b, 1);
  // Non-zero biases/weights everywhere so no gradient term is trivially zero.
  for (const w of layer.weights) for (let i = 0; i < w.value.size; i++) w.value.data[i] += rng.normal(0, 0.3);
  const x = o.x ?? randn(rng, inSize);
  assert.equal(x.length, inSize);
  const r = randn(rng, outSize);
  const training = o.training ?? true;
  const f = (): number => {
    o.beforeForward?.();
    const y = layer.forward(x, o.n, training);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * r[i];
    return s;
  };
  f();
  const dx = layer.backward(r, o.n, true);
  assert.ok(dx !== null, `${layer.kind}: backward returned no input gradient`);
  const dxCopy = Float64Array.from(dx);
  const grads = layer.gradients.map((g) => Float64Array.from(g.value.data));
  const ix = probes(inSize);
  const e = relErr(
    ix.map((i) => dxCopy[i]),
    numericGrad(x, ix, f),
  );
  assert.ok(e < TOL, `${layer.kind} ∂L/∂x relative error ${e}`);
  layer.params.forEach((p, k) => {
    const iw = probes(p.value.size);
    const ew = relErr(
      iw.map((i) => grads[k][i]),
      numericGrad(p.value.data, iw, f),
    );
    assert.ok(ew < TOL, `${layer.gradients[k].name} relative error ${ew}`);
  });
}

/** Inputs kept away from 0 so finite differences never straddle a ReLU kink. */
function awayFromZero(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.uniform() < 0.5 ? -1 : 1) * (0.1 + rng.uniform());
  return a;
}

/** Distinct values spaced ≥ 0.01 apart (shuffled), so max-pool windows never tie or switch under ±h. */
function distinct(n: number, seed: number): Float64Array {
  const p = new Rng(seed).permutation(n);
  return Float64Array.from(p, (v) => (v - n / 2) * 0.01);
}

test('Dense: ∂L/∂x, ∂L/∂kernel, ∂L/∂bias (linear and fused tanh)', () => {
  checkLayer(new Dense({ units: 4 }), [5], { n: 3 });
  checkLayer(new Dense({ units: 3, activation: 'tanh', useBias: false }), [6], { n: 2 });
});

test('Conv2D: same (stride 1 and 2, asymmetric pad), valid with a 2×3 kernel and stride 2×1', () => {
  checkLayer(new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' }), [2, 5, 5], {
    n: 2,
  });
  checkLayer(new Conv2D({ filters: 2, kernelSize: 4, strides: 2, padding: 'same' }), [2, 7, 6], { n: 2 });
  checkLayer(new Conv2D({ filters: 2, kernelSize: [2, 3], strides: [2, 1], padding: 'valid' }), [3, 6, 5], {
    n: 2,
  });
});

test('Conv2D output geometry follows TensorFlow: same → ⌈in/s⌉, valid → ⌊(in−k)/s⌋+1', () => {
  const shapes: [Conv2D, number[], number[]][] = [
    [new Conv2D({ filters: 4, kernelSize: 5, padding: 'same' }), [1, 28, 28], [4, 28, 28]],
    [new Conv2D({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }), [1, 7, 8], [2, 4, 4]],
    [new Conv2D({ filters: 16, kernelSize: 5 }), [6, 14, 14], [16, 10, 10]],
  ];
  for (const [layer, input, expected] of shapes) {
    const out = layer.build(input, {
      backend: referenceBackend,
      dtype: 'float64',
      initRng: new Rng(1),
      noise: { rng: new Rng(2) },
    });
    assert.deepEqual([...out], expected);
  }
});

test('MaxPooling2D and AveragePooling2D: ∂L/∂x (2×2 and overlapping 3×3 stride 2)', () => {
  checkLayer(new MaxPooling2D(), [2, 4, 6], { n: 2, x: distinct(2 * 2 * 4 * 6, 3) });
  checkLayer(new MaxPooling2D({ poolSize: 3, strides: 2 }), [1, 7, 7], { n: 2, x: distinct(2 * 49, 4) });
  checkLayer(new AveragePooling2D(), [2, 4, 4], { n: 2 });
  checkLayer(new AveragePooling2D({ poolSize: [3, 2], strides: [2, 1] }), [1, 7, 5], { n: 2 });
});

test('BatchNormalization in training mode: dense input and NCHW (per-channel) input', () => {
  checkLayer(new BatchNormalization(), [5], { n: 6 });
  checkLayer(new BatchNormalization({ epsilon: 1e-2 }), [3, 4, 4], { n: 3 });
});

test('Dropout with a fixed mask: ∂L/∂x = dy ⊙ m, and m takes the values 0 and 1/(1−rate)', () => {
  const noise: RandomSource = { rng: new Rng(11) };
  const saved = noise.rng.state();
  const layer = new Dropout({ rate: 0.4 });
  checkLayer(layer, [50], { n: 4, noise, beforeForward: () => (noise.rng = Rng.fromState(saved)) });
  const x = new Float64Array(200).fill(1);
  const y = layer.forward(x, 4, true);
  const values = new Set(y);
  assert.deepEqual([...values].sort(), [0, 1 / 0.6].sort());
  const dropped = y.filter((v) => v === 0).length / y.length;
  assert.ok(Math.abs(dropped - 0.4) < 0.1, `dropped fraction ${dropped}`);
  assert.equal(layer.forward(x, 4, false), x, 'inference is the identity');
});

test('every activation: ∂L/∂x of Activation(f)', () => {
  const specs: ActivationSpec[] = [
    'linear',
    'sigmoid',
    'scaledSigmoid',
    'tanh',
    'relu',
    'leakyRelu',
    { kind: 'leakyRelu', slope: 0.2 },
  ];
  for (const spec of specs) {
    checkLayer(new Activation(spec), [3, 2, 2], { n: 2, x: awayFromZero(24, 9) });
  }
});

test('Flatten passes gradients through unchanged', () => {
  checkLayer(new Flatten(), [2, 3, 2], { n: 2 });
});

/** A float64 model whose loss gradient (from computeGradients) is checked on every weight. */
function checkModel(model: Sequential, loss: LossSpec, x: Tensor, y: Tensor): void {
  model.compile({ optimizer: new SGD(), loss });
  model.computeGradients(x, y);
  const analytic = model.layers.flatMap((l) => l.gradients.map((g) => Float64Array.from(g.value.data)));
  const params = model.layers.flatMap((l) => l.params);
  params.forEach((p, k) => {
    const idx = probes(p.value.size);
    const e = relErr(
      idx.map((i) => analytic[k][i]),
      numericGrad(p.value.data, idx, () => model.computeGradients(x, y)),
    );
    assert.ok(e < TOL, `${JSON.stringify(loss)}: gradient ${k} relative error ${e}`);
  });
}

function data(
  rows: number,
  cols: number,
  seed: number,
  kind: 'onehot' | 'binary' | 'real' | 'soft',
): [Tensor, Tensor] {
  const rng = new Rng(seed);
  const x = Tensor.fromArray(randn(rng, rows * 4), [rows, 4], { dtype: 'float64' });
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    if (kind === 'onehot') t[r * cols + rng.int(cols)] = 1;
    else if (kind === 'soft') {
      let s = 0;
      for (let j = 0; j < cols; j++) s += t[r * cols + j] = rng.uniform() + 0.1;
      for (let j = 0; j < cols; j++) t[r * cols + j] /= s;
    } else for (let j = 0; j < cols; j++) t[r * cols + j] = kind === 'binary' ? rng.int(2) : rng.normal();
  }
  return [x, Tensor.fromArray(t, [rows, cols], { dtype: 'float64' })];
}

function net(units: number, activation: ActivationSpec, seed = 3): Sequential {
  return new Sequential([new Dense({ units: 5, activation: 'tanh' }), new Dense({ units, activation })], {
    inputShape: [4],
    dtype: 'float64',
    seed,
  });
}

test('every loss: gradients through a small dense net match finite differences', () => {
  const cases: [ActivationSpec, LossSpec, 'onehot' | 'binary' | 'real' | 'soft', number][] = [
    ['softmax', 'categoricalCrossentropy', 'onehot', 3],
    ['softmax', 'categoricalCrossentropy', 'soft', 3],
    ['linear', 'categoricalCrossentropy', 'onehot', 3],
    ['sigmoid', 'categoricalCrossentropy', 'onehot', 3],
    ['sigmoid', 'binaryCrossentropy', 'binary', 2],
    ['linear', { name: 'binaryCrossentropy', fromLogits: true }, 'binary', 1],
    ['scaledSigmoid', 'binaryCrossentropy', 'binary', 2],
    ['linear', 'meanSquaredError', 'real', 2],
    ['sigmoid', 'meanSquaredError', 'real', 2],
  ];
  for (const [act, loss, kind, units] of cases) {
    const [x, y] = data(6, units, units + 1, kind);
    checkModel(net(units, act), loss, x, y);
  }
});

test('loss values equal the plain formulas on the predicted outputs', () => {
  const [x, y] = data(5, 3, 8, 'onehot');
  const t = y.data;
  const close = (a: number, b: number, what: string): void =>
    assert.ok(Math.abs(a - b) < 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
  const mean = (f: (i: number) => number, n: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += f(i);
    return s / n;
  };
  // categorical cross-entropy of the softmax probabilities: −(1/n) Σ t log p
  const soft = net(3, 'softmax');
  soft.compile({ optimizer: new SGD(), loss: 'categoricalCrossentropy' });
  const p = soft.predict(x).data;
  for (let r = 0; r < 5; r++) close(p[3 * r] + p[3 * r + 1] + p[3 * r + 2], 1, 'softmax rows sum to 1');
  close(soft.evaluate(x, y).loss, mean((i) => -t[i] * Math.log(p[i]), 15) * 3, 'CCE');
  // binary cross-entropy (sigmoid output, fused): −mean(t log p + (1−t) log(1−p))
  const [xb, yb] = data(5, 2, 9, 'binary');
  const bin = net(2, 'sigmoid');
  bin.compile({ optimizer: new SGD(), loss: 'binaryCrossentropy' });
  const q = bin.predict(xb).data;
  const tb = yb.data;
  close(
    bin.evaluate(xb, yb).loss,
    mean((i) => -(tb[i] * Math.log(q[i]) + (1 - tb[i]) * Math.log(1 - q[i])), 10),
    'BCE',
  );
  // mean squared error
  const [xm, ym] = data(5, 2, 10, 'real');
  const lin = net(2, 'linear');
  lin.compile({ optimizer: new SGD(), loss: 'meanSquaredError' });
  const o = lin.predict(xm).data;
  close(
    lin.evaluate(xm, ym).loss,
    mean((i) => (o[i] - ym.data[i]) ** 2, 10),
    'MSE',
  );
});

test('binary cross-entropy from logits stays finite and exact for large |z|', () => {
  const m = new Sequential([new Dense({ units: 1, useBias: false, kernelInitializer: 'ones' })], {
    inputShape: [1],
    dtype: 'float64',
    seed: 1,
  });
  m.compile({ optimizer: new SGD(), loss: { name: 'binaryCrossentropy', fromLogits: true } });
  const x = Tensor.fromArray([800, -800], [2, 1], { dtype: 'float64' });
  const y = Tensor.fromArray([0, 1], [2, 1], { dtype: 'float64' });
  // Both examples are wrong by a logit margin of 800: loss = 800 each.
  assert.equal(m.evaluate(x, y).loss, 800);
  m.computeGradients(x, y);
  // ∂L/∂w = mean((σ(z) − t)·x) = (800 + 800)/2
  assert.equal(m.layers[0].gradients[0].value.data[0], 800);
});

test('a small conv net end to end: conv same/relu → max pool → conv valid stride 2/tanh → BN → dense softmax', () => {
  const rng = new Rng(21);
  const model = new Sequential(
    [
      new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
      new MaxPooling2D(),
      new Conv2D({ filters: 4, kernelSize: 2, strides: 2, activation: 'tanh' }),
      new BatchNormalization(),
      new Flatten(),
      new Dense({ units: 3, activation: 'softmax' }),
    ],
    { inputShape: [2, 8, 8], dtype: 'float64', seed: 4 },
  );
  const x = Tensor.fromArray(randn(rng, 4 * 128), [4, 2, 8, 8], { dtype: 'float64' });
  const y = Tensor.zeros([4, 3], { dtype: 'float64' });
  for (let r = 0; r < 4; r++) y.data[r * 3 + (r % 3)] = 1;
  checkModel(model, 'categoricalCrossentropy', x, y);
});

test("Conv2D 'same' with an even kernel pads like TensorFlow (the extra row/column after)", () => {
  const layer = new Conv2D({ filters: 1, kernelSize: 2, padding: 'same', kernelInitializer: 'ones' });
  layer.name = 'c';
  layer.build([1, 3, 3], {
    backend: referenceBackend,
    dtype: 'float64',
    initRng: new Rng(1),
    noise: { rng: new Rng(2) },
  });
  const y = layer.forward(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 1);
  // out[i,j] = Σ x[i..i+1, j..j+1], zero beyond the bottom/right edge.
  assert.deepEqual(Array.from(y), [12, 16, 9, 24, 28, 15, 15, 17, 9]);
});
