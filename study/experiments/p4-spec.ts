/**
 * Problem 4's configuration, result types and the variant table: everything the report needs, without the
 * training engine (src/experiments/p4.ts runs the jobs).
 */
import { type Config, type ConfigField, describe, type SampleStats } from 'nnlab';

/** The homework's parts 4.2–4.5, plus an optional unregularised baseline. */
export type P4Variant = 'std-bn' | 'bn-input' | 'dropout' | 'bn-dropout' | 'plain';

export interface P4VariantSpec {
  /** Homework part that asks for it ('' for the extra baseline). */
  part: string;
  label: string;
  /** Input scaling before the network: standardised with the training set's mean/std, or x/255. */
  input: 'standardize' | 'unit';
  inputBatchNorm: boolean;
  hiddenBatchNorm: boolean;
  dropout: boolean;
}

export const P4_VARIANTS: Record<P4Variant, P4VariantSpec> = {
  'std-bn': {
    part: '4.2',
    label: 'standardised input + hidden BN',
    input: 'standardize',
    inputBatchNorm: false,
    hiddenBatchNorm: true,
    dropout: false,
  },
  'bn-input': {
    part: '4.3',
    label: 'BN on input + hidden BN',
    input: 'unit',
    inputBatchNorm: true,
    hiddenBatchNorm: true,
    dropout: false,
  },
  dropout: {
    part: '4.4',
    label: 'dropout, no BN',
    input: 'standardize',
    inputBatchNorm: false,
    hiddenBatchNorm: false,
    dropout: true,
  },
  'bn-dropout': {
    part: '4.5',
    label: 'BN everywhere + dropout',
    input: 'unit',
    inputBatchNorm: true,
    hiddenBatchNorm: true,
    dropout: true,
  },
  plain: {
    part: '',
    label: 'plain (standardised, no BN, no dropout)',
    input: 'standardize',
    inputBatchNorm: false,
    hiddenBatchNorm: false,
    dropout: false,
  },
};

