/**
 * Problem 5's independent trainings as worker-pool jobs (exported by name; args and results are plain data).
 * Every job rebuilds the data and LeNet-5 from the same seed, so all runs start from the same weights and see
 * the same shuffles, and checkpoints its model state at every epoch boundary.
 */
import {
  type BatchLogs,
  type Callback,
  CyclicLR,
  defineJob,
  DivergenceError,
  expRangeGamma,
  type IdxDataset,
  type JobContext,
  LearningRateFinder,
  fitResumable,
  lenet5,
  type Sequential,
  SGD,
  type TrainingContext,
} from 'nnlab';
import { subsampleSeries, suggestLrBounds } from './analysis.js';
import { p5Splits, toTensors, type LabelledTensors, type P5DataArgs } from './data.js';
import type {
  BatchEpochRecord,
  BatchSizeResult,
  ClrResult,
  Divergence,
  EpochRecord,
  FinalMetrics,
  FinderResult,
  SweepRun,
} from './types.js';

export type LeNetActivation = 'relu' | 'tanh';
export const LENET_ACTIVATIONS: readonly LeNetActivation[] = ['relu', 'tanh'];
export const isLeNetActivation = (s: string): s is LeNetActivation =>
  (LENET_ACTIVATIONS as readonly string[]).includes(s);

/** What every job needs to rebuild the same data and the same initial LeNet-5. */
export interface P5CommonArgs {
  data: P5DataArgs;
  activation: LeNetActivation;
  momentum: number;
  /** Seed of the model (initial weights, shuffles). */
  seed: number;
}

/** Data tensors of one job, each created on first use (a sweep run never reads the validation or test set). */
interface Prepared {
  train(): LabelledTensors;
  validation(): LabelledTensors;
  test(): LabelledTensors;
  dispose(): void;
}

function prepare(a: P5CommonArgs): Prepared {
  const splits = p5Splits(a.data);
  const made = new Map<IdxDataset, LabelledTensors>();
  const get = (ds: IdxDataset) => {
    let t = made.get(ds);
    if (t === undefined) {
      t = toTensors(ds, splits, a.data.normalize);
      made.set(ds, t);
    }
    return t;
  };
  return {
    train: () => get(splits.train),
    validation: () => get(splits.validation),
    test: () => get(splits.test),
    dispose: () => {
      for (const t of made.values()) {
        t.x.dispose();
        t.y.dispose();
      }
    },
  };
}

/** Minibatch of every evaluation (validation and test sets). */
export const EVAL_BATCH = 500;

