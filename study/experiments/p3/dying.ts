/**
 * Problem 3.3/3.4: many independent deep, narrow ReLU / leaky-ReLU nets fitted to a 1-d function, each
 * classified as born dead, collapsed during training, or alive (Lu et al. 2019, "Dying ReLU and
 * initialization"). One job trains one shard of nets in lockstep with MlpEnsemble; the experiment spreads the
 * shards over the worker pool.
 */
import {
  defaultAdam,
  breaksBound,
  defineJob,
  divergenceBound,
  type EnsembleActivation,
  type InitializerName,
  type JobContext,
  MlpEnsemble,
  resolveInitializer,
  Rng,
} from 'nnlab';
import { quantile } from './stats.js';

/** The three targets of Lu et al., p. 13: f1 = |x|, f2 = x·sin(5x), f3 = 1{x > 0} + 0.2·sin(5x). */
export type DyingTarget = 'abs' | 'xsin5x' | 'step';
export const dyingTargets: readonly DyingTarget[] = ['abs', 'xsin5x', 'step'];

export function targetFunction(target: DyingTarget): (x: number) => number {
  switch (target) {
    case 'abs':
      return (x) => Math.abs(x);
    case 'xsin5x':
      return (x) => x * Math.sin(5 * x);
    case 'step':
      return (x) => (x > 0 ? 1 : 0) + 0.2 * Math.sin(5 * x);
  }
}

/** LaTeX of each target, for the report. */
export const targetFormula: Record<DyingTarget, string> = {
  abs: 'f_1(x) = |x|',
  xsin5x: 'f_2(x) = x\\sin 5x',
  step: 'f_3(x) = \\mathbb{1}\\{x > 0\\} + 0.2\\sin 5x',
};

/**
 * What became of a net: constant from the start, constant after training, alive, or stopped by nnlab's
 * divergence rule (its numbers after the break are not used, whatever it ended as).
 */
export type NetStatus = 'bornDead' | 'collapsed' | 'alive' | 'diverged';

/** Everything a shard job needs; plain data so it crosses to a worker thread. */
export interface DyingShardArgs {
  seed: number;
  activation: EnsembleActivation;
  slope: number;
  /** Index of the first net of the shard and the number of nets in it. */
  first: number;
  count: number;
  depth: number;
  width: number;
  /** Kernel initialiser by name (biases are zero). */
  initializer: InitializerName;
  trainPoints: number;
  /** Inputs are drawn from U[−inputRange, inputRange]. */
  inputRange: number;
  target: DyingTarget;
  batchSize: number;
  epochs: number;
  learningRate: number;
  gridPoints: number;
  /** A net is constant when max − min of its output on the grid ≤ tolerance·(max − min of the target). */
  tolerance: number;
  /** Keep grid outputs of up to this many collapsed and this many alive nets of the shard. */
  examples: number;
  /** Grid outputs kept for examples are every `exampleStride`-th grid point. */
  exampleStride: number;
  checkpointEvery: number;
  /** Count the constant nets every `traceEvery` epochs (and at 0 and the end). */
  traceEvery: number;
}

export interface DyingExample {
  net: number;
  status: NetStatus;
  finalLoss: number;
  /** Outputs at the example grid after training. */
  outputs: number[];
}

export interface DyingShardResult {
  first: number;
  /** Per net: max − min of the output on the grid at initialisation and after training. */
  rangeInit: number[];
  rangeFinal: number[];
  status: NetStatus[];
  /** Full-data MSE after training. */
  finalLoss: number[];
  /** [count·epochs]: mean minibatch loss of each net in each epoch (net-major). */
  epochLoss: number[];
  /** Number of nets of the shard that are constant (grid test) after epoch e, for e = 0, traceEvery, 2·traceEvery, …, epochs. */
  constantTrace: { epoch: number; constant: number }[];
  examples: DyingExample[];
  /** Nets that broke nnlab's divergence rule (an epoch loss NaN, ∞ or > 10× the net's initial loss). */
  divergedNets: DivergedNet[];
  /** Seconds this job computed (this session only when it resumed from a checkpoint). */
  seconds: number;
}

/** A net of a shard that diverged: where, with what loss, under which bound, and its last finite loss. */
export interface DivergedNet {
  net: number;
  /** Epoch index (from 0) whose mean loss broke the rule (epochs = the final full-data loss). */
  epoch: number;
  loss: number;
  bound: number;
  lastFiniteLoss: number | null;
}

/**
 * The nets of a shard that diverged under nnlab's rule (divergenceBound: 10 × the net's loss before any
 * update), checked on every epoch's mean loss and on the final full-data loss.
 */