export interface P4Config extends Config {
  variants: string[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  momentum: number;
  /** Number of seeds; run seed s trains seeds s, s+1, …, s+seeds−1 (each shared by all variants). */
  seeds: number;
  inputDropout: number;
  hiddenDropout: number;
  activation: string;
  pooling: string;
  /** Training images used (the first ones of the file; 60000 = all). */
  trainCount: number;
  testCount: number;
  /** Training images (the first ones) evaluated in inference mode after each epoch for the train curves. */
  trainEvalCount: number;
}

/** One batch-norm layer's learned parameters, one value per channel (conv) or unit (dense). */
export interface P4BnLayer {
  /** 'input', 'conv1', 'conv2', 'dense1', 'dense2': the layer the BN follows (normalises). */
  layer: string;
  gamma: number[];
  beta: number[];
}

/** The curves and learned parameters of one variant trained from one seed. */
export interface P4Run {
  variant: P4Variant;
  seed: number;
  /** Epoch numbers 1..E; the arrays below have one entry per epoch. */
  epoch: number[];
  /** Loss and accuracy on the first trainEvalCount training images, in inference mode, after the epoch. */
  trainLoss: number[];
  trainAccuracy: number[];
  /** Mean loss and accuracy over the epoch's minibatches in training mode (dropout active, batch statistics). */
  runningLoss: number[];
  runningAccuracy: number[];
  testLoss: number[];
  testAccuracy: number[];
  /** Seconds each epoch took (training plus the two evaluations). */
  epochSeconds: number[];
  bn: P4BnLayer[];
  /** Trainable parameters of the network (BN moving statistics excluded). */
  parameters: number;
  finalTestAccuracy: number;
  wallSeconds: number;
}

export interface P4Result {
  config: P4Config;
  seeds: number[];
  /** Training-set pixel statistics on the x/255 scale used to standardise. */
  inputMean: number;
  inputStd: number;
  runs: P4Run[];
  /** Across-seed statistics of each variant that ran, in the order of config.variants. */
  summary: P4VariantSummary[];
  wallSeconds: number;
}

/** Statistics over the seeds of one variant's runs ("final" is the last epoch). */
export interface P4VariantSummary {
  variant: P4Variant;
  finalTestAccuracy: SampleStats;
  /** Test accuracy after the first epoch. */
  firstTestAccuracy: SampleStats;
  /** Inference-mode accuracy on the training images. */
  finalTrainAccuracy: SampleStats;
  /** The last epoch's average training-mode accuracy (dropout on, batch statistics). */
  finalRunningAccuracy: SampleStats;
  finalTestLoss: SampleStats;
  /** Mean over seeds of the epoch (1-based) with the lowest test loss. */
  bestLossEpoch: number;
  /** Mean over seeds of (final test loss − lowest test loss) / lowest test loss. */
  lossRise: number;
  /** Mean over seeds of the last epoch's inference-mode minus training-mode accuracy on training images. */
  modeGap: number;
  wallSeconds: SampleStats;
  /** Per epoch (index e − 1, up to the shortest run), the statistics of each curve over the seeds. */
  curves: Record<'trainAccuracy' | 'testAccuracy' | 'trainLoss' | 'testLoss', SampleStats[]>;
  /** Per BN layer (in the network's order): γ and β pooled over channels and seeds. */
  bn: { layer: string; channels: number; gamma: SampleStats; beta: SampleStats }[];
}

/** The across-seed statistics of every variant in `variants` that has runs. */
export function summariseP4(runs: P4Run[], variants: readonly string[]): P4VariantSummary[] {
  const last = (xs: number[]): number => xs[xs.length - 1];
  const out: P4VariantSummary[] = [];
  for (const variant of variants as P4Variant[]) {
    const rs = runs.filter((r) => r.variant === variant);
    if (rs.length === 0) continue;
    const epochs = Math.min(...rs.map((r) => r.epoch.length));
    const curve = (get: (r: P4Run) => number[]): SampleStats[] =>
      Array.from({ length: epochs }, (_, e) => describe(rs.map((r) => get(r)[e])));
    const lowest = (r: P4Run): number => Math.min(...r.testLoss);
    out.push({
      variant,
      finalTestAccuracy: describe(rs.map((r) => last(r.testAccuracy))),
      firstTestAccuracy: describe(rs.map((r) => r.testAccuracy[0])),
      finalTrainAccuracy: describe(rs.map((r) => last(r.trainAccuracy))),
      finalRunningAccuracy: describe(rs.map((r) => last(r.runningAccuracy))),
      finalTestLoss: describe(rs.map((r) => last(r.testLoss))),
      bestLossEpoch: describe(rs.map((r) => r.testLoss.indexOf(lowest(r)) + 1)).mean,
      lossRise: describe(rs.map((r) => (last(r.testLoss) - lowest(r)) / lowest(r))).mean,
      modeGap: describe(rs.map((r) => last(r.trainAccuracy) - last(r.runningAccuracy))).mean,
      wallSeconds: describe(rs.map((r) => r.wallSeconds)),
      curves: {
        trainAccuracy: curve((r) => r.trainAccuracy),
        testAccuracy: curve((r) => r.testAccuracy),
        trainLoss: curve((r) => r.trainLoss),
        testLoss: curve((r) => r.testLoss),
      },
      bn: rs[0].bn.map(({ layer, gamma }) => {
        const pooled = (param: 'gamma' | 'beta'): number[] =>
          rs.flatMap((r) => r.bn.find((b) => b.layer === layer)?.[param] ?? []);
        return {
          layer,
          channels: gamma.length,
          gamma: describe(pooled('gamma')),
          beta: describe(pooled('beta')),
        };
      }),
    });
  }
  return out;
}

export interface P4JobArgs {
  config: P4Config;
  variant: P4Variant;
  seed: number;
}

export const p4Defaults: P4Config = {
  variants: ['std-bn', 'bn-input', 'dropout', 'bn-dropout'],
  epochs: 10,
  batchSize: 128,
  learningRate: 0.1,
  momentum: 0,
  seeds: 3,
  inputDropout: 0.2,
  hiddenDropout: 0.5,
  activation: 'relu',
  pooling: 'max',
  trainCount: 60000,
  testCount: 10000,
  trainEvalCount: 10000,
};

export const p4Fields: ConfigField[] = [
  { name: 'variants', description: `variants to train, of ${Object.keys(P4_VARIANTS).join(', ')}` },
  { name: 'epochs', description: 'training epochs per variant' },
  { name: 'batchSize', description: 'minibatch size' },
  { name: 'learningRate', description: 'SGD learning rate, the same for every variant' },
  { name: 'momentum', description: 'SGD momentum (0 = plain SGD)' },
  { name: 'seeds', description: 'independent seeds per variant (seed, seed+1, …)' },
  { name: 'inputDropout', description: 'dropout rate on the input (dropout variants)' },
  { name: 'hiddenDropout', description: 'dropout rate after each hidden layer (dropout variants)' },
  { name: 'activation', description: "hidden activation: 'relu' or 'tanh'" },
  { name: 'pooling', description: "LeNet-5 subsampling: 'max' or 'avg' (average)" },
  { name: 'trainCount', description: 'training images used (first N of the 60,000)' },
  { name: 'testCount', description: 'test images used (first N of the 10,000)' },
  { name: 'trainEvalCount', description: 'training images evaluated in inference mode after each epoch' },
];

/** Problems with a config, one message each (empty when valid). */
export function validateP4(c: P4Config): string[] {
  const errs: string[] = [];
  const posInt = (name: keyof P4Config, max = Infinity): void => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
      errs.push(`${String(name)} must be an integer in 1..${max}, got ${JSON.stringify(v)}`);
    }
  };
  if (!Array.isArray(c.variants) || c.variants.length === 0) errs.push('variants must be a non-empty list');
  else {
    for (const v of c.variants) {
      if (typeof v !== 'string' || !(v in P4_VARIANTS)) errs.push(`unknown variant ${JSON.stringify(v)}`);
    }
    if (new Set(c.variants).size !== c.variants.length) errs.push('variants must not repeat');
  }
  posInt('epochs');
  posInt('batchSize');
  posInt('seeds');
  posInt('trainCount', 60000);
  posInt('testCount', 10000);
  posInt('trainEvalCount', c.trainCount);
  if (!(c.learningRate > 0)) errs.push(`learningRate must be > 0, got ${c.learningRate}`);
  if (!(c.momentum >= 0 && c.momentum < 1)) errs.push(`momentum must be in [0, 1), got ${c.momentum}`);
  for (const k of ['inputDropout', 'hiddenDropout'] as const) {
    if (!(c[k] >= 0 && c[k] < 1)) errs.push(`${k} must be in [0, 1), got ${c[k]}`);
  }
  if (c.activation !== 'relu' && c.activation !== 'tanh')
    errs.push(`activation must be 'relu' or 'tanh', got ${c.activation}`);
  if (c.pooling !== 'max' && c.pooling !== 'avg')
    errs.push(`pooling must be 'max' or 'avg', got ${c.pooling}`);
  return errs;
}
