import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BatchNormalization,
  describe,
  Dropout,
  jobId,
  type JobContext,
  MemoryCheckpointStore,
  runExperiment,
} from 'nnlab';
import { buildP4Model, p4, p4Job, summariseP4, type P4Config, type P4Run, type P4Variant } from './p4.js';

const small: P4Config = { ...p4.defaults, ...p4.quick } as P4Config;

test('each variant builds the LeNet-5 the homework asks for', () => {
  const expect: Record<P4Variant, { bn: number; dropout: number[] }> = {
    'std-bn': { bn: 4, dropout: [] },
    'bn-input': { bn: 5, dropout: [] },
    dropout: { bn: 0, dropout: [0.2, 0.5, 0.5, 0.5, 0.5] },
    'bn-dropout': { bn: 5, dropout: [0.2, 0.5, 0.5, 0.5, 0.5] },
    plain: { bn: 0, dropout: [] },
  };
  for (const [v, want] of Object.entries(expect) as [P4Variant, (typeof expect)[P4Variant]][]) {
    const m = buildP4Model(small, v, 1);
    assert.equal(m.layers.filter((l) => l instanceof BatchNormalization).length, want.bn, v);
    assert.deepEqual(
      m.layers.filter((l): l is Dropout => l instanceof Dropout).map((l) => l.rate),
      want.dropout,
      v,
    );
    // The input BN (when present) comes first, before any weights.
    assert.equal(m.layers[0] instanceof BatchNormalization, v === 'bn-input' || v === 'bn-dropout', v);
  }
});

test('validate names bad settings', () => {
  assert.deepEqual(p4.validate(small), []);
  const bad = p4.validate({
    ...small,
    variants: ['std-bn', 'nope'],
    learningRate: 0,
    trainEvalCount: 10 ** 6,
  });
  assert.equal(bad.length, 3, bad.join('; '));
  assert.match(bad.join('; '), /unknown variant "nope"/);
});

test('the quick run trains every variant and reports BN parameters per layer', async () => {
  const r = await runExperiment(p4, {}, { quick: true, workers: 1, seed: 5 });
  assert.deepEqual(r.seeds, [5]);
  assert.deepEqual(
    r.runs.map((x) => x.variant),
    ['std-bn', 'bn-input', 'dropout', 'bn-dropout'],
  );
  const widths = (run: P4Run): [string, number, number][] =>
    run.bn.map((b) => [b.layer, b.gamma.length, b.beta.length]);
  const hidden: [string, number, number][] = [
    ['conv1', 6, 6],
    ['conv2', 16, 16],
    ['dense1', 120, 120],
    ['dense2', 84, 84],
  ];
  assert.deepEqual(widths(r.runs[0]), hidden);
  assert.deepEqual(widths(r.runs[1]), [['input', 1, 1], ...hidden]);
  assert.deepEqual(widths(r.runs[2]), []);
  // LeNet-5 has 61,706 trainable parameters; with BN the 6+16+120+84 biases of the hidden layers give way
  // to a γ and a β per channel.
  const hiddenChannels = 6 + 16 + 120 + 84;
  assert.equal(r.runs[2].parameters, 61706);
  assert.equal(r.runs[0].parameters, 61706 - hiddenChannels + 2 * hiddenChannels);
  assert.equal(r.runs[1].parameters, r.runs[0].parameters + 2);
  for (const run of r.runs) {
    assert.equal(run.epoch.length, 1);
    for (const a of [run.trainAccuracy[0], run.testAccuracy[0], run.runningAccuracy[0]])
      assert.ok(a >= 0 && a <= 1);
    assert.ok(Number.isFinite(run.testLoss[0]) && run.testLoss[0] > 0);
    assert.equal(run.finalTestAccuracy, run.testAccuracy[0]);
  }
  // The across-seed statistics are part of the result, one entry per variant that ran.
  assert.deepEqual(
    r.summary.map((x) => x.variant),
    ['std-bn', 'bn-input', 'dropout', 'bn-dropout'],
  );
  for (const [i, s] of r.summary.entries()) {
    assert.equal(s.finalTestAccuracy.mean, r.runs[i].finalTestAccuracy);
    assert.equal(s.finalTestAccuracy.n, 1);
    assert.deepEqual(
      s.bn.map((b) => [b.layer, b.channels]),
      widths(r.runs[i]).map(([layer, n]) => [layer, n]),
    );
  }
  // The result is plain JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
});