export function divergedNets(
  first: number,
  initialLoss: readonly number[],
  epochLoss: ArrayLike<number>,
  finalLoss: readonly number[],
  epochs: number,
): DivergedNet[] {
  const out: DivergedNet[] = [];
  initialLoss.forEach((l0, k) => {
    const bound = divergenceBound(l0);
    let last: number | null = Number.isFinite(l0) ? l0 : null;
    for (let e = 0; e <= epochs; e++) {
      const loss = e < epochs ? epochLoss[k * epochs + e] : finalLoss[k];
      if (breaksBound(loss, bound)) {
        out.push({ net: first + k, epoch: e, loss, bound, lastFiniteLoss: last });
        return;
      }
      last = loss;
    }
  });
  return out;
}

/**
 * The random streams of one net, shared by the ReLU and leaky-ReLU studies so the two see the same data and
 * the same initial weights (a paired comparison): stream(seed, n) = Rng(seed).derive(3).derive(n), data from
 * its derive(0), weights from derive(1), the minibatch order of epoch e from derive(2 + e).
 */
export function netStream(seed: number, net: number): Rng {
  return new Rng(seed).derive(3).derive(net);
}

/** The evaluation grid: gridPoints equally spaced points from −inputRange to inputRange. */
export function dyingGrid(inputRange: number, gridPoints: number): number[] {
  return Array.from({ length: gridPoints }, (_, i) => -inputRange + (2 * inputRange * i) / (gridPoints - 1));
}

/** Per-net max − min of outputs laid out [N, points]. */
function outputRanges(out: Float64Array, count: number, points: number): number[] {
  const ranges: number[] = [];
  for (let n = 0; n < count; n++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let p = 0; p < points; p++) {
      const v = out[n * points + p];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    ranges.push(hi - lo);
  }
  return ranges;
}

interface ShardCheckpoint {
  epoch: number;
  state: ReturnType<MlpEnsemble['getState']>;
  epochLoss: Float64Array;
  rangeInit: number[];
  constantTrace: { epoch: number; constant: number }[];
  /** Each net's full-data loss before training: the reference of the divergence rule. */
  initialLoss: number[];
}

/**
 * Trains one shard of nets (job function, run by the worker pool). Each net n draws its 3000 (trainPoints)
 * inputs x ~ U[−a, a] and targets f(x), kernels from `initializer` (He normal by default) and zero biases, then all nets run `epochs` epochs
 * of Adam on MSE in minibatches, each in its own shuffled order. Checkpoints at epoch boundaries make a killed
 * run resume with identical numbers.
 */
