/**
 * Problem 5 — learning rate, batch size, Fashion-MNIST, LeNet-5.
 *  5.1 a sweep of fixed learning rates (5 epochs each from the same initial weights) and the continuous LR
 *      range test; lrMin/lrMax are read off the sweep by a stated rule (or set in the config);
 *  5.2 cyclical learning rate, exp_range, between them, ending at a cycle boundary;
 *  5.3 lr fixed at lrMax while the batch size doubles from 32 to 4096.
 * The independent trainings are worker-pool jobs (./p5/jobs.ts); this module only plans and assembles.
 */
import {
  type ConfigField,
  type Experiment,
  idxFiles,
  labelledImageBytes,
  measureTrainingMemory,
  megabytes as mb,
  Rng,
  type RunContext,
  trainingBytes,
  trialTask,
} from 'nnlab';
import { LR_BOUNDS_RULE, suggestLrBounds } from './p5/analysis.js';
import { p5Splits, type P5DataArgs } from './p5/data.js';
import {
  EVAL_BATCH,
  LENET_ACTIVATIONS,
  isLeNetActivation,
  p5Model,
  p5BatchSizeJob,
  p5ClrJob,
  p5FinderJob,
  p5SweepJob,
  type BatchSizeJobArgs,
  type ClrJobArgs,
  type FinderJobArgs,
  type P5CommonArgs,
  type SweepJobArgs,
} from './p5/jobs.js';
import type { P5Config, P5Result, SweepRun } from './p5/types.js';

export type { P5Config, P5Result } from './p5/types.js';

const defaults: P5Config = {
  validationSize: 5000,
  trainLimit: 0,
  testLimit: 0,
  normalize: 'standardize',
  activation: 'relu',
  momentum: 0,
  sweepLrs: [1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10],
  sweepBatchSize: 64,
  sweepEpochs: 5,
  dropFraction: 0.1,
  lrMin: 0,
  lrMax: 0,
  finderStartLr: 1e-9,
  finderEndLr: 10,
  finderEpochs: 2,
  clrBatchSize: 64,
  stepSizeEpochs: 4,
  cycles: 3,
  gamma: 0,
  lastCycleRatio: 0.1,
  batchSizes: [32, 64, 128, 256, 512, 1024, 2048, 4096],
  epochsPerBatchSize: 2,
  maxSeriesPoints: 2000,
};

/** Images in Fashion-MNIST's training and test files. */
const FASHION_TRAIN = 60000;
const FASHION_TEST = 10000;

const fields: ConfigField[] = [
  {
    name: 'validationSize',
    description: 'training images held out (seeded permutation) as the validation set',
  },
  {
    name: 'trainLimit',
    description: 'training images used after the split (0 = all the rest, 55,000 by default)',
  },
  {
    name: 'testLimit',
    description: 'test images evaluated (0 = all 10,000); the test set is used for final metrics only',
  },
  { name: 'normalize', description: "'standardize' (training split's pixel mean/std) or 'unit' (x/255)" },
  { name: 'activation', description: 'LeNet-5 hidden activation (relu or tanh)' },
  { name: 'momentum', description: 'SGD momentum of every run (0 = plain SGD)' },
  { name: 'sweepLrs', description: '5.1: the fixed learning rates swept' },
  { name: 'sweepBatchSize', description: '5.1: batch size of the sweep and of the range test' },
  { name: 'sweepEpochs', description: '5.1: epochs per swept lr' },
  {
    name: 'dropFraction',
    description: '5.1 rule: lrMin = smallest lr whose loss fell by this fraction of the largest drop',
  },
  { name: 'lrMin', description: 'lower CLR bound (0 = from the 5.1 rule)' },
  { name: 'lrMax', description: 'upper CLR bound and the 5.3 lr (0 = from the 5.1 rule)' },
  { name: 'finderStartLr', description: 'range test: first lr' },
  {
    name: 'finderEndLr',
    description: 'range test: lr reached after finderEpochs epochs (it stops earlier once the loss explodes)',
  },
  { name: 'finderEpochs', description: 'range test: epochs over which the lr grows geometrically' },
  { name: 'clrBatchSize', description: '5.2: batch size' },
  { name: 'stepSizeEpochs', description: '5.2: half-cycle in epochs (a multiple of 0.5)' },
  { name: 'cycles', description: '5.2: number of cycles; training lasts 2·stepSizeEpochs·cycles epochs' },
  {
    name: 'gamma',
    description:
      '5.2: exp_range decay per iteration (0 = the γ giving the last cycle lastCycleRatio of the first amplitude)',
  },
  { name: 'lastCycleRatio', description: '5.2: last-cycle / first-cycle peak amplitude when gamma = 0' },
  { name: 'batchSizes', description: '5.3: the batch sizes in order' },
  { name: 'epochsPerBatchSize', description: '5.3: epochs trained at each batch size' },
  {
    name: 'maxSeriesPoints',
    description: 'per-iteration series longer than this are kept at a fixed stride',
  },
];

