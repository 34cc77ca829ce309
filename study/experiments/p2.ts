/**
 * Problem 2: the ex4 network (400-25-10, logistic units) and the homework's 400-20-20-10 network with scaled
 * sigmoid hidden units σ̂(z) = 1/(1 + e^(−2z)) (output layer: logistic σ, so the cost is the same binary
 * cross-entropy), both trained on the same data with the notebook's hyperparameters: λ = 1, TNC with a budget
 * of 250 function evaluations, parameters initialised uniformly in [−0.125, 0.125). Each seed index gives
 * both nets a fresh initialisation, so accuracies compare as distributions; seeds run as pool jobs.
 */
import { describe, type Experiment, getBackend, idxFiles, Rng, type RunContext } from 'nnlab';
import { Ex4Network, initParams } from './p2/network.js';
import {
  p2Defaults,
  p2Fields,
  p2Quick,
  validateP2,
  type P2Config,
  type P2GradCheck,
  type P2NetKey,
  type P2Result,
  type P2Run,
  type P2Summary,
} from './p2/spec.js';
import { initRng, p2Data, p2Nets, specOf, subsetEx4, trainP2Seed, type P2JobArgs } from './p2/train.js';

export * from './p2/spec.js';

/**
 * Backprop's gradient against central differences (h = 1e−5) at fresh initial parameters, on
 * `gradCheckExamples` examples (spread over the classes), for `gradCheckCoords` random coordinates, without and with λ.
 */
function gradChecks(config: P2Config, seed: number): P2GradCheck[] {
  const data = subsetEx4(p2Data(config), config.gradCheckExamples);
  const out: P2GradCheck[] = [];
  const rng = new Rng(seed).derive(1_000_003);
  for (const net of p2Nets(config, data.side * data.side)) {
    const model = new Ex4Network(specOf(net), data.X, data.y);
    try {
      const p = initParams(specOf(net), rng, config.initEpsilon);
      const coords = Array.from({ length: config.gradCheckCoords }, () => rng.int(p.length));
      for (const lambda of [0, config.lambda]) {
        const { grad } = model.backprop(p, lambda);
        let maxAbsErr = 0;
        let maxRelErr = 0;
        for (const i of coords) {
          const keep = p[i];
          p[i] = keep + 1e-5;
          const fp = model.cost(p, lambda);
          p[i] = keep - 1e-5;
          const fm = model.cost(p, lambda);
          p[i] = keep;
          const fd = (fp - fm) / 2e-5;
          const err = Math.abs(fd - grad[i]);
          maxAbsErr = Math.max(maxAbsErr, err);
          maxRelErr = Math.max(maxRelErr, err / Math.max(Math.abs(fd) + Math.abs(grad[i]), 1e-12));
        }
        out.push({ net: net.key, lambda, coords: coords.length, maxAbsErr, maxRelErr });
      }
    } finally {
      model.dispose();
    }
  }
  return out;
}

/** Per-net statistics over the seeds' runs, and how many runs ended with each TNC status. */
export function summarise(runs: P2Run[], net: P2NetKey): P2Summary {
  const all = runs.filter((r) => r.net === net);
  const rs = all.filter((r) => (r.diverged ?? null) === null);
  const counts = new Map<number, { message: string; count: number }>();
  for (const r of rs)
    counts.set(r.status, { message: r.message, count: (counts.get(r.status)?.count ?? 0) + 1 });
  return {
    net,
    accuracy: describe(rs.map((r) => r.trainAccuracy)),
    finalCost: describe(rs.map((r) => r.finalCost)),
    nfev: describe(rs.map((r) => r.nfev)),
    nit: describe(rs.map((r) => r.nit)),
    divergedRuns: all.length - rs.length,
    statusCounts: [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([status, v]) => ({ status, ...v })),
    bestCost: bestCost(rs),
  };
}

