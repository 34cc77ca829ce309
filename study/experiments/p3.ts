/**
 * Problem 3: weight initialisation, vanishing gradients and dying ReLU.
 * - 3.1/3.2: per-layer kernel gradients at initialisation of the 5×100 DeepReplay MLP on the ball set, for
 *   tanh and sigmoid under RandomNormal(σ) and Glorot normal (cheap: run on this thread).
 * - 3.3/3.4: `nets` independent deep, narrow nets per activation (ReLU, leaky ReLU), trained in lockstep
 *   shards on the worker pool (trainDyingShard), each classified born dead / collapsed / alive.
 */
import {
  type EnsembleActivation,
  type Experiment,
  type InitializerName,
  type JobTask,
  makeBall,
  Rng,
  type RunContext,
} from 'nnlab';
import {
  dyingGrid,
  trainDyingShard,
  targetFunction,
  type DyingShardArgs,
  type DyingShardResult,
  type DyingTarget,
  type NetStatus,
} from './p3/dying.js';
import { gradientStudy } from './p3/gradients.js';
import {
  p3Defaults,
  p3Fields,
  p3Quick,
  validateP3,
  type P3Config,
  type P3DyingRun,
  type P3Fraction,
  type P3GradientRun,
  type P3Result,
} from './p3/spec.js';
import { bornDeadBounds, quantile, wilsonInterval } from './p3/stats.js';

export * from './p3/spec.js';

/** Population variance of the target's values on the grid. */
function targetVariance(values: number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
}

/** count of n with its 95% Wilson interval; with no nets to count (all diverged) the fraction is NaN, the interval [0, 1]. */
function fraction(count: number, n: number): P3Fraction {
  return n === 0
    ? { count, fraction: NaN, ci: [0, 1] }
    : { count, fraction: count / n, ci: wilsonInterval(count, n) };
}

/** The shard jobs of one activation: nets first…first+shardSize−1, each a checkpointed unit. */
export function dyingJobs(
  config: P3Config,
  seed: number,
  activation: EnsembleActivation,
): JobTask<DyingShardArgs>[] {
  const jobs: JobTask<DyingShardArgs>[] = [];
  for (let first = 0; first < config.nets; first += config.shardSize) {
    const base = {
      seed,
      activation,
      slope: activation === 'leakyRelu' ? config.leakySlope : 0,
      first,
      count: Math.min(config.shardSize, config.nets - first),
      depth: config.depth,
      width: config.width,
      initializer: config.initializer as InitializerName,
      trainPoints: config.trainPoints,
      inputRange: config.inputRange,
      target: config.target as DyingTarget,
      batchSize: config.batchSize,
      epochs: config.epochs,
      learningRate: config.learningRate,
      gridPoints: config.gridPoints,
      tolerance: config.collapseTolerance,
      examples: config.examples,
      exampleStride: config.exampleStride,
      checkpointEvery: config.checkpointEvery,
      traceEvery: config.traceEvery,
    };
    jobs.push({ key: `p3/${activation}/nets-${first}-${first + base.count - 1}`, args: base });
  }
  return jobs;
}

/** The diverged nets of one activation's shards, as its run records them (null when none diverged). */
function dyingDivergence(shards: DyingShardResult[], nets: number): P3DyingRun['diverged'] {
  const all = shards.flatMap((s) => s.divergedNets ?? []);
  if (all.length === 0) return null;
  const d = all[0];
  return {
    nets: all.length,
    first: d,
    message:
      `${all.length} of ${nets} nets diverged; the first, net ${d.net}, had loss ${d.loss.toPrecision(3)} ` +
      `in epoch ${d.epoch + 1} (bound ${d.bound.toPrecision(3)} = 10 × its initial loss)`,
  };
}

/**
 * Merges the shards of one activation into the reported fractions, loss curves and examples. A net that
 * broke the divergence rule is counted apart: every fraction is over the nets that did not diverge.
 */
