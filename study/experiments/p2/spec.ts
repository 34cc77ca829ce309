/**
 * Config and result of Problem 2 (the ex4 network trained by backprop + TNC, and the homework's deeper
 * variant). Plain JSON, stored by the runner and rendered by src/report/sections/p2.ts.
 */
import type { Divergence, SampleStats } from 'nnlab';

export interface P2Config {
  [k: string]: number | string | number[];
  /** 'mnist-ex4' (the MNIST-derived set, the default) or the path of an ex4data1.mat-style file. */
  dataset: string;
  /** Examples used (0 = all 5000); a subset takes every (m/examples)-th example, so classes stay balanced. */
  examples: number;
  /** Regularisation strength λ (the notebook's variable `learning_rate`, = 1). */
  lambda: number;
  /** TNC's budget of function evaluations (the notebook's options={'maxiter': 250}, which meant maxfun then). */
  maxfun: number;
  /** Independent initialisations (seed index 0..seeds−1) per network. */
  seeds: number;
  /** Initial parameters i.i.d. uniform in [−initEpsilon, initEpsilon) (0.125 in the notebook). */
  initEpsilon: number;
  /** Hidden layer sizes of the original net (logistic hidden units). */
  originalHidden: number[];
  /** Hidden layer sizes of the homework's net. */
  deepHidden: number[];
  /** Steepness k of the homework net's hidden units σ(k·z) (2: the scaled sigmoid). */
  deepHiddenScale: number;
  /** Examples and coordinates of the finite-difference check of backprop at the initial parameters. */
  gradCheckExamples: number;
  gradCheckCoords: number;
}

export type P2NetKey = 'original' | 'deep';

/** One net as trained: architecture and activation. */
export interface P2Net {
  key: P2NetKey;
  label: string;
  sizes: number[];
  hiddenScale: number;
  params: number;
}

/** One training run: one net from one seed's initial parameters. */
export interface P2Run {
  net: P2NetKey;
  seedIndex: number;
  initialCost: number;
  finalCost: number;
  /** Unregularised cross-entropy part of the final cost. */
  finalDataCost: number;
  trainAccuracy: number;
  correct: number;
  nfev: number;
  nit: number;
  status: number;
  message: string;
  /** The cost at every function evaluation, in order (Hessian-vector probes included). */
  evalCosts: number[];
  /**
   * nnlab's divergence rule on the cost TNC ends with (see p2Divergence), or null. TNC accepts only steps that
   * lower the cost, so in practice only a NaN or infinite cost breaks it.
   */
  diverged: Divergence | null;
  seconds: number;
}

/** Backprop against central differences at the initial parameters, for λ = 0 and λ. */
export interface P2GradCheck {
  net: P2NetKey;
  lambda: number;
  coords: number;
  maxAbsErr: number;
  maxRelErr: number;
}

/** Mean, sample std, min, max over seeds (src/util/stats.ts). */
type P2Stats = SampleStats;

export interface P2Summary {
  net: P2NetKey;
  accuracy: P2Stats;
  finalCost: P2Stats;
  nfev: P2Stats;
  nit: P2Stats;
  /** Runs of this net that diverged: left out of every statistic here. */
  divergedRuns: number;
  /** Runs per TNC status code. */
  statusCounts: { status: number; message: string; count: number }[];
  /**
   * The lowest regularised cost reached after 1, 2, … function evaluations (index e − 1 for e evaluations):
   * mean, min and max over the seeds. A run that stopped early keeps its last lowest cost.
   */
  bestCost: { mean: number[]; min: number[]; max: number[] };
}

