/**
 * Problem 3's configuration and result types (without the engines, so the report can import them cheaply).
 */
import type { Config, ConfigField } from 'nnlab';
import {
  dyingTargets,
  type DivergedNet,
  type DyingExample,
  type DyingTarget,
  type NetStatus,
} from './dying.js';
import type { Summary } from './stats.js';

export interface P3Config extends Config {
  // 3.1/3.2: gradients at initialisation on the ball set.
  ballPoints: number;
  ballDims: number;
  ballRadiusFraction: number;
  gradHiddenLayers: number;
  gradUnits: number;
  gradActivations: string[];
  gradStds: number[];
  gradSamples: number;
  gradTrainEpochs: number;
  gradTrainBatchSize: number;
  gradTrainLearningRate: number;
  // 3.3/3.4: dying ReLU.
  nets: number;
  depth: number;
  width: number;
  trainPoints: number;
  inputRange: number;
  target: string;
  initializer: string;
  batchSize: number;
  epochs: number;
  learningRate: number;
  dyingActivations: string[];
  leakySlope: number;
  gridPoints: number;
  collapseTolerance: number;
  shardSize: number;
  checkpointEvery: number;
  traceEvery: number;
  fitTolerance: number;
  examples: number;
  exampleStride: number;
}

export const p3Defaults: P3Config = {
  ballPoints: 1000,
  ballDims: 10,
  ballRadiusFraction: 0.5,
  gradHiddenLayers: 5,
  gradUnits: 100,
  gradActivations: ['tanh', 'sigmoid'],
  gradStds: [0.01, 0.1, 1.0],
  gradSamples: 500,
  gradTrainEpochs: 20,
  gradTrainBatchSize: 32,
  gradTrainLearningRate: 0.01,
  nets: 1000,
  depth: 10,
  width: 2,
  trainPoints: 3000,
  inputRange: Math.sqrt(7),
  target: 'abs',
  initializer: 'heNormal',
  batchSize: 64,
  epochs: 200,
  learningRate: 1e-3,
  dyingActivations: ['relu', 'leakyRelu'],
  leakySlope: 0.01,
  gridPoints: 1001,
  collapseTolerance: 1e-3,
  shardSize: 125,
  checkpointEvery: 10,
  traceEvery: 5,
  fitTolerance: 0.01,
  examples: 3,
  exampleStride: 5,
};

export const p3Quick: Partial<P3Config> = {
  ballPoints: 200,
  gradUnits: 20,
  gradSamples: 50,
  gradTrainEpochs: 2,
  nets: 40,
  epochs: 3,
  shardSize: 20,
  checkpointEvery: 1,
  traceEvery: 1,
};

export const p3Fields: ConfigField[] = [
  { name: 'ballPoints', description: 'points of the ball set (3.1/3.2)' },
  { name: 'ballDims', description: 'dimension of the ball set' },
  { name: 'ballRadiusFraction', description: 'label = |Σ x_j| > fraction·radius' },
  { name: 'gradHiddenLayers', description: 'hidden Dense layers of the gradient study (5)' },
  { name: 'gradUnits', description: 'units per hidden layer of the gradient study (100)' },
  { name: 'gradActivations', description: "activations of the gradient study ('tanh', 'sigmoid')" },
  { name: 'gradStds', description: 'RandomNormal standard deviations of the gradient study (3.1)' },
  { name: 'gradSamples', description: 'quantile points kept per layer for the gradient violins' },
  {
    name: 'gradTrainEpochs',
    description: 'epochs of SGD after which the gradients are measured again (0 = only at init)',
  },
  { name: 'gradTrainBatchSize', description: 'minibatch size of that training' },
  {
    name: 'gradTrainLearningRate',
    description: "SGD learning rate of that training (Keras' 'sgd' default 0.01)",
  },
  { name: 'nets', description: 'independent nets per activation (3.3/3.4)' },
  { name: 'depth', description: 'hidden layers of each dying-ReLU net' },
  { name: 'width', description: 'units per hidden layer of each dying-ReLU net' },
  { name: 'trainPoints', description: 'training points per net, x ~ U[−inputRange, inputRange]' },
  { name: 'inputRange', description: 'half-width a of the input interval [−a, a] (√7)' },
  {
    name: 'target',
    description: `target function: ${dyingTargets.join(' | ')} (|x|, x·sin 5x, 1{x>0} + 0.2 sin 5x)`,
  },
  {
    name: 'initializer',
    description: "kernel initialiser of the dying-ReLU nets (biases zero), e.g. 'heNormal'",
  },
  { name: 'batchSize', description: 'minibatch size' },
  { name: 'epochs', description: 'training epochs per net (Adam, MSE)' },
  { name: 'learningRate', description: 'Adam learning rate' },
  { name: 'dyingActivations', description: "activations compared ('relu', 'leakyRelu')" },
  { name: 'leakySlope', description: 'leaky ReLU slope for z ≤ 0' },
  { name: 'gridPoints', description: 'dense grid over [−a, a] for the constant-function test' },
  {
    name: 'collapseTolerance',
    description: 'constant when max−min of the output ≤ tolerance·(max−min of the target) on the grid',
  },
  { name: 'shardSize', description: 'nets per worker job (a checkpointed unit)' },
  { name: 'checkpointEvery', description: 'epochs between checkpoints of a shard' },
  { name: 'traceEvery', description: 'epochs between counts of constant nets during training' },
  {
    name: 'fitTolerance',
    description: 'a net fits well when its final MSE ≤ fitTolerance·(variance of the target)',
  },
  { name: 'examples', description: 'example fits kept per status (collapsed, born dead, alive)' },
  { name: 'exampleStride', description: 'keep every k-th grid point of an example fit' },
];