export function summariseDying(
  config: P3Config,
  activation: EnsembleActivation,
  shards: DyingShardResult[],
): P3DyingRun {
  const status: NetStatus[] = shards.flatMap((s) => s.status);
  const finalLoss = shards.flatMap((s) => s.finalLoss);
  const rangeInit = shards.flatMap((s) => s.rangeInit);
  const counted = status.flatMap((s, k) => (s === 'diverged' ? [] : [k]));
  const n = counted.length;
  const count = (p: (s: NetStatus, k: number) => boolean): number => status.filter(p).length;
  const targetGrid = dyingGrid(config.inputRange, config.gridPoints).map(
    targetFunction(config.target as DyingTarget),
  );
  const variance = targetVariance(targetGrid);
  const limit = config.collapseTolerance * (Math.max(...targetGrid) - Math.min(...targetGrid));
  const E = config.epochs;
  const epochLoss = (k: number, e: number): number => {
    const shard = shards.find((s) => k >= s.first && k < s.first + s.status.length) as DyingShardResult;
    return shard.epochLoss[(k - shard.first) * E + e];
  };
  const alive = status.flatMap((s, k) => (s === 'alive' ? [k] : []));
  const dead = status.flatMap((s, k) => (s === 'bornDead' || s === 'collapsed' ? [k] : []));
  const q = (v: number[], p: number): number | null => (v.length === 0 ? null : quantile(v, p));
  const lossCurve = Array.from({ length: E }, (_, e) => {
    const a = alive.map((k) => epochLoss(k, e));
    const c = dead.map((k) => epochLoss(k, e));
    return {
      epoch: e + 1,
      aliveMedian: q(a, 0.5),
      aliveQ10: q(a, 0.1),
      aliveQ90: q(a, 0.9),
      collapsedMedian: q(c, 0.5),
    };
  });
  const examples = (['collapsed', 'bornDead', 'alive'] as const).flatMap((want) =>
    shards.flatMap((s) => s.examples.filter((x) => x.status === want)).slice(0, config.examples),
  );
  return {
    activation,
    slope: activation === 'leakyRelu' ? config.leakySlope : 0,
    nets: status.length,
    counted: n,
    bornDead: fraction(counted.filter((k) => rangeInit[k] <= limit).length, n),
    exactlyConstantAtInit: counted.filter((k) => rangeInit[k] === 0).length,
    collapsed: fraction(dead.length, n),
    collapsedDuringTraining: fraction(
      count((s) => s === 'collapsed'),
      n,
    ),
    alive: fraction(alive.length, n),
    fitWell: fraction(alive.filter((k) => finalLoss[k] <= config.fitTolerance * variance).length, n),
    constantTrace: shards[0].constantTrace.map((t, i) => ({
      epoch: t.epoch,
      fraction: shards.reduce((sum, sh) => sum + sh.constantTrace[i].constant, 0) / status.length,
    })),
    status,
    finalLoss,
    rangeInit,
    rangeFinal: shards.flatMap((s) => s.rangeFinal),
    rangeLimit: limit,
    lossCurve,
    aliveMedianLoss: q(
      alive.map((k) => finalLoss[k]),
      0.5,
    ),
    collapsedMedianLoss: q(
      dead.map((k) => finalLoss[k]),
      0.5,
    ),
    examples,
    cpuSeconds: shards.reduce((t, sh) => t + sh.seconds, 0),
    diverged: dyingDivergence(shards, status.length),
  };
}

async function runP3(config: P3Config, seed: number, ctx: RunContext): Promise<P3Result> {
  const t0 = performance.now();
  // 3.1/3.2 on this thread: 8 full-batch gradient evaluations of a 10→100⁵→1 MLP and a few epochs of SGD
  // each take seconds.
  const ball = makeBall(new Rng(seed).derive(1), {
    dims: config.ballDims,
    points: config.ballPoints,
    radiusFraction: config.ballRadiusFraction,
  });
  const modelSeed = new Rng(seed).derive(2).nextUint32();
  const settings = config.gradActivations.flatMap((activation) =>
    [...config.gradStds.map((std): number | null => std), null].map((std) => ({ activation, std })),
  );
  const gradients: P3GradientRun[] = [];
  for (const [i, { activation, std }] of settings.entries()) {
    ctx.progress({ label: 'p3/gradients', done: i, total: settings.length, unit: 'models' });
    const run = await gradientStudy(ball, {
      activation: activation as 'tanh' | 'sigmoid',
      std,
      hiddenLayers: config.gradHiddenLayers,
      units: config.gradUnits,
      seed: modelSeed,
      samples: config.gradSamples,
      trainEpochs: config.gradTrainEpochs,
      trainBatchSize: config.gradTrainBatchSize,
      trainLearningRate: config.gradTrainLearningRate,
    });
    gradients.push(run);
  }
  ctx.progress({ label: 'p3/gradients', done: settings.length, total: settings.length, unit: 'models' });

  // 3.3/3.4: all shards of all activations in one batch, so the pool stays busy.
  const activations = config.dyingActivations as EnsembleActivation[];
  const jobsByActivation = activations.map((a) => dyingJobs(config, seed, a));
  const tDying = performance.now();
  const results = await ctx.runJobs(trainDyingShard, jobsByActivation.flat());
  const wall = (performance.now() - tDying) / 1000;
  let offset = 0;
  const runs = activations.map((a, i) => {
    const shards = results.slice(offset, offset + jobsByActivation[i].length);
    offset += jobsByActivation[i].length;
    return summariseDying(config, a, shards);
  });
  const exampleGrid = dyingGrid(config.inputRange, config.gridPoints).filter(
    (_, p) => p % config.exampleStride === 0,
  );
  const f = targetFunction(config.target as DyingTarget);
  return {
    config,
    seed,
    ball: {
      points: ball.points,
      dims: ball.dims,
      radius: ball.radius,
      positiveFraction: ball.y.reduce((s, v) => s + v, 0) / ball.points,
    },
    gradients,
    dying: {
      target: config.target as DyingTarget,
      exampleGrid,
      exampleTarget: exampleGrid.map(f),
      targetVariance: targetVariance(dyingGrid(config.inputRange, config.gridPoints).map(f)),
      theory: { width: config.width, depth: config.depth, ...bornDeadBounds(config.width, config.depth) },
      runs,
      workers: ctx.workers,
      wallSeconds: wall,
    },
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

export const p3: Experiment<P3Config, P3Result> = {
  id: 'p3',
  title: 'Problem 3 — Weight initialisation, dead neurons, leaky ReLU',
  defaults: p3Defaults,
  quick: p3Quick,
  fields: p3Fields,
  validate: validateP3,
  run: runP3,
  // 3.3/3.4 count nets, not activations: "4 of 2000 nets diverged".
  countDiverged: (r) => ({
    runs: r.dying.runs.reduce((n, run) => n + run.nets, 0),
    diverged: r.dying.runs.reduce((n, run) => n + (run.diverged?.nets ?? 0), 0),
    unit: 'nets',
  }),
};
