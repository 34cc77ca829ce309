/**
 * Problem 4: LeNet-5 on MNIST with batch normalisation, dropout and both, every variant trained with the same
 * optimiser, learning rate, batch size, epochs and seeds, so the only difference is the regulariser.
 *
 * Each (variant, seed) is an independent job on the worker pool; a job checkpoints the model state at every
 * epoch boundary, so a killed run resumes exactly where it stopped.
 */
import {
  defineJob,
  type Experiment,
  fitResumable,
  headIdx,
  idxFiles,
  type IdxDataset,
  type JobContext,
  labelledImageBytes,
  lenet5,
  loadIdxDataset,
  measureTrainingMemory,
  megabytes as mb,
  oneHot,
  pixelStats,
  type RunContext,
  type Sequential,
  SGD,
  Tensor,
  toImageTensor,
  trainingBytes,
  trialTask,
} from 'nnlab';
import {
  P4_VARIANTS,
  p4Defaults,
  p4Fields,
  summariseP4,
  validateP4,
  type P4BnLayer,
  type P4Config,
  type P4JobArgs,
  type P4Result,
  type P4Run,
  type P4Variant,
} from './p4-spec.js';

export * from './p4-spec.js';

/** The LeNet-5 of a variant, built from the run's seed. */
export function buildP4Model(config: P4Config, variant: P4Variant, seed: number): Sequential {
  const v = P4_VARIANTS[variant];
  const model = lenet5({
    activation: config.activation as 'relu' | 'tanh',
    pooling: config.pooling as 'max' | 'avg',
    inputBatchNorm: v.inputBatchNorm,
    batchNorm: v.hiddenBatchNorm,
    dropout: v.dropout ? { input: config.inputDropout, hidden: config.hiddenDropout } : null,
    seed,
  });
  model.compile({
    optimizer: new SGD({ learningRate: config.learningRate, momentum: config.momentum }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

/**
 * Each BN layer's γ and β, labelled by what it normalises: 'input' for a BN before any conv/dense layer,
 * else the conv/dense layer it follows (conv1, conv2, dense1, …).
 */
function bnParameters(model: Sequential): P4BnLayer[] {
  const out: P4BnLayer[] = [];
  let convs = 0;
  let denses = 0;
  let last = 'input';
  for (const layer of model.layers) {
    if (layer.kind === 'conv2d') last = `conv${++convs}`;
    else if (layer.kind === 'dense') last = `dense${++denses}`;
    else if (layer.kind === 'batch_normalization') {
      const get = (name: string): number[] => {
        const w = layer.weights.find((x) => x.name === name || x.name.endsWith(`/${name}`));
        if (w === undefined) {
          throw new Error(
            `bnParameters: layer ${layer.name} has no "${name}" (has ${layer.weights.map((x) => x.name).join(', ')})`,
          );
        }
        return w.value.toArray();
      };
      out.push({ layer: last, gamma: get('gamma'), beta: get('beta') });
    }
  }
  return out;
}

/** Number of trainable scalars (BN's moving statistics excluded). */
function trainableParameters(model: Sequential): number {
  return model.layers.reduce((s, l) => s + l.params.reduce((t, p) => t + p.value.size, 0), 0);
}

interface SplitTensors {
  x: Tensor;
  y: Tensor;
}

/** Images of `ds` scaled as the variant asks (standardised with the training set's statistics). */
function tensors(
  ds: IdxDataset,
  input: 'standardize' | 'unit',
  stats: { mean: number; std: number },
): SplitTensors {
  return {
    x: toImageTensor(ds.images, ds.count, { normalize: input, mean: stats.mean, std: stats.std }),
    y: oneHot(ds.labels, 10),
  };
}

/** Evaluation minibatch: 128 measured faster than 1000 (the working set stays in cache). */
const EVAL_BATCH = 128;

/** A view of the first n rows (along dimension 0) of t, sharing its memory. */
function headRows(t: Tensor, n: number): Tensor {
  const row = t.size / t.shape[0];
  return new Tensor(t.data.subarray(0, n * row), [n, ...t.shape.slice(1)], t.backend);
}

/** The training data a job uses, and the statistics that standardise it (training set only). */
function p4Data(config: P4Config): { train: IdxDataset; test: IdxDataset; mean: number; std: number } {
  const train = headIdx(loadIdxDataset('mnist', 'train'), config.trainCount);
  const test = headIdx(loadIdxDataset('mnist', 'test'), config.testCount);
  const { mean, std } = pixelStats(train.images, train.count, train.rows * train.cols);
  return { train, test, mean, std };
}

/** One epoch's numbers of a P4 run (the arrays of P4Run, one entry each). */
interface P4EpochRecord {
  epoch: number;
  runningLoss: number;
  runningAccuracy: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
}

/**
 * One (variant, seed) job: trains `config.epochs` epochs of SGD with nnlab's resumable loop (fitResumable:
 * a checkpoint per epoch, the divergence rule), after each one evaluating loss and accuracy in inference mode
 * on the first trainEvalCount training images and on the test set. A run that diverges is returned with its
 * curves up to the last finite epoch and `diverged` set, so the other runs go on.
 */
export const p4Job = defineJob(
  'p4/train',
  import.meta.url,
  async (args: P4JobArgs, ctx: JobContext): Promise<P4Run> => {
    const { config, variant, seed } = args;
    const spec = P4_VARIANTS[variant];
    if (spec === undefined) throw new Error(`p4Job: unknown variant ${JSON.stringify(variant)}`);
    const { train, test, mean, std } = p4Data(config);
    const trainT = tensors(train, spec.input, { mean, std });
    const testT = tensors(test, spec.input, { mean, std });
    const evalX = headRows(trainT.x, config.trainEvalCount);
    const evalY = headRows(trainT.y, config.trainEvalCount);
    const model = buildP4Model(config, variant, seed);
    try {
      let t0 = performance.now();
      const fit = await fitResumable<P4EpochRecord>(model, trainT.x, trainT.y, {
        checkpoints: ctx.checkpoints,
        key: 'state',
        epochs: config.epochs,
        batchSize: config.batchSize,
        onEpoch: (e, h) => {
          const tr = model.evaluate(evalX, evalY, { batchSize: EVAL_BATCH });
          const te = model.evaluate(testT.x, testT.y, { batchSize: EVAL_BATCH });
          const record: P4EpochRecord = {
            epoch: e + 1,
            runningLoss: h.loss[h.loss.length - 1],
            runningAccuracy: h.accuracy[h.accuracy.length - 1],
            trainLoss: tr.loss,
            trainAccuracy: tr.accuracy ?? NaN,
            testLoss: te.loss,
            testAccuracy: te.accuracy ?? NaN,
            seconds: (performance.now() - t0) / 1000,
          };
          ctx.log?.(e + 1, {
            loss: record.runningLoss,
            accuracy: record.runningAccuracy,
            trainLoss: tr.loss,
            trainAccuracy: record.trainAccuracy,
            testLoss: te.loss,
            testAccuracy: record.testAccuracy,
            learningRate: config.learningRate,
            batchSize: config.batchSize,
            epochSeconds: record.seconds,
          });
          return { record, losses: [tr.loss, te.loss] };
        },
        afterEpoch: (done, total, r) => {
          ctx.progress({
            label: `p4/${variant} seed ${seed}`,
            done,
            total,
            unit: 'epochs',
            info: `test acc ${(100 * r.testAccuracy).toFixed(2)}% loss ${r.testLoss.toFixed(4)} (${r.seconds.toFixed(1)} s)`,
          });
          t0 = performance.now();
        },
      });
      const rs = fit.records;
      const column = <K extends keyof P4EpochRecord>(k: K): P4EpochRecord[K][] => rs.map((r) => r[k]);
      return {
        variant,
        seed,
        epoch: column('epoch'),
        trainLoss: column('trainLoss'),
        trainAccuracy: column('trainAccuracy'),
        runningLoss: column('runningLoss'),
        runningAccuracy: column('runningAccuracy'),
        testLoss: column('testLoss'),
        testAccuracy: column('testAccuracy'),
        epochSeconds: column('seconds'),
        bn: fit.diverged === null ? bnParameters(model) : [],
        parameters: trainableParameters(model),
        finalTestAccuracy: fit.diverged === null && rs.length > 0 ? rs[rs.length - 1].testAccuracy : NaN,
        wallSeconds: rs.reduce((s, r) => s + r.seconds, 0),
        diverged: fit.diverged,
      };
    } finally {
      // A worker runs several jobs in one fixed-size wasm heap: give everything back.
      for (const t of [trainT.x, trainT.y, testT.x, testT.y]) t.dispose();
      model.dispose();
    }
  },
);

export const p4: Experiment<P4Config, P4Result> = {
  id: 'p4',
  title: 'Problem 4 — Batch normalisation, dropout, MNIST (LeNet-5)',
  defaults: p4Defaults,
  quick: { trainCount: 512, testCount: 256, trainEvalCount: 256, epochs: 1, seeds: 1 },
  fields: p4Fields,
  validate: validateP4,
  dataFiles: () => idxFiles('mnist'),
  // A job holds its training and test tensors and trains one variant; the most demanding variant counts.
  kernelMemory: (config) => {
    const data = labelledImageBytes(config.trainCount + config.testCount);
    const batches = [config.batchSize, EVAL_BATCH];
    const training = Math.max(
      ...config.variants.map((v) =>
        trainingBytes(
          measureTrainingMemory(() => buildP4Model(config, v as P4Variant, 1)),
          batches,
        ),
      ),
    );
    return {
      bytes: data + training,
      detail: `data ${mb(data)}, training at batch size ${config.batchSize}: ${mb(training)}`,
    };
  },
  // A sweep trains the first variant of the config for each seed and compares final test accuracy.
  trial: {
    resource: 'epochs',
    metric: 'test accuracy',
    task: (config, seed) => trialTask(p4Job, { config, variant: config.variants[0] as P4Variant, seed }),
    score: (r) => (r as P4Run).finalTestAccuracy,
  },
  async run(config: P4Config, seed: number, ctx: RunContext): Promise<P4Result> {
    const t0 = performance.now();
    const problems = validateP4(config);
    if (problems.length > 0) throw new Error(`p4: invalid config: ${problems.join('; ')}`);
    const seeds = Array.from({ length: config.seeds }, (_, i) => seed + i);
    const tasks = seeds.flatMap((s) =>
      (config.variants as P4Variant[]).map((variant) => ({
        key: `${variant}/seed${s}`,
        args: { config, variant, seed: s },
      })),
    );
    const runs = await ctx.runJobs(p4Job, tasks);
    const { mean, std } = p4Data(config);
    return {
      config,
      seeds,
      inputMean: mean,
      inputStd: std,
      runs,
      // Across-seed statistics of the runs that finished: a diverged run has no final numbers to pool.
      summary: summariseP4(
        runs.filter((r) => r.diverged === null),
        config.variants,
      ),
      wallSeconds: (performance.now() - t0) / 1000,
    };
  },
};