const GRAD_ACTIVATIONS = ['tanh', 'sigmoid'];
const DYING_ACTIVATIONS = ['relu', 'leakyRelu'];
const INITIALIZERS = ['heNormal', 'heUniform', 'glorotNormal', 'glorotUniform', 'lecunNormal'];

export function validateP3(c: P3Config): string[] {
  const errors: string[] = [];
  const positiveInt = (name: keyof P3Config, min = 1): void => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      errors.push(`${name} must be an integer ≥ ${min}, got ${String(v)}`);
  };
  for (const k of [
    'ballPoints',
    'ballDims',
    'gradHiddenLayers',
    'gradUnits',
    'nets',
    'depth',
    'width',
    'trainPoints',
    'batchSize',
    'epochs',
    'shardSize',
    'checkpointEvery',
    'traceEvery',
    'exampleStride',
  ] as const)
    positiveInt(k);
  positiveInt('gradSamples', 2);
  positiveInt('gradTrainEpochs', 0);
  positiveInt('gradTrainBatchSize');
  positiveInt('gridPoints', 2);
  positiveInt('examples', 0);
  for (const k of [
    'ballRadiusFraction',
    'inputRange',
    'learningRate',
    'collapseTolerance',
    'fitTolerance',
    'gradTrainLearningRate',
  ] as const) {
    if (!(c[k] > 0) || !Number.isFinite(c[k])) errors.push(`${k} must be a positive number, got ${c[k]}`);
  }
  if (!(c.leakySlope > 0 && c.leakySlope < 1))
    errors.push(`leakySlope must be in (0, 1), got ${c.leakySlope}`);
  if (c.gradStds.some((s) => !(s > 0)))
    errors.push(`gradStds must be positive, got [${c.gradStds.join(', ')}]`);
  for (const a of c.gradActivations)
    if (!GRAD_ACTIVATIONS.includes(a))
      errors.push(`gradActivations: unknown "${a}" (${GRAD_ACTIVATIONS.join(', ')})`);
  for (const a of c.dyingActivations)
    if (!DYING_ACTIVATIONS.includes(a))
      errors.push(`dyingActivations: unknown "${a}" (${DYING_ACTIVATIONS.join(', ')})`);
  if (!(dyingTargets as readonly string[]).includes(c.target))
    errors.push(`target must be one of ${dyingTargets.join(', ')}, got "${c.target}"`);
  if (!INITIALIZERS.includes(c.initializer))
    errors.push(`initializer must be one of ${INITIALIZERS.join(', ')}, got "${c.initializer}"`);
  return errors;
}