/** Running minimum of each run's cost over its evaluations, summarised over the runs (ordered by seed index). */
function bestCost(runs: P2Run[]): P2Summary['bestCost'] {
  const curves = [...runs]
    .sort((a, b) => a.seedIndex - b.seedIndex)
    .map((run) => {
      let best = Infinity;
      return run.evalCosts.map((c) => (best = Math.min(best, c)));
    });
  const out: P2Summary['bestCost'] = { mean: [], min: [], max: [] };
  const len = Math.max(0, ...curves.map((c) => c.length));
  for (let e = 0; e < len; e++) {
    const col = curves.map((c) => c[Math.min(e, c.length - 1)]);
    out.mean.push(col.reduce((a, b) => a + b, 0) / col.length);
    out.min.push(Math.min(...col));
    out.max.push(Math.max(...col));
  }
  return out;
}

async function runP2(config: P2Config, seed: number, ctx: RunContext): Promise<P2Result> {
  const t0 = performance.now();
  const data = p2Data(config);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of data.X) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const perLabel = new Array<number>(10).fill(0);
  for (const k of data.y) perLabel[k - 1]++;
  const checks = gradChecks(config, seed);
  const initialCosts = p2Nets(config, data.side * data.side).map((net) => {
    const model = new Ex4Network(specOf(net), data.X, data.y);
    try {
      const x0 = initParams(specOf(net), initRng(seed, 0, net.key), config.initEpsilon);
      return { net: net.key, unregularised: model.cost(x0, 0), regularised: model.cost(x0, config.lambda) };
    } finally {
      model.dispose();
    }
  });
  const tasks = Array.from({ length: config.seeds }, (_, i) => ({
    key: `p2/seed ${i}`,
    args: { config, seed, seedIndex: i } satisfies P2JobArgs,
  }));
  const runs = (await ctx.runJobs(trainP2Seed, tasks)).flat();
  const diffs: number[] = [];
  let deepBetter = 0;
  let originalBetter = 0;
  let ties = 0;
  for (let i = 0; i < config.seeds; i++) {
    const a = runs.find((r) => r.net === 'original' && r.seedIndex === i);
    const b = runs.find((r) => r.net === 'deep' && r.seedIndex === i);
    if (!a || !b) throw new Error(`p2: seed index ${i} is missing a run`);
    if (a.diverged !== null || b.diverged !== null) continue; // paired: both nets or neither
    diffs.push(b.trainAccuracy - a.trainAccuracy);
    if (b.correct > a.correct) deepBetter++;
    else if (b.correct < a.correct) originalBetter++;
    else ties++;
  }
  const d = describe(diffs);
  return {
    config,
    seed,
    data: {
      source: data.source,
      m: data.m,
      side: data.side,
      meanIntensity: sum / data.X.length,
      minIntensity: min,
      maxIntensity: max,
      perLabel,
    },
    backend: getBackend().name,
    optimizerNote:
      `The notebook calls minimize(..., method='TNC', jac=True, options={'maxiter': 250}); scipy's TNC then read maxiter as ` +
      `the maximum number of function evaluations (today's maxfun), so this run gives TNC maxfun = ${config.maxfun} evaluations. ` +
      `Each Hessian-vector product of the truncated-Newton inner loop costs one evaluation, on top of the line search's, so ` +
      `the number of outer iterations (nit) is a small fraction of the evaluations.`,
    nets: p2Nets(config, data.side * data.side),
    gradChecks: checks,
    initialCosts,
    runs,
    summaries: [summarise(runs, 'original'), summarise(runs, 'deep')],
    comparison: { meanDiff: d.mean, stdDiff: d.std, deepBetter, originalBetter, ties },
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

export const p2: Experiment<P2Config, P2Result> = {
  id: 'p2',
  title: 'Problem 2 — Neural network training and backpropagation',
  defaults: p2Defaults,
  quick: p2Quick,
  fields: p2Fields,
  validate: validateP2,
  // The default data set is built from MNIST; a .mat file given by path is checked when it is read.
  dataFiles: (c) => (c.dataset === 'mnist-ex4' ? idxFiles('mnist') : []),
  run: runP2,
};