export const trainDyingShard = defineJob(
  'p3/dying-shard',
  import.meta.url,
  (args: DyingShardArgs, ctx: JobContext): DyingShardResult => {
    const t0 = performance.now();
    const { count, trainPoints: M, epochs } = args;
    const f = targetFunction(args.target);
    const sizes = [1, ...Array.from({ length: args.depth }, () => args.width), 1];
    const ensemble = new MlpEnsemble({
      count,
      sizes,
      activation: args.activation,
      slope: args.slope,
      maxBatch: args.batchSize,
    });
    const streams = Array.from({ length: count }, (_, k) => netStream(args.seed, args.first + k));
    const x = new Float64Array(count * M);
    const y = new Float64Array(count * M);
    streams.forEach((s, k) => {
      const r = s.derive(0);
      for (let p = 0; p < M; p++) {
        const v = r.uniformIn(-args.inputRange, args.inputRange);
        x[k * M + p] = v;
        y[k * M + p] = f(v);
      }
    });
    const grid = dyingGrid(args.inputRange, args.gridPoints);
    const targetRange = Math.max(...grid.map(f)) - Math.min(...grid.map(f));
    const limit = args.tolerance * targetRange;
    const out = new Float64Array(count * args.gridPoints);
    const adam = { ...defaultAdam, learningRate: args.learningRate };

    let epoch0 = 0;
    let epochLoss: Float64Array = new Float64Array(count * epochs);
    let rangeInit: number[];
    let constantTrace: { epoch: number; constant: number }[];
    let initialLoss: number[];
    const countConstant = (ranges: number[]): number => ranges.filter((r) => r <= limit).length;
    const saved = ctx.checkpoints.load<ShardCheckpoint>('state', (v) => {
      const c = v as Partial<ShardCheckpoint>;
      if (!Number.isSafeInteger(c.epoch) || c.epoch! < 0 || c.epoch! > epochs)
        throw new Error(`epoch ${c.epoch}`);
      if (!(c.epochLoss instanceof Float64Array) || c.epochLoss.length !== count * epochs)
        throw new Error('epochLoss is not a Float64Array of count × epochs');
      if (!Array.isArray(c.initialLoss) || c.initialLoss.length !== count)
        throw new Error('no initialLoss per net');
      if (!Array.isArray(c.rangeInit) || c.rangeInit.length !== count)
        throw new Error('no rangeInit per net');
      if (!Array.isArray(c.constantTrace)) throw new Error('no constantTrace');
    });
    if (saved !== undefined) {
      ensemble.setState(saved.state);
      epoch0 = saved.epoch;
      epochLoss = saved.epochLoss;
      rangeInit = saved.rangeInit;
      constantTrace = saved.constantTrace;
      initialLoss = saved.initialLoss;
    } else {
      ensemble.initialize(
        resolveInitializer(args.initializer, 'trainDyingShard'),
        streams.map((s) => s.derive(1)),
      );
      ensemble.predictShared(grid, args.gridPoints, out);
      rangeInit = outputRanges(out, count, args.gridPoints);
      constantTrace = [{ epoch: 0, constant: countConstant(rangeInit) }];
      initialLoss = Array.from(ensemble.evaluate(x, y, M));
      ctx.log?.(0, { collapsedFraction: constantTrace[0].constant / count });
    }
    const index = new Int32Array(count * M);
    const label = `p3/${args.activation} nets ${args.first}–${args.first + count - 1}`;
    for (let epoch = epoch0; epoch < epochs; epoch++) {
      streams.forEach((s, k) => index.set(s.derive(2 + epoch).permutation(M), k * M));
      const loss = ensemble.trainEpoch(x, y, M, index, args.batchSize, adam);
      for (let k = 0; k < count; k++) epochLoss[k * epochs + epoch] = loss[k];
      const done = epoch + 1;
      if (done % args.traceEvery === 0 && done < epochs) {
        ensemble.predictShared(grid, args.gridPoints, out);
        constantTrace.push({
          epoch: done,
          constant: countConstant(outputRanges(out, count, args.gridPoints)),
        });
        ctx.log?.(done, { collapsedFraction: constantTrace[constantTrace.length - 1].constant / count });
      }
      // The ensemble in a few numbers (one series per shard, not per net: 1000 nets stay one curve).
      ctx.log?.(done, {
        medianLoss: quantile(loss, 0.5),
        q10Loss: quantile(loss, 0.1),
        q90Loss: quantile(loss, 0.9),
        learningRate: args.learningRate,
        batchSize: args.batchSize,
      });
      if (done % args.checkpointEvery === 0 && done < epochs) {
        ctx.checkpoints.save<ShardCheckpoint>('state', {
          epoch: done,
          state: ensemble.getState(),
          epochLoss,
          rangeInit,
          constantTrace,
          initialLoss,
        });
      }
      ctx.progress({
        label,
        done,
        total: epochs,
        unit: 'epochs',
        info: `median loss ${quantile(loss, 0.5).toPrecision(3)}`,
      });
    }

    ensemble.predictShared(grid, args.gridPoints, out);
    const rangeFinal = outputRanges(out, count, args.gridPoints);
    constantTrace.push({ epoch: epochs, constant: countConstant(rangeFinal) });
    // collapsedFraction: the share of nets whose output is constant on the grid (born dead or collapsed).
    ctx.log?.(epochs, { collapsedFraction: countConstant(rangeFinal) / count });
    const finalLoss = Array.from(ensemble.evaluate(x, y, M));
    const diverged = divergedNets(args.first, initialLoss, epochLoss, finalLoss, epochs);
    // The nets train in lockstep, so a diverged net is not stopped; it is classified as diverged instead.
    const brokeRule = new Set(diverged.map((d) => d.net - args.first));
    const status: NetStatus[] = rangeFinal.map((r, k) =>
      brokeRule.has(k) ? 'diverged' : r > limit ? 'alive' : rangeInit[k] <= limit ? 'bornDead' : 'collapsed',
    );
    const examples: DyingExample[] = [];
    for (const want of ['collapsed', 'bornDead', 'alive'] as const) {
      const picked = status.flatMap((s, k) => (s === want ? [k] : [])).slice(0, args.examples);
      for (const k of picked) {
        const outputs: number[] = [];
        for (let p = 0; p < args.gridPoints; p += args.exampleStride)
          outputs.push(out[k * args.gridPoints + p]);
        examples.push({ net: args.first + k, status: want, finalLoss: finalLoss[k], outputs });
      }
    }
    return {
      first: args.first,
      rangeInit,
      rangeFinal,
      status,
      finalLoss,
      epochLoss: Array.from(epochLoss),
      constantTrace,
      examples,
      divergedNets: diverged,
      seconds: (performance.now() - t0) / 1000,
    };
  },
);