function validate(c: P5Config): string[] {
  const bad: string[] = [];
  const isInt = (v: number, lo: number, hi = Infinity) => Number.isInteger(v) && v >= lo && v <= hi;
  const positive = (v: number) => Number.isFinite(v) && v > 0;
  if (!isInt(c.validationSize, 1, 59000))
    bad.push(`validationSize must be an integer in 1..59000, got ${c.validationSize}`);
  if (!isInt(c.trainLimit, 0)) bad.push(`trainLimit must be an integer ≥ 0, got ${c.trainLimit}`);
  if (!isInt(c.testLimit, 0, FASHION_TEST))
    bad.push(`testLimit must be an integer in 0..${FASHION_TEST}, got ${c.testLimit}`);
  if (c.normalize !== 'standardize' && c.normalize !== 'unit')
    bad.push(`normalize must be 'standardize' or 'unit', got ${c.normalize}`);
  if (!isLeNetActivation(c.activation))
    bad.push(`activation must be one of ${LENET_ACTIVATIONS.join(', ')}, got ${c.activation}`);
  if (!(c.momentum >= 0 && c.momentum < 1)) bad.push(`momentum must be in [0, 1), got ${c.momentum}`);
  if (c.sweepLrs.length === 0 || !c.sweepLrs.every(positive))
    bad.push(`sweepLrs must be positive numbers, got [${c.sweepLrs.join(', ')}]`);
  if (new Set(c.sweepLrs).size !== c.sweepLrs.length)
    bad.push(`sweepLrs must not repeat a value, got [${c.sweepLrs.join(', ')}]`);
  for (const k of [
    'sweepBatchSize',
    'sweepEpochs',
    'finderEpochs',
    'clrBatchSize',
    'cycles',
    'epochsPerBatchSize',
  ] as const) {
    if (!isInt(c[k], 1)) bad.push(`${k} must be an integer ≥ 1, got ${c[k]}`);
  }
  if (!(c.dropFraction > 0 && c.dropFraction < 1))
    bad.push(`dropFraction must be in (0, 1), got ${c.dropFraction}`);
  for (const k of ['lrMin', 'lrMax'] as const) {
    if (!(c[k] >= 0 && Number.isFinite(c[k])))
      bad.push(`${k} must be 0 (from the rule) or a positive lr, got ${c[k]}`);
  }
  if (c.lrMin > 0 && c.lrMax > 0 && !(c.lrMin < c.lrMax))
    bad.push(`lrMin ${c.lrMin} must be below lrMax ${c.lrMax}`);
  if (!(positive(c.finderStartLr) && positive(c.finderEndLr) && c.finderStartLr < c.finderEndLr)) {
    bad.push(`need 0 < finderStartLr < finderEndLr, got ${c.finderStartLr}, ${c.finderEndLr}`);
  }
  if (!(positive(c.stepSizeEpochs) && Number.isInteger(2 * c.stepSizeEpochs))) {
    bad.push(
      `stepSizeEpochs must be a positive multiple of 0.5 (cycles then end at epoch boundaries), got ${c.stepSizeEpochs}`,
    );
  }
  if (!(c.gamma === 0 || (c.gamma > 0 && c.gamma <= 1)))
    bad.push(`gamma must be 0 (auto) or in (0, 1], got ${c.gamma}`);
  if (!(c.lastCycleRatio > 0 && c.lastCycleRatio <= 1))
    bad.push(`lastCycleRatio must be in (0, 1], got ${c.lastCycleRatio}`);
  if (c.batchSizes.length === 0 || !c.batchSizes.every((b) => isInt(b, 1))) {
    bad.push(`batchSizes must be positive integers, got [${c.batchSizes.join(', ')}]`);
  }
  // Batches larger than the training set cannot be formed (fit would silently use the whole set instead).
  const trainCount = Math.max(0, FASHION_TRAIN - c.validationSize);
  const trainSize = c.trainLimit > 0 && c.trainLimit < trainCount ? c.trainLimit : trainCount;
  for (const [k, sizes] of [
    ['sweepBatchSize', [c.sweepBatchSize]],
    ['clrBatchSize', [c.clrBatchSize]],
    ['batchSizes', c.batchSizes],
  ] as const) {
    const over = sizes.filter((b) => b > trainSize);
    if (over.length > 0)
      bad.push(
        `${k} ${over.join(', ')} exceeds the ${trainSize} training images (trainLimit, validationSize)`,
      );
  }
  if (!isInt(c.maxSeriesPoints, 2))
    bad.push(`maxSeriesPoints must be an integer ≥ 2, got ${c.maxSeriesPoints}`);
  return bad;
}