export interface P2Result {
  config: P2Config;
  seed: number;
  data: {
    source: string;
    m: number;
    side: number;
    meanIntensity: number;
    minIntensity: number;
    maxIntensity: number;
    perLabel: number[];
  };
  /** The kernel backend of the matrix products ('wasm' or 'reference'); the last digits of costs depend on it. */
  backend: string;
  /** How the notebook's `maxiter` maps onto TNC's evaluation budget. */
  optimizerNote: string;
  nets: P2Net[];
  gradChecks: P2GradCheck[];
  /** Both versions of the cost at seed index 0's initial parameters, on the whole data set. */
  initialCosts: { net: P2NetKey; unregularised: number; regularised: number }[];
  runs: P2Run[];
  summaries: P2Summary[];
  /** Paired comparison over seeds: accuracy(deep) − accuracy(original) for the same seed index. */
  comparison: { meanDiff: number; stdDiff: number; deepBetter: number; originalBetter: number; ties: number };
  wallSeconds: number;
}

/** The published numbers of the original notebook (400-25-10, λ = 1, TNC, 250 evaluations, ex4data1.mat). */
export const P2_REFERENCE = {
  accuracy: 0.9922,
  correct: 4961,
  finalCost: 0.339,
  nfev: 250,
  nit: 21,
  status: 3,
} as const;

export const p2Defaults: P2Config = {
  dataset: 'mnist-ex4',
  examples: 0,
  lambda: 1,
  maxfun: 250,
  seeds: 10,
  initEpsilon: 0.125,
  originalHidden: [25],
  deepHidden: [20, 20],
  deepHiddenScale: 2,
  gradCheckExamples: 20,
  gradCheckCoords: 60,
};

export const p2Quick: Partial<P2Config> = { examples: 1000, maxfun: 30, seeds: 2, gradCheckCoords: 20 };

export const p2Fields = [
  {
    name: 'dataset',
    description:
      "'mnist-ex4' (MNIST-derived ex4 set) or the path of an ex4data1.mat-style MAT file (X m×400, y m×1)",
  },
  { name: 'examples', description: 'examples used (0 = all); a subset takes every (m/examples)-th one' },
  { name: 'lambda', description: 'regularisation λ (the notebook calls it learning_rate)' },
  { name: 'maxfun', description: "TNC's budget of function evaluations (the notebook's maxiter: 250)" },
  { name: 'seeds', description: 'independent initialisations per network' },
  { name: 'initEpsilon', description: 'initial parameters uniform in [−ε, ε)' },
  { name: 'originalHidden', description: 'hidden layer sizes of the original (logistic) net' },
  { name: 'deepHidden', description: "hidden layer sizes of the homework's net" },
  { name: 'deepHiddenScale', description: "k of the homework net's hidden σ(k·z) (2 = scaled sigmoid)" },
  { name: 'gradCheckExamples', description: 'examples in the finite-difference check of backprop' },
  { name: 'gradCheckCoords', description: 'parameters checked by finite differences per net and λ' },
];

/** The problems of a config (empty when valid). */
export function validateP2(c: P2Config): string[] {
  const errs: string[] = [];
  const posInt = (name: string, v: number, min = 1): void => {
    if (!Number.isInteger(v) || v < min) errs.push(`${name} must be an integer ≥ ${min}, got ${v}`);
  };
  if (c.dataset === '') errs.push("dataset must be 'mnist-ex4' or a path to a .mat file");
  if (c.examples !== 0) posInt('examples', c.examples, 10);
  if (!(c.lambda >= 0)) errs.push(`lambda must be ≥ 0, got ${c.lambda}`);
  posInt('maxfun', c.maxfun);
  posInt('seeds', c.seeds);
  if (!(c.initEpsilon > 0)) errs.push(`initEpsilon must be > 0, got ${c.initEpsilon}`);
  for (const [name, h] of [
    ['originalHidden', c.originalHidden],
    ['deepHidden', c.deepHidden],
  ] as const) {
    if (h.length === 0 || h.some((u) => !Number.isInteger(u) || u < 1))
      errs.push(`${name} must be a non-empty list of positive integers, got [${h.join(', ')}]`);
  }
  if (!(c.deepHiddenScale > 0)) errs.push(`deepHiddenScale must be > 0, got ${c.deepHiddenScale}`);
  posInt('gradCheckExamples', c.gradCheckExamples);
  posInt('gradCheckCoords', c.gradCheckCoords);
  return errs;
}
