import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type CheckpointStore, HeNormal, type JobContext, MemoryCheckpointStore, MlpEnsemble } from 'nnlab';
import { netStream, targetFunction, trainDyingShard, type DyingShardArgs } from './dying.js';
import { bornDeadBounds, wilsonInterval } from './stats.js';

const base: DyingShardArgs = {
  seed: 5,
  activation: 'relu',
  slope: 0,
  first: 10,
  count: 12,
  depth: 10,
  width: 2,
  initializer: 'heNormal',
  trainPoints: 200,
  inputRange: Math.sqrt(7),
  target: 'abs',
  batchSize: 64,
  epochs: 4,
  learningRate: 1e-3,
  gridPoints: 101,
  tolerance: 1e-3,
  examples: 2,
  exampleStride: 10,
  checkpointEvery: 1,
  traceEvery: 2,
};

const ctxOf = (checkpoints: CheckpointStore): JobContext => ({ checkpoints, progress: () => {} });
const strip = <T extends { seconds: number }>(r: T): Omit<T, 'seconds'> => {
  const { seconds: _s, ...rest } = r;
  void _s;
  return rest;
};

test('trainDyingShard: a run killed after a checkpoint resumes with identical numbers', async () => {
  for (const activation of ['relu', 'leakyRelu'] as const) {
    const args = { ...base, activation, slope: activation === 'relu' ? 0 : 0.01 };
    const full = await trainDyingShard.run(args, ctxOf(new MemoryCheckpointStore()));
    const store = new MemoryCheckpointStore();
    let saves = 0;
    const killing: CheckpointStore = {
      load: (k) => store.load(k),
      discard: (k) => store.discard(k),
      save: (k, v) => {
        store.save(k, v);
        if (++saves === 2) throw new Error('killed');
      },
    };
    await assert.rejects(trainDyingShard.run(args, ctxOf(killing)), /killed/);
    const resumed = await trainDyingShard.run(args, ctxOf(store));
    assert.deepEqual(strip(resumed), strip(full));
  }
});

test('trainDyingShard: statuses agree with an independent look at each net, born-dead rate within theory', async () => {
  const args = { ...base, count: 120, first: 0, epochs: 1, trainPoints: 64 };
  const r = await trainDyingShard.run(args, ctxOf(new MemoryCheckpointStore()));
  // Rebuild the initial nets from the documented streams and test constancy at 5 points by hand:
  // with zero biases f(x) = x·(slope of its side), so a net is constant iff f(−a) = f(a) = 0.
  const e = new MlpEnsemble({ count: 120, sizes: [1, ...Array(10).fill(2), 1], activation: 'relu' });
  e.initialize(
    new HeNormal(),
    Array.from({ length: 120 }, (_, k) => netStream(5, k).derive(1)),
  );
  const out = new Float64Array(120 * 2);
  e.predictShared([-Math.sqrt(7), Math.sqrt(7)], 2, out);
  r.rangeInit.forEach((range, k) =>
    assert.equal(range === 0, out[2 * k] === 0 && out[2 * k + 1] === 0, `net ${k}`),
  );
  const dead = r.rangeInit.filter((v) => v === 0).length;
  const [lo, hi] = wilsonInterval(dead, 120, 3.3);
  const theory = bornDeadBounds(2, 10);
  assert.ok(
    hi >= theory.lower && lo <= theory.upper,
    `born dead ${dead}/120 vs [${theory.lower}, ${theory.upper}]`,
  );
  // Every born-dead ReLU net stays constant: no gradient reaches the layers before the dead one.
  r.status.forEach((s, k) => r.rangeInit[k] === 0 && assert.equal(s, 'bornDead'));
  const leaky = await trainDyingShard.run(
    { ...args, activation: 'leakyRelu', slope: 0.01 },
    ctxOf(new MemoryCheckpointStore()),
  );
  assert.ok(
    leaky.rangeInit.every((v) => v > 0),
    'a leaky-ReLU net is never constant',
  );
});

test('targetFunction: the three targets of Lu et al.', () => {
  assert.equal(targetFunction('abs')(-2), 2);
  assert.equal(targetFunction('xsin5x')(0.5), 0.5 * Math.sin(2.5));
  assert.equal(targetFunction('step')(0.5), 1 + 0.2 * Math.sin(2.5));
  assert.equal(targetFunction('step')(-0.5), 0.2 * Math.sin(-2.5));
});
