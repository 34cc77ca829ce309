import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/rng.js';
import { Adam } from '../optim/adam.js';
import { SGD } from '../optim/sgd.js';
import { DivergenceError } from '../train/errors.js';
import type { Callback } from '../train/callbacks.js';
import { BatchNormalization } from './layers/batchnorm.js';
import { Dense } from './layers/dense.js';
import { Dropout } from './layers/dropout.js';
import { Conv2D } from './layers/conv2d.js';
import { MaxPooling2D } from './layers/pooling.js';
import { Flatten } from './layers/flatten.js';
import { lenet5 } from './models/lenet5.js';
import { Sequential } from './sequential.js';

/**
 * A learnable 10-class image task: class c adds 1 to a 6×6 square at one of ten disjoint positions of a
 * 28×28 image of N(0, 1) pixel noise (class and noise drawn with Rng).
 */
function squares(count: number, seed: number): [Tensor, Tensor] {
  const pos = Array.from({ length: 10 }, (_, c) => [Math.floor(c / 4) * 8 + 2, (c % 4) * 6 + 2]);
  const rng = new Rng(seed);
  const x = Tensor.zeros([count, 1, 28, 28]);
  const y = Tensor.zeros([count, 10]);
  for (let i = 0; i < count; i++) {
    const c = rng.int(10);
    y.data[i * 10 + c] = 1;
    const [r0, c0] = pos[c];
    for (let p = 0; p < 784; p++) {
      const r = Math.floor(p / 28);
      const col = p % 28;
      const inside = r >= r0 && r < r0 + 6 && col >= c0 && col < c0 + 6;
      x.data[i * 784 + p] = (inside ? 1 : 0) + rng.normal();
    }
  }
  return [x, y];
}

function bitsEqual(a: ArrayLike<number>[], b: ArrayLike<number>[]): boolean {
  return (
    a.length === b.length &&
    a.every((w, i) => w.length === b[i].length && Array.from(w).every((v, j) => Object.is(v, b[i][j])))
  );
}

test('lenet5 has 61,706 parameters and the documented layer stack', () => {
  const m = lenet5({ seed: 1 });
  assert.equal(m.countParams(), 61706);
  assert.deepEqual(
    m.layers.map((l) => [l.kind, [...l.outputShape]]),
    [
      ['conv2d', [6, 28, 28]],
      ['max_pooling2d', [6, 14, 14]],
      ['activation', [6, 14, 14]],
      ['conv2d', [16, 10, 10]],
      ['max_pooling2d', [16, 5, 5]],
      ['activation', [16, 5, 5]],
      ['flatten', [400]],
      ['dense', [120]],
      ['dense', [84]],
      ['dense', [10]],
    ],
  );
  const full = lenet5({
    seed: 1,
    batchNorm: true,
    inputBatchNorm: true,
    dropout: { input: 0.2, hidden: 0.5 },
  });
  const kinds = full.layers.map((l) => l.kind);
  assert.deepEqual(kinds.slice(0, 7), [
    'batch_normalization',
    'dropout',
    'conv2d',
    'batch_normalization',
    'max_pooling2d',
    'activation',
    'dropout',
  ]);
  assert.equal(kinds.filter((k) => k === 'batch_normalization').length, 5);
  assert.equal(kinds.filter((k) => k === 'dropout').length, 5);
  const summary = m.summary().split('\n');
  assert.equal(summary.length, 12);
  assert.match(summary[1], /^conv2d\s+conv2d\s+\[6, 28, 28\]\s+156$/);
  assert.equal(summary[11], 'total params: 61706');
  m.dispose();
  full.dispose();
});

test('lenet5 with the activation behind max pooling trains exactly like conv → activation → pool', () => {
  const [x, y] = squares(32, 5);
  for (const activation of ['relu', 'tanh'] as const) {
    const late = lenet5({ seed: 3, activation });
    const classic = new Sequential(
      [
        new Conv2D({ filters: 6, kernelSize: 5, padding: 'same', activation }),
        new MaxPooling2D(),
        new Conv2D({ filters: 16, kernelSize: 5, activation }),
        new MaxPooling2D(),
        new Flatten(),
        new Dense({ units: 120, activation }),
        new Dense({ units: 84, activation }),
        new Dense({ units: 10 }),
      ],
      { inputShape: [1, 28, 28], seed: 3 },
    );
    classic.setWeights(late.getWeights());
    for (const m of [late, classic]) {
      m.compile({
        optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }),
        loss: 'categoricalCrossentropy',
      });
      for (let i = 0; i < 3; i++) m.trainOnBatch(x, y);
    }
    const a = late.getWeights();
    const b = classic.getWeights();
    assert.ok(
      a.every((w, i) => w.every((v, j) => v === b[i][j])),
      `${activation}: identical weights after 3 steps`,
    );
  }
});

