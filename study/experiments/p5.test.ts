import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type AnyExperiment,
  cyclicLearningRate,
  decodeJson,
  encodeJson,
  executeExperiment,
  MemoryCheckpointStore,
  resolveConfig,
  wasmBytesInUse,
  wasmPeakBytes,
  wasmResetPeak,
} from 'nnlab';
import { p5, type P5Config, type P5Result } from './p5.js';
import { p5SweepJob, type SweepJobArgs } from './p5/jobs.js';

const QUICK = { sweepLrs: [1e-5, 1e-2, 1e-1, 1e4] };

test('p5 quick: a diverging lr is recorded, bounds follow the rule, CLR ends at a cycle boundary', async () => {
  const exp = p5 as unknown as AnyExperiment;
  const config = resolveConfig(exp, { quick: true, overrides: QUICK });
  // The kernel memory the preflight expects, against what the run (inline, so on this thread) really took.
  const need = p5.kernelMemory?.(config as P5Config);
  wasmResetPeak();
  const before = wasmBytesInUse();
  const r = (await executeExperiment(exp, config, { seed: 3, workers: 1 })) as P5Result;
  const used = wasmPeakBytes() - before;
  assert.ok(need !== undefined && used <= need.bytes, `peak ${used} B within the estimate ${need?.bytes} B`);
  assert.ok(need.bytes < 1.5 * used, `the estimate ${need.bytes} B is not far above the peak ${used} B`);
  const c = r.config;
  assert.deepEqual(r.data, {
    ...r.data,
    trainSize: c.trainLimit,
    validationSize: c.validationSize,
    testSize: c.testLimit,
  });

  // 5.1: every lr has a record in order; lr 1e4 diverges (NaN/∞) without stopping the sweep.
  assert.deepEqual(
    r.sweep.runs.map((x) => x.lr),
    QUICK.sweepLrs,
  );
  const big = r.sweep.runs[3];
  assert.ok(big.diverged !== null && big.finalLoss === null, 'lr 1e4 diverged');
  for (const x of r.sweep.runs.slice(0, 3)) {
    assert.equal(x.diverged, null);
    assert.equal(x.epochs.length, c.sweepEpochs);
    assert.equal(x.finalLoss, x.epochs[x.epochs.length - 1].loss);
  }
  // The rule on the recorded losses: lrMax = the lowest finite loss's lr.
  const finite = r.sweep.runs.filter((x) => x.finalLoss !== null);
  const best = finite.reduce((a, b) => ((b.finalLoss as number) < (a.finalLoss as number) ? b : a));
  assert.equal(r.sweep.chosen.lrMax, best.lr);
  assert.ok(r.sweep.chosen.lrMin < r.sweep.chosen.lrMax);
  assert.ok(r.finder.iterations > 0 && r.finder.lr.length === r.finder.loss.length);

  // 5.2: 2·stepSize·cycles iterations, so the schedule ends at a trough; stored lr equals the formula.
  const clr = r.clr;
  assert.equal(clr.epochs.length, 2 * c.stepSizeEpochs * c.cycles);
  assert.equal(clr.stepSize, c.stepSizeEpochs * Math.ceil(c.trainLimit / c.clrBatchSize));
  clr.lr.iteration.forEach((t, i) =>
    assert.equal(
      clr.lr.value[i],
      cyclicLearningRate(t, {
        lrMin: clr.lrMin,
        lrMax: clr.lrMax,
        stepSize: clr.stepSize,
        mode: 'exp_range',
        gamma: clr.gamma,
      }),
    ),
  );
  assert.ok(clr.final !== null && clr.final.testAccuracy >= 0 && clr.final.testAccuracy <= 1);
  assert.ok(clr.epochs.every((e) => e.valLoss !== null && e.valAccuracy !== null));

  // 5.3: lr = lrMax, batch sizes in order, epochsPerBatchSize each.
  assert.equal(r.batch.lr, r.sweep.chosen.lrMax);
  assert.deepEqual(
    r.batch.epochs.map((e) => e.batchSize),
    c.batchSizes.flatMap((b) => Array(c.epochsPerBatchSize).fill(b)),
  );
  // The result survives the store's codec bit for bit (typed arrays, NaN, -0 included).
  assert.deepStrictEqual(decodeJson(encodeJson(r)), r);
});

test('p5SweepJob: resuming from an epoch checkpoint gives the same epochs as an uninterrupted run', async () => {
  const args: SweepJobArgs = {
    data: { validationSize: 100, trainLimit: 192, testLimit: 50, normalize: 'standardize', splitSeed: 5 },
    activation: 'relu',
    momentum: 0.9,
    seed: 7,
    lr: 0.05,
    batchSize: 32,
    epochs: 2,
  };
  const trained: number[] = [];
  const ctx = () => ({
    progress: (p: { done: number }) => trained.push(p.done),
    checkpoints: new MemoryCheckpointStore(),
  });
  const whole = await p5SweepJob.run(args, ctx());
  // A session killed after epoch 1 (its progress report throws) leaves the epoch-1 checkpoint behind.
  const interrupted = ctx();
  const killer = {
    checkpoints: interrupted.checkpoints,
    progress: () => {
      throw new Error('killed');
    },
  };
  await assert.rejects(p5SweepJob.run(args, killer), /killed/);
  const firstSession = interrupted.checkpoints.load<{ seconds: number }>('sweep-0.05')?.seconds ?? NaN;
  trained.length = 0;
  const resumed = await p5SweepJob.run(args, interrupted);
  assert.ok(resumed.seconds >= firstSession, 'job seconds add up over sessions');
  assert.deepEqual(trained, [2], 'only epoch 2 was trained after the resume');
  assert.deepEqual(resumed.epochs, whole.epochs);
  assert.notEqual(whole.epochs[0].loss, whole.epochs[1].loss);
});

test('p5.validate names bad settings', () => {
  const bad = p5.validate({
    ...p5.defaults,
    stepSizeEpochs: 0.3,
    activation: 'sigmoid',
    lrMin: 0.1,
    lrMax: 0.01,
    batchSizes: [],
  });
  assert.equal(bad.length, 4);
  assert.ok(bad.some((m) => m.includes('stepSizeEpochs must be a positive multiple of 0.5')));
  assert.ok(bad.some((m) => m.includes('activation must be one of relu, tanh, got sigmoid')));
  assert.ok(bad.some((m) => m.includes('lrMin 0.1 must be below lrMax 0.01')));
  assert.deepEqual(p5.validate(p5.defaults), []);
});
