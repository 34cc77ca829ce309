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
  headIdx,
  type IdxDataset,
  type JobContext,
  lenet5,
  loadIdxDataset,
  type ModelState,
  oneHot,
  pixelStats,
  type RunContext,
  type Sequential,
  SGD,
  Tensor,
  toImageTensor,
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

/** Checkpoint of a job between epochs: the model's exact state and the curves so far. */
interface P4Checkpoint {
  state: ModelState;
  run: P4Run;
}

/** The training data a job uses, and the statistics that standardise it (training set only). */
function p4Data(config: P4Config): { train: IdxDataset; test: IdxDataset; mean: number; std: number } {
  const train = headIdx(loadIdxDataset('mnist', 'train'), config.trainCount);
  const test = headIdx(loadIdxDataset('mnist', 'test'), config.testCount);
  const { mean, std } = pixelStats(train.images, train.count, train.rows * train.cols);
  return { train, test, mean, std };
}

/**
 * One (variant, seed) job: trains `config.epochs` epochs of SGD, after each one evaluating loss and accuracy
 * in inference mode on the first trainEvalCount training images and on the test set, and saving a checkpoint.
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
    let run: P4Run = {
      variant,
      seed,
      epoch: [],
      trainLoss: [],
      trainAccuracy: [],
      runningLoss: [],
      runningAccuracy: [],
      testLoss: [],
      testAccuracy: [],
      epochSeconds: [],
      bn: [],
      parameters: trainableParameters(model),
      finalTestAccuracy: NaN,
      wallSeconds: 0,
    };
    const saved = ctx.checkpoints.load<P4Checkpoint>('state');
    if (saved !== undefined) {
      model.setState(saved.state);
      run = saved.run;
    }
    try {
      for (let e = run.epoch.length; e < config.epochs; e++) {
        const t0 = performance.now();
        const h = await model.fit(trainT.x, trainT.y, {
          epochs: e + 1,
          initialEpoch: e,
          batchSize: config.batchSize,
          shuffle: true,
          verbose: false,
        });
        const tr = model.evaluate(evalX, evalY, { batchSize: EVAL_BATCH });
        const te = model.evaluate(testT.x, testT.y, { batchSize: EVAL_BATCH });
        const seconds = (performance.now() - t0) / 1000;
        run.epoch.push(e + 1);
        run.runningLoss.push(h.loss[h.loss.length - 1]);
        run.runningAccuracy.push(h.accuracy[h.accuracy.length - 1]);
        run.trainLoss.push(tr.loss);
        run.trainAccuracy.push(tr.accuracy ?? NaN);
        run.testLoss.push(te.loss);
        run.testAccuracy.push(te.accuracy ?? NaN);
        run.epochSeconds.push(seconds);
        run.wallSeconds += seconds;
        ctx.log?.(e + 1, {
          loss: h.loss[h.loss.length - 1],
          accuracy: h.accuracy[h.accuracy.length - 1],
          trainLoss: tr.loss,
          trainAccuracy: tr.accuracy ?? NaN,
          testLoss: te.loss,
          testAccuracy: te.accuracy ?? NaN,
          learningRate: config.learningRate,
          batchSize: config.batchSize,
          epochSeconds: seconds,
        });
        ctx.checkpoints.save<P4Checkpoint>('state', { state: model.getState(), run });
        ctx.progress({
          label: `p4/${variant} seed ${seed}`,
          done: e + 1,
          total: config.epochs,
          unit: 'epochs',
          info: `test acc ${(100 * (te.accuracy ?? NaN)).toFixed(2)}% loss ${te.loss.toFixed(4)} (${seconds.toFixed(1)} s)`,
        });
      }
      run.bn = bnParameters(model);
    } finally {
      // A worker runs several jobs in one fixed-size wasm heap: give everything back.
      for (const t of [trainT.x, trainT.y, testT.x, testT.y]) t.dispose();
      model.dispose();
    }
    run.finalTestAccuracy = run.testAccuracy[run.testAccuracy.length - 1];
    return run;
  },
);

export const p4: Experiment<P4Config, P4Result> = {
  id: 'p4',
  title: 'Problem 4 — Batch normalisation, dropout, MNIST (LeNet-5)',
  defaults: p4Defaults,
  quick: { trainCount: 512, testCount: 256, trainEvalCount: 256, epochs: 1, seeds: 1 },
  fields: p4Fields,
  validate: validateP4,
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
      summary: summariseP4(runs, config.variants),
      wallSeconds: (performance.now() - t0) / 1000,
    };
  },
};