test('lenet5 learns a synthetic 10-class image task; the same seed gives bit-identical weights', async () => {
  const [x, y] = squares(1200, 1);
  const [xt, yt] = squares(300, 2);
  const train = async (): Promise<Sequential> => {
    const m = lenet5({ seed: 7 });
    m.compile({
      optimizer: new SGD({ learningRate: 0.02, momentum: 0.9 }),
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
    });
    await m.fit(x, y, { epochs: 2, batchSize: 16 });
    return m;
  };
  const before = lenet5({ seed: 7 });
  before.compile({ optimizer: new SGD(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const chance = before.evaluate(xt, yt).accuracy ?? 1;
  assert.ok(chance < 0.3, `untrained accuracy ${chance}`);
  const a = await train();
  const acc = a.evaluate(xt, yt).accuracy ?? 0;
  assert.ok(acc > 0.95, `test accuracy ${acc}`);
  const b = await train();
  assert.ok(bitsEqual(a.getWeights(), b.getWeights()), 'same seed, same weights');
  const c = lenet5({ seed: 8 });
  assert.ok(!bitsEqual(a.getWeights().slice(0, 1), c.getWeights().slice(0, 1)), 'another seed, other init');
});

/** A learning-rate schedule over the global iteration, so resuming must restore the iteration too. */
const sawtooth: Callback = {
  onBatchBegin(iteration, ctx) {
    ctx.optimizer.learningRate = 1e-3 * (1 + (iteration % 3));
  },
};

function resumable(seed: number): Sequential {
  const m = new Sequential(
    [
      new Conv2D({ filters: 2, kernelSize: 3, activation: 'relu' }),
      new BatchNormalization(),
      new Dropout({ rate: 0.3 }),
      new Flatten(),
      new Dense({ units: 8, activation: 'tanh' }),
      new Dropout({ rate: 0.2 }),
      new Dense({ units: 3, activation: 'softmax' }),
    ],
    { inputShape: [1, 6, 6], seed },
  );
  m.compile({
    optimizer: new Adam({ learningRate: 1e-3 }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return m;
}

function blobs(count: number, seed: number): [Tensor, Tensor] {
  const rng = new Rng(seed);
  const x = Tensor.zeros([count, 1, 6, 6]);
  const y = Tensor.zeros([count, 3]);
  for (let i = 0; i < count; i++) {
    const c = rng.int(3);
    y.data[i * 3 + c] = 1;
    for (let p = 0; p < 36; p++) x.data[i * 36 + p] = rng.normal() + (p % 3 === c ? 1 : 0);
  }
  return [x, y];
}

test('getState/setState at an epoch boundary, then continuing, equals uninterrupted training bit for bit', async () => {
  const [x, y] = blobs(50, 3);
  const a = resumable(5);
  const full = await a.fit(x, y, { epochs: 3, batchSize: 8, callbacks: [sawtooth] });

  const b = resumable(5);
  await b.fit(x, y, { epochs: 1, batchSize: 8, callbacks: [sawtooth] });
  const state = structuredClone(b.getState());
  await b.fit(x, y, { epochs: 2, initialEpoch: 1, batchSize: 8 }); // must not touch the snapshot

  const c = resumable(99); // another seed: everything must come from the state
  c.setState(state);
  assert.equal(c.epoch, 1);
  const rest = await c.fit(x, y, { epochs: 3, initialEpoch: c.epoch, batchSize: 8, callbacks: [sawtooth] });
  assert.deepEqual(rest.epoch, [1, 2]);
  assert.deepEqual(rest.loss, full.loss.slice(1));
  assert.equal(c.iteration, a.iteration);
  assert.ok(bitsEqual(c.getWeights(), a.getWeights()), 'resumed weights equal uninterrupted ones');
  assert.ok(!bitsEqual(b.getWeights(), resumable(5).getWeights()));
});

test('trainOnBatch equals fit without shuffling; callbacks see the iteration and can change lr and stop', async () => {
  const [x, y] = blobs(24, 4);
  const seen: number[] = [];
  const a = resumable(2);
  const h = await a.fit(x, y, {
    epochs: 5,
    batchSize: 8,
    shuffle: false,
    callbacks: [
      sawtooth,
      {
        onBatchEnd(iteration, logs, ctx) {
          seen.push(iteration);
          assert.equal(logs.size, 8);
          if (iteration === 4) ctx.stopTraining = true;
        },
      },
    ],
  });
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  assert.deepEqual(h.epoch, [0, 1], 'the stopped epoch is recorded with its batches so far');

  const b = resumable(2);
  const rows = (t: Tensor, from: number, to: number, shape: number[]): Tensor =>
    Tensor.fromArray(t.data.subarray(from * (t.size / t.shape[0]), to * (t.size / t.shape[0])), [
      to - from,
      ...shape,
    ]);
  for (let it = 0; it < 5; it++) {
    (b.optimizer as Adam).learningRate = 1e-3 * (1 + (it % 3));
    const s = (it % 3) * 8;
    b.trainOnBatch(rows(x, s, s + 8, [1, 6, 6]), rows(y, s, s + 8, [3]));
  }
  assert.ok(bitsEqual(a.getWeights(), b.getWeights()));
});

test('a NaN/∞ loss throws DivergenceError with epoch and iteration, or ends fit quietly when a callback stops', async () => {
  const make = (): Sequential => {
    const m = new Sequential([new Dense({ units: 1 })], { inputShape: [2], seed: 1 });
    m.compile({ optimizer: new SGD({ learningRate: 1e4 }), loss: 'meanSquaredError' });
    return m;
  };
  const x = Tensor.fromArray([1e3, -2e3, 3e3, 1e3], [2, 2]);
  const y = Tensor.fromArray([1, -1], [2, 1]);
  const m = make();
  await assert.rejects(m.fit(x, y, { epochs: 50, batchSize: 1, shuffle: false }), (e: unknown) => {
    assert.ok(e instanceof DivergenceError);
    assert.ok(
      e.iteration > 0 && e.epoch === Math.floor(e.iteration / 2),
      `epoch ${e.epoch}, iteration ${e.iteration}`,
    );
    assert.ok(!Number.isFinite(e.loss));
    assert.equal(m.iteration, e.iteration, 'the diverged batch is not counted as a step');
    return true;
  });
  const quiet = make();
  const h = await quiet.fit(x, y, {
    epochs: 50,
    batchSize: 1,
    callbacks: [{ onBatchEnd: (_i, logs, ctx) => void (ctx.stopTraining ||= !Number.isFinite(logs.loss)) }],
  });
  assert.ok(h.loss.length < 50 && h.loss.every(Number.isFinite));
});

test('clear errors for bad shapes, unknown names, non-finite data and misuse', async () => {
  const dense = (): Sequential =>
    new Sequential([new Dense({ units: 2, activation: 'softmax' })], { inputShape: [3], seed: 1 });
  assert.throws(() => new Dense({ units: 0 }), /Dense: units must be a positive integer, got 0/);
  assert.throws(
    () => new Dense({ units: 2, kernelInitializer: 'xavier' as 'zeros' }),
    /Dense: unknown initializer "xavier"/,
  );
  assert.throws(
    () => new Dense({ units: 2, activation: 'gelu' as 'relu' }),
    /Dense: unknown activation "gelu"/,
  );
  assert.throws(
    () => new Sequential([new Dense({ units: 2 })], { inputShape: [2, 3], seed: 1 }),
    /dense layer "dense": input shape \[2, 3\] must have rank 1/,
  );
  assert.throws(
    () => new Sequential([new Conv2D({ filters: 1, kernelSize: 5 })], { inputShape: [1, 3, 3], seed: 1 }),
    /window 5 is larger than the input size 3/,
  );
  assert.throws(
    () =>
      new Sequential([new Dense({ units: 2, activation: 'softmax' }), new Dense({ units: 2 })], {
        inputShape: [3],
        seed: 1,
      }),
    /softmax is only supported on the last layer/,
  );
  const m = dense();
  const x = Tensor.zeros([4, 3]);
  const y = Tensor.zeros([4, 2]);
  await assert.rejects(m.fit(x, y, { epochs: 1, batchSize: 2 }), /Sequential.fit: call compile\(\) first/);
  assert.throws(
    () => m.compile({ optimizer: new SGD(), loss: 'hinge' as 'meanSquaredError' }),
    /unknown loss "hinge"/,
  );
  assert.throws(
    () => m.compile({ optimizer: new SGD(), loss: 'meanSquaredError' }),
    /softmax output needs loss categoricalCrossentropy/,
  );
  m.compile({ optimizer: new SGD(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await assert.rejects(
    m.fit(Tensor.zeros([4, 5]), y, { epochs: 1, batchSize: 2 }),
    /x has shape \[4, 5\], the model expects \[N, 3\]/,
  );
  await assert.rejects(
    m.fit(x, Tensor.zeros([3, 2]), { epochs: 1, batchSize: 2 }),
    /y has shape \[3, 2\], expected \[4, 2\]/,
  );
  await assert.rejects(m.fit(x, y, { epochs: 1, batchSize: 0 }), /batchSize must be an integer ≥ 1, got 0/);
  const bad = Tensor.zeros([4, 3]);
  bad.data[5] = NaN;
  await assert.rejects(
    m.fit(bad, y, { epochs: 1, batchSize: 2 }),
    /Sequential.fit: x contains NaN or infinite values/,
  );
  assert.throws(() => m.predict(bad), /Sequential.predict: x contains NaN/);
  assert.throws(() => m.setWeights([new Float32Array(6)]), /got 1 arrays, the model has 2 weights/);
  assert.throws(
    () => m.setWeights([new Float32Array(5), new Float32Array(2)]),
    /dense\/kernel has 6 elements, array 0 has 5/,
  );
  const other = dense();
  other.compile({ optimizer: m.optimizer as SGD, loss: 'categoricalCrossentropy' });
  m.trainOnBatch(x, y);
  assert.throws(() => other.trainOnBatch(x, y), /already updates another model's parameters/);
});