/** One hidden layer's kernel gradient dLoss/dW at initialisation. */
export interface P3GradientLayer {
  layer: string;
  fanIn: number;
  fanOut: number;
  /** Std of the layer's initial kernel (the drawn weights). */
  weightStd: number;
  /** Std of the layer's outputs (activations) on the full batch at initialisation. */
  activationStd: number;
  summary: Summary;
  /** quantileSample(all fanIn·fanOut gradient values, gradSamples) for the violins. */
  quantiles: number[];
}

export interface P3GradientRun {
  activation: 'tanh' | 'sigmoid';
  initializer: 'randomNormal' | 'glorotNormal';
  /** RandomNormal std; null for Glorot (its std per layer is √(2/(fanIn+fanOut))). */
  std: number | null;
  label: string;
  /** Binary cross-entropy at initialisation (mean over the full batch). */
  loss: number;
  layers: P3GradientLayer[];
  /** The same after `epochs` epochs of minibatch SGD (null when gradTrainEpochs = 0). */
  trained: { epochs: number; trainLoss: number[]; loss: number; layers: Summary[] } | null;
}

export interface P3BallInfo {
  points: number;
  dims: number;
  radius: number;
  positiveFraction: number;
}

export interface P3Fraction {
  count: number;
  fraction: number;
  /** 95% Wilson interval. */
  ci: [number, number];
}

export interface P3DyingRun {
  activation: 'relu' | 'leakyRelu';
  slope: number;
  /** Nets trained. */
  nets: number;
  /** Nets that did not diverge: the denominator of every fraction below. */
  counted: number;
  /**
   * Constant at initialisation by the grid test. For ReLU this is Lu et al.'s "born dead" (the output is
   * exactly constant); a leaky-ReLU net is never exactly constant but can start nearly flat (each layer whose
   * units are all negative scales the output by the slope), and then it counts here too.
   */
  bornDead: P3Fraction;
  /** Nets whose output range on the grid at initialisation is exactly 0. */
  exactlyConstantAtInit: number;
  /** Constant after training (born dead or died during training): the homework's "collapse". */
  collapsed: P3Fraction;
  /** Not constant at initialisation but constant after training. */
  collapsedDuringTraining: P3Fraction;
  alive: P3Fraction;
  /** Alive nets with final MSE ≤ fitTolerance·Var(target): the ones that learned the function, not only a part of it. */
  fitWell: P3Fraction;
  /** Fraction of all nets (diverged ones included) that are constant after epoch e (0, traceEvery, …, epochs). */
  constantTrace: { epoch: number; fraction: number }[];
  status: NetStatus[];
  finalLoss: number[];
  /** Per net: max − min of the output on the grid at initialisation and after training. */
  rangeInit: number[];
  rangeFinal: number[];
  /** The constant-function threshold: collapseTolerance·(max − min of the target on the grid). */
  rangeLimit: number;
  /** Median and 10%/90% quantiles of the epoch loss of the alive nets (and of the collapsed ones), per epoch. */
  lossCurve: {
    epoch: number;
    aliveMedian: number | null;
    aliveQ10: number | null;
    aliveQ90: number | null;
    collapsedMedian: number | null;
  }[];
  /** Median final loss of alive and of collapsed nets (NaN → null when there are none). */
  aliveMedianLoss: number | null;
  collapsedMedianLoss: number | null;
  examples: DyingExample[];
  /** Wall-clock seconds the shard jobs of this activation ran, summed over the jobs. */
  cpuSeconds: number;
  /**
   * Nets that broke nnlab's divergence rule (an epoch loss NaN, ∞ or > 10× the net's initial loss), or null
   * when none did. Such a net has status 'diverged' and is left out of every fraction (see `counted`).
   */
  diverged: { nets: number; first: DivergedNet; message: string } | null;
}

export interface P3Result {
  config: P3Config;
  seed: number;
  ball: P3BallInfo;
  gradients: P3GradientRun[];
  dying: {
    target: DyingTarget;
    /** The grid the example outputs are given on (every exampleStride-th point) and the target on it. */
    exampleGrid: number[];
    exampleTarget: number[];
    /** Variance of the target over the input interval (on the grid): the MSE of the best constant fit. */
    targetVariance: number;
    theory: { width: number; depth: number; lower: number; upper: number };
    runs: P3DyingRun[];
    /** Worker threads and wall time of all dying-ReLU shards together. */
    workers: number;
    wallSeconds: number;
  };
  wallSeconds: number;
}