/** The data split and model seed every job of a run shares, derived from the run's seed. */
function commonArgs(c: P5Config, seed: number): P5CommonArgs {
  if (!isLeNetActivation(c.activation)) {
    throw new Error(`p5: activation must be one of ${LENET_ACTIVATIONS.join(', ')}, got ${c.activation}`);
  }
  const root = new Rng(seed);
  const data: P5DataArgs = {
    validationSize: c.validationSize,
    trainLimit: c.trainLimit,
    testLimit: c.testLimit,
    normalize: c.normalize,
    splitSeed: root.derive(0).nextUint32(),
  };
  return { data, activation: c.activation, momentum: c.momentum, seed: root.derive(1).nextUint32() };
}

async function run(c: P5Config, seed: number, ctx: RunContext): Promise<P5Result> {
  const problems = validate(c);
  if (problems.length > 0 || !isLeNetActivation(c.activation))
    throw new Error(`p5: invalid config: ${problems.join('; ')}`);
  const t0 = performance.now();
  const common = commonArgs(c, seed);
  const data = common.data;
  const splits = p5Splits(data);

  // 5.1: the sweep and the range test are independent of each other; the range test goes last as it is shortest.
  const sweepTasks = c.sweepLrs.map((lr) => ({
    key: `sweep-${lr}`,
    args: { ...common, lr, batchSize: c.sweepBatchSize, epochs: c.sweepEpochs } satisfies SweepJobArgs,
  }));
  const finderArgs: FinderJobArgs = {
    ...common,
    batchSize: c.sweepBatchSize,
    startLr: c.finderStartLr,
    endLr: c.finderEndLr,
    epochs: c.finderEpochs,
    dropFraction: c.dropFraction,
    maxSeriesPoints: c.maxSeriesPoints,
  };
  const [runs, [finder]] = await Promise.all([
    ctx.runJobs(p5SweepJob, sweepTasks),
    ctx.runJobs(p5FinderJob, [{ key: 'finder', args: finderArgs }]),
  ]);

  const suggested = suggestLrBounds(
    runs.map((r) => ({ lr: r.lr, loss: r.finalLoss })),
    c.dropFraction,
  );
  const lrMin = c.lrMin > 0 ? c.lrMin : suggested?.lrMin;
  const lrMax = c.lrMax > 0 ? c.lrMax : suggested?.lrMax;
  if (lrMin === undefined || lrMax === undefined) {
    throw new Error(
      `p5: the 5.1 sweep gives no lr bounds (final losses ${runs.map((r) => `${r.lr}: ${r.finalLoss}`).join(', ')}); ` +
        'set lrMin and lrMax in the config',
    );
  }
  if (!(lrMin < lrMax))
    throw new Error(`p5: lrMin ${lrMin} must be below lrMax ${lrMax} (set both in the config)`);

  const [[clr], [batch]] = await Promise.all([
    ctx.runJobs(p5ClrJob, [
      {
        key: 'clr',
        args: {
          ...common,
          lrMin,
          lrMax,
          batchSize: c.clrBatchSize,
          stepSizeEpochs: c.stepSizeEpochs,
          cycles: c.cycles,
          gamma: c.gamma,
          lastCycleRatio: c.lastCycleRatio,
          maxSeriesPoints: c.maxSeriesPoints,
        } satisfies ClrJobArgs,
      },
    ]),
    ctx.runJobs(p5BatchSizeJob, [
      {
        key: 'batch-size',
        args: {
          ...common,
          lr: lrMax,
          batchSizes: c.batchSizes,
          epochsPerBatchSize: c.epochsPerBatchSize,
        } satisfies BatchSizeJobArgs,
      },
    ]),
  ]);

  return {
    config: c,
    seed,
    data: {
      trainSize: splits.train.count,
      validationSize: splits.validation.count,
      testSize: splits.test.count,
      mean: splits.mean,
      std: splits.std,
    },
    sweep: {
      runs,
      suggested,
      chosen: { lrMin, lrMax, source: c.lrMin > 0 || c.lrMax > 0 ? 'config' : 'rule' },
      rule: LR_BOUNDS_RULE,
    },
    finder,
    clr,
    batch,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

export const p5: Experiment<P5Config, P5Result> = {
  id: 'p5',
  title: 'Problem 5 — Learning rate, batch size, Fashion-MNIST (LeNet-5)',
  defaults,
  dataFiles: () => idxFiles('fashion-mnist'),
  // A job holds the training, validation and test tensors; the batch-size schedule of 5.3 keeps a block per
  // batch size (the heap does not merge them), so the most demanding job is one of the batch-size lists below.
  kernelMemory: (c) => {
    const train = c.trainLimit > 0 ? c.trainLimit : FASHION_TRAIN - c.validationSize;
    const test = c.testLimit > 0 ? c.testLimit : FASHION_TEST;
    const data = labelledImageBytes(train + c.validationSize + test);
    const m = measureTrainingMemory(() => p5Model(commonArgs(c, 1), 0.01));
    const evaluation = Math.min(EVAL_BATCH, Math.max(c.validationSize, test));
    const schedules = [[c.sweepBatchSize], [c.clrBatchSize], c.batchSizes].map((b) => [...b, evaluation]);
    const training = Math.max(...schedules.map((b) => trainingBytes(m, b)));
    const largest = Math.max(...c.batchSizes, c.sweepBatchSize, c.clrBatchSize);
    return {
      bytes: data + training,
      detail: `data ${mb(data)}, training at batch sizes up to ${largest}: ${mb(training)}`,
    };
  },
  quick: {
    validationSize: 200,
    trainLimit: 320,
    testLimit: 200,
    sweepLrs: [1e-5, 1e-2, 1e-1, 10],
    sweepEpochs: 1,
    finderEpochs: 1,
    stepSizeEpochs: 0.5,
    cycles: 1,
    batchSizes: [32, 64],
    epochsPerBatchSize: 1,
  },
  fields,
  validate,
  run,
  // A sweep trains the 5.1 job at sweepLrs[0] and sweepBatchSize for sweepEpochs, with validation after each
  // epoch, and compares the last epoch's validation accuracy.
  trial: {
    resource: 'sweepEpochs',
    metric: 'validation accuracy',
    task: (c, seed) =>
      trialTask(p5SweepJob, {
        ...commonArgs(c, seed),
        lr: c.sweepLrs[0],
        batchSize: c.sweepBatchSize,
        epochs: c.sweepEpochs,
        validate: true,
      }),
    score: (r) => {
      const run = r as SweepRun;
      const last = run.epochs[run.epochs.length - 1];
      return run.diverged !== null || last === undefined ? NaN : (last.valAccuracy ?? NaN);
    },
  },
};