/** A fresh LeNet-5 of the run's activation and seed, compiled with SGD at `lr` (the run's momentum). */
export function p5Model(a: P5CommonArgs, lr: number): Sequential {
  const model = lenet5({ activation: a.activation, seed: a.seed });
  model.compile({
    optimizer: new SGD({ learningRate: lr, momentum: a.momentum }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

/**
 * Runs `fn` on fresh data tensors and a fresh LeNet-5 (SGD at `lr`), disposing both afterwards: a worker runs
 * many jobs in one fixed-size wasm memory.
 */
async function withRun<R>(
  a: P5CommonArgs,
  lr: number,
  fn: (d: Prepared, model: Sequential) => Promise<R>,
): Promise<R> {
  const d = prepare(a);
  const model = p5Model(a, lr);
  try {
    return await fn(d, model);
  } finally {
    model.dispose();
    d.dispose();
  }
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/**
 * Logs every batch (stream "batch", step = the model's global iteration + 1): its loss, the learning rate it
 * used and its size. Cheap next to a LeNet-5 batch (one JSON line and one event record, written in bulk).
 * `lastLr` keeps the rate of the latest batch for the epoch record.
 */
function batchLogger(ctx: JobContext): Callback & { lastLr: number } {
  const cb = {
    lastLr: NaN,
    onBatchEnd: (iteration: number, logs: BatchLogs, t: TrainingContext) => {
      cb.lastLr = t.optimizer.learningRate;
      ctx.log?.(iteration + 1, { loss: logs.loss, learningRate: cb.lastLr, batchSize: logs.size }, 'batch');
    },
  };
  return cb;
}

interface EpochPlan {
  key: string;
  label: string;
  epochs: number;
  batchSizeAt(epoch: number): number;
  validate: boolean;
  callbacks: Callback[];
  /** Extra resumable state (the CLR iteration counter), saved with each checkpoint. */
  saveExtra?(): number;
  restoreExtra?(v: number): void;
}

/**
 * Trains epoch by epoch with nnlab's resumable loop (fitResumable: one fit call per epoch, so the batch size
 * may change between epochs; a checkpoint per epoch; the divergence rule, also applied to the validation
 * loss). A diverged run is returned with its records so far, not thrown.
 */
async function trainEpochs(
  model: Sequential,
  d: Prepared,
  plan: EpochPlan,
  ctx: JobContext,
): Promise<{ records: EpochRecord[]; diverged: Divergence | null; priorSeconds: number }> {
  const validation = plan.validate ? d.validation() : null;
  const batches = batchLogger(ctx);
  const fit = await fitResumable<EpochRecord, number>(model, d.train().x, d.train().y, {
    checkpoints: ctx.checkpoints,
    key: plan.key,
    epochs: plan.epochs,
    batchSize: (e) => plan.batchSizeAt(e),
    validationData: validation === null ? undefined : [validation.x, validation.y],
    callbacks: [...plan.callbacks, batches],
    extra:
      plan.saveExtra !== undefined && plan.restoreExtra !== undefined
        ? { save: plan.saveExtra, restore: plan.restoreExtra }
        : undefined,
    onEpoch: (e, h) => {
      const last = h.loss.length - 1;
      const record: EpochRecord = {
        epoch: e + 1,
        loss: h.loss[last],
        accuracy: h.accuracy[last],
        valLoss: plan.validate ? h.valLoss[last] : null,
        valAccuracy: plan.validate ? h.valAccuracy[last] : null,
      };
      ctx.log?.(e + 1, {
        loss: record.loss,
        accuracy: record.accuracy,
        ...(record.valLoss !== null ? { valLoss: record.valLoss } : {}),
        ...(record.valAccuracy !== null ? { valAccuracy: record.valAccuracy } : {}),
        learningRate: batches.lastLr,
        batchSize: plan.batchSizeAt(e),
      });
      return { record, losses: record.valLoss === null ? [] : [record.valLoss] };
    },
    afterEpoch: (done, total, r) =>
      ctx.progress({
        label: plan.label,
        done,
        total,
        unit: 'epochs',
        info:
          `loss ${r.loss.toFixed(4)}` +
          (r.valAccuracy !== null ? ` val acc ${r.valAccuracy.toFixed(4)}` : ''),
      }),
  });
  if (fit.diverged !== null) ctx.log?.(fit.diverged.epoch + 1, { diverged: 1, loss: fit.diverged.loss });
  return fit;
}

/** Every final metric in inference mode on the final weights (the train set too, so the gaps compare like with like). */
function finalMetrics(model: Sequential, d: Prepared): FinalMetrics {
  const on = (t: LabelledTensors) => {
    const e = model.evaluate(t.x, t.y, { batchSize: EVAL_BATCH });
    return { loss: e.loss, accuracy: e.accuracy ?? NaN };
  };
  const train = on(d.train());
  const val = on(d.validation());
  const test = on(d.test());
  return {
    trainLoss: train.loss,
    trainAccuracy: train.accuracy,
    valLoss: val.loss,
    valAccuracy: val.accuracy,
    testLoss: test.loss,
    testAccuracy: test.accuracy,
  };
}

const iterationsPerEpoch = (n: number, batchSize: number) => Math.ceil(n / batchSize);

export interface SweepJobArgs extends P5CommonArgs {
  lr: number;
  batchSize: number;
  epochs: number;
  /** Also evaluate on the validation split after each epoch (`nnlab sweep`'s trials); absent in 5.1. */
  validate?: boolean;
}

/** 5.1: a fixed lr for `epochs` epochs; the training loss per epoch (mean over its batches). */
export const p5SweepJob = defineJob(
  'p5/sweep',
  import.meta.url,
  async (a: SweepJobArgs, ctx: JobContext): Promise<SweepRun> => {
    const t0 = performance.now();
    return withRun(a, a.lr, async (d, model) => {
      const { records, diverged, priorSeconds } = await trainEpochs(
        model,
        d,
        {
          key: `sweep-${a.lr}`,
          label: `p5/sweep lr ${a.lr}`,
          epochs: a.epochs,
          batchSizeAt: () => a.batchSize,
          validate: a.validate === true,
          callbacks: [],
        },
        ctx,
      );
      const finalLoss = diverged === null && records.length > 0 ? records[records.length - 1].loss : null;
      return { lr: a.lr, epochs: records, finalLoss, diverged, seconds: priorSeconds + seconds(t0) };
    });
  },
);

export interface FinderJobArgs extends P5CommonArgs {
  batchSize: number;
  startLr: number;
  endLr: number;
  epochs: number;
  dropFraction: number;
  maxSeriesPoints: number;
}

/** 5.1 cross-check: the LearningRateFinder over `epochs` epochs' worth of batches, curve subsampled. */
export const p5FinderJob = defineJob(
  'p5/finder',
  import.meta.url,
  async (a: FinderJobArgs, ctx: JobContext): Promise<FinderResult> => {
    const t0 = performance.now();
    return withRun(a, a.startLr, async (d, model) => {
      const numIterations = a.epochs * iterationsPerEpoch(d.train().x.shape[0], a.batchSize);
      const finder = new LearningRateFinder({ startLr: a.startLr, endLr: a.endLr, numIterations });
      let diverged = false;
      try {
        await model.fit(d.train().x, d.train().y, {
          epochs: a.epochs,
          batchSize: a.batchSize,
          shuffle: true,
          callbacks: [finder, batchLogger(ctx)],
          verbose: false,
        });
      } catch (err) {
        if (!(err instanceof DivergenceError)) throw err;
        diverged = true;
      }
      ctx.progress({
        label: 'p5/lr finder',
        done: 1,
        total: 1,
        unit: 'runs',
        info: `${finder.points.length} batches`,
      });
      const pts = finder.points;
      const idx = subsampleSeries(
        pts.map((_, i) => i),
        a.maxSeriesPoints,
      );
      const { minLossLr, steepestLr } = finder.summary();
      return {
        batchSize: a.batchSize,
        startLr: a.startLr,
        endLr: a.endLr,
        numIterations,
        iterations: pts.length,
        stopReason: diverged ? 'diverged' : (finder.stopReason ?? 'completed'),
        stride: idx.stride,
        lr: idx.iteration.map((i) => pts[i].lr),
        loss: idx.iteration.map((i) => pts[i].loss),
        smoothed: idx.iteration.map((i) => pts[i].smoothed),
        minLossLr,
        steepestLr,
        suggested: suggestLrBounds(
          pts.map((p) => ({ lr: p.lr, loss: p.smoothed })),
          a.dropFraction,
        ),
        seconds: seconds(t0),
      };
    });
  },
);

export interface ClrJobArgs extends P5CommonArgs {
  lrMin: number;
  lrMax: number;
  batchSize: number;
  stepSizeEpochs: number;
  cycles: number;
  /** 0 = expRangeGamma(stepSize, cycles, lastCycleRatio). */
  gamma: number;
  lastCycleRatio: number;
  maxSeriesPoints: number;
}

/**
 * 5.2: CLR exp_range between lrMin and lrMax, stepSize = stepSizeEpochs × iterations per epoch, for
 * 2·stepSizeEpochs·cycles epochs, so training ends at a trough (a cycle boundary).
 */
export const p5ClrJob = defineJob(
  'p5/clr',
  import.meta.url,
  async (a: ClrJobArgs, ctx: JobContext): Promise<ClrResult> => {
    const t0 = performance.now();
    return withRun(a, a.lrMin, async (d, model) => {
      const ipe = iterationsPerEpoch(d.train().x.shape[0], a.batchSize);
      const stepSize = a.stepSizeEpochs * ipe;
      const gamma = a.gamma > 0 ? a.gamma : expRangeGamma(stepSize, a.cycles, a.lastCycleRatio);
      const clr = new CyclicLR({ lrMin: a.lrMin, lrMax: a.lrMax, stepSize, mode: 'exp_range', gamma });
      const epochs = Math.round(2 * a.stepSizeEpochs * a.cycles);
      const { records, diverged, priorSeconds } = await trainEpochs(
        model,
        d,
        {
          key: 'clr',
          label: 'p5/clr',
          epochs,
          batchSizeAt: () => a.batchSize,
          validate: true,
          callbacks: [clr],
          saveExtra: () => clr.iteration,
          restoreExtra: (v) => {
            clr.iteration = v;
          },
        },
        ctx,
      );
      if (diverged === null && clr.iteration !== epochs * ipe) {
        throw new Error(
          `p5ClrJob: the schedule ran ${clr.iteration} iterations, expected ${epochs} epochs × ${ipe} (a cycle boundary)`,
        );
      }
      // The rate is a pure function of the iteration, so the whole schedule is recomputed rather than stored.
      const lrs = Array.from({ length: epochs * ipe }, (_, t) => clr.lrAt(t));
      return {
        lrMin: a.lrMin,
        lrMax: a.lrMax,
        batchSize: a.batchSize,
        stepSize,
        stepSizeEpochs: a.stepSizeEpochs,
        gamma,
        cycles: a.cycles,
        iterationsPerEpoch: ipe,
        epochs: records,
        lr: subsampleSeries(lrs, a.maxSeriesPoints),
        final: diverged === null ? finalMetrics(model, d) : null,
        diverged,
        seconds: priorSeconds + seconds(t0),
      };
    });
  },
);

export interface BatchSizeJobArgs extends P5CommonArgs {
  lr: number;
  batchSizes: number[];
  epochsPerBatchSize: number;
}

/** 5.3: a fixed lr while the batch size steps through `batchSizes`, `epochsPerBatchSize` epochs each. */
export const p5BatchSizeJob = defineJob(
  'p5/batch-size',
  import.meta.url,
  async (a: BatchSizeJobArgs, ctx: JobContext): Promise<BatchSizeResult> => {
    const t0 = performance.now();
    return withRun(a, a.lr, async (d, model) => {
      const batchSizeAt = (e: number) => a.batchSizes[Math.floor(e / a.epochsPerBatchSize)];
      const { records, diverged, priorSeconds } = await trainEpochs(
        model,
        d,
        {
          key: 'batch-size',
          label: 'p5/batch size',
          epochs: a.batchSizes.length * a.epochsPerBatchSize,
          batchSizeAt,
          validate: true,
          callbacks: [],
        },
        ctx,
      );
      const epochs: BatchEpochRecord[] = records.map((r) => ({ ...r, batchSize: batchSizeAt(r.epoch - 1) }));
      return {
        lr: a.lr,
        batchSizes: a.batchSizes,
        epochsPerBatchSize: a.epochsPerBatchSize,
        epochs,
        final: diverged === null ? finalMetrics(model, d) : null,
        diverged,
        seconds: priorSeconds + seconds(t0),
      };
    });
  },
);