test('summariseP4: statistics over the seeds of each variant', () => {
  const run = (seed: number, test: number[], train: number[], running: number[]): P4Run => ({
    variant: 'dropout',
    seed,
    epoch: test.map((_, i) => i + 1),
    trainLoss: test.map(() => 0.1),
    trainAccuracy: train,
    runningLoss: test.map(() => 0.2),
    runningAccuracy: running,
    testLoss: [0.3, 0.2, 0.25],
    testAccuracy: test,
    epochSeconds: test.map(() => 1),
    bn: [],
    parameters: 61706,
    finalTestAccuracy: test[test.length - 1],
    wallSeconds: 3 * seed,
  });
  const runs = [
    run(1, [0.9, 0.95, 0.96], [0.9, 0.96, 0.98], [0.9, 0.95, 0.96]),
    run(2, [0.8, 0.9, 0.98], [0.8, 0.9, 0.99], [0.8, 0.9, 0.95]),
  ];
  const [s] = summariseP4(runs, ['std-bn', 'dropout']);
  assert.equal(s.variant, 'dropout');
  assert.deepEqual(s.finalTestAccuracy, describe([0.96, 0.98]));
  assert.deepEqual(s.firstTestAccuracy, describe([0.9, 0.8]));
  assert.deepEqual(s.wallSeconds, describe([3, 6]));
  assert.equal(s.bestLossEpoch, 2);
  assert.ok(Math.abs(s.lossRise - 0.25) < 1e-12);
  assert.ok(Math.abs(s.modeGap - (0.02 + 0.04) / 2) < 1e-12);
  assert.deepEqual(s.curves.testAccuracy[1], describe([0.95, 0.9]));
  assert.equal(s.curves.trainLoss.length, 3);
});

test('training lowers the loss below chance level', async () => {
  // The plain net: BN's moving averages (momentum 0.99) need more steps than a test affords to settle.
  const cfg: P4Config = { ...small, trainCount: 2048, trainEvalCount: 512, epochs: 3 };
  const ctx: JobContext = { progress: () => {}, checkpoints: new MemoryCheckpointStore() };
  const run = await p4Job.run({ config: cfg, variant: 'plain', seed: 3 }, ctx);
  // ln 10 ≈ 2.303 is the loss of a uniform guess over the ten digits.
  assert.ok(run.trainLoss[2] < run.trainLoss[0], `${run.trainLoss}`);
  assert.ok(run.testLoss[2] < 1.5, `${run.testLoss}`);
  assert.ok(run.testAccuracy[2] > 0.6, `${run.testAccuracy}`);
});

test('a job killed after an epoch resumes from its checkpoint to the identical result', async () => {
  const cfg: P4Config = { ...small, trainCount: 384, trainEvalCount: 128, testCount: 128, epochs: 2 };
  const args = { config: cfg, variant: 'bn-dropout' as P4Variant, seed: 2 };
  const straight = await p4Job.run(args, { progress: () => {}, checkpoints: new MemoryCheckpointStore() });

  const store = new MemoryCheckpointStore();
  const killer: JobContext = {
    checkpoints: store,
    progress: (p) => {
      if (p.done === 1) throw new Error('killed');
    },
  };
  await assert.rejects(p4Job.run(args, killer), /killed/);
  assert.deepEqual(store.keys(), ['state']);
  const resumed = await p4Job.run(args, { progress: () => {}, checkpoints: store });

  // Wall times differ between runs; everything else must match exactly.
  const strip = (r: P4Run): P4Run => ({ ...r, epochSeconds: [], wallSeconds: 0 });
  assert.deepEqual(strip(resumed), strip(straight));
});

test('jobs of other settings have other identities, so no checkpoint crosses settings', () => {
  const cfg: P4Config = { ...small, epochs: 1 };
  const id = (config: P4Config, seed = 4): string => jobId(p4Job.name, { config, variant: 'plain', seed });
  assert.equal(id({ ...cfg }), id(cfg));
  assert.notEqual(id({ ...cfg, learningRate: 0.01 }), id(cfg));
  assert.notEqual(id(cfg, 5), id(cfg));
});
