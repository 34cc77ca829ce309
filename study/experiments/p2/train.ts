/**
 * Problem 2's unit of work: for one seed index, train the original and the homework's net from their own
 * uniform initialisations with TNC on the regularised cost, exactly as the notebook calls scipy:
 * minimize(backprop, x0, method='TNC', jac=True, options={maxfun}). A job of the worker pool.
 */
import {
  breaksBound,
  defineJob,
  type Divergence,
  divergenceBound,
  type Ex4Data,
  type JobContext,
  loadEx4,
  minimize,
  Rng,
} from 'nnlab';
import { Ex4Network, initParams, type NetSpec } from './network.js';
import type { P2Config, P2Net, P2NetKey, P2Run } from './spec.js';

/** The two nets of a config: original (logistic hidden units) and the homework's (σ(k·z) hidden units). */
export function p2Nets(config: P2Config, inputs: number): P2Net[] {
  const make = (key: P2NetKey, hidden: number[], hiddenScale: number, label: string): P2Net => {
    const sizes = [inputs, ...hidden, 10];
    let params = 0;
    for (let l = 0; l + 1 < sizes.length; l++) params += sizes[l + 1] * (sizes[l] + 1);
    return { key, label, sizes, hiddenScale, params };
  };
  return [
    make(
      'original',
      config.originalHidden,
      1,
      `${[inputs, ...config.originalHidden, 10].join('-')} (logistic hidden)`,
    ),
    make(
      'deep',
      config.deepHidden,
      config.deepHiddenScale,
      `${[inputs, ...config.deepHidden, 10].join('-')} (σ(${config.deepHiddenScale}z) hidden)`,
    ),
  ];
}

export function specOf(net: P2Net): NetSpec {
  return { sizes: net.sizes, hiddenScale: net.hiddenScale };
}

/** Every (m/examples)-th example (all when examples is 0 or ≥ m): balanced classes for ex4's sorted blocks. */
export function subsetEx4(d: Ex4Data, examples: number): Ex4Data {
  if (examples === 0 || examples >= d.m) return d;
  const stride = d.m / examples;
  const n = d.side * d.side;
  const X = new Float64Array(examples * n);
  const y = new Uint8Array(examples);
  for (let i = 0; i < examples; i++) {
    const src = Math.floor(i * stride);
    X.set(d.X.subarray(src * n, (src + 1) * n), i * n);
    y[i] = d.y[src];
  }
  return { X, y, m: examples, side: d.side, source: `${d.source}; every ${stride}-th of ${d.m} examples` };
}

let cache: { key: string; data: Ex4Data } | null = null;

/** The data of a config, loaded once per thread (jobs of one run share it). */
export function p2Data(config: P2Config): Ex4Data {
  const key = `${config.dataset}\u0000${config.examples}`;
  if (cache === null || cache.key !== key)
    cache = { key, data: subsetEx4(loadEx4(config.dataset), config.examples) };
  return cache.data;
}

/** The Rng of one net's initialisation: run seed → seed index → net (0 original, 1 deep). */
export function initRng(seed: number, seedIndex: number, net: P2NetKey): Rng {
  return new Rng(seed).derive(seedIndex).derive(net === 'original' ? 0 : 1);
}

/**
 * nnlab's divergence rule applied to a TNC run: it diverged when the cost it ends with, `finalCost`, is NaN,
 * ±∞ or above 10 × its first evaluated cost (TNC's cost only falls, so the final cost is its lowest).
 */
export function p2Divergence(
  evalCosts: readonly number[],
  finalCost: number,
  nit: number,
): Divergence | null {
  const bound = divergenceBound(evalCosts[0] ?? null);
  if (!breaksBound(finalCost, bound)) return null;
  const finite = evalCosts.filter(Number.isFinite);
  return {
    epoch: nit,
    iteration: evalCosts.length,
    loss: finalCost,
    bound,
    lastFiniteLoss: finite.length > 0 ? finite[finite.length - 1] : null,
    message: `TNC ended with cost ${finalCost} after ${evalCosts.length} evaluations (bound ${bound.toPrecision(3)})`,
  };
}

/** Trains one net from one seed's initial parameters; returns its measured run. */
function trainNet(
  config: P2Config,
  data: Ex4Data,
  net: P2Net,
  seed: number,
  seedIndex: number,
  ctx?: JobContext,
): P2Run {
  const t0 = performance.now();
  const model = new Ex4Network(specOf(net), data.X, data.y);
  try {
    const x0 = initParams(specOf(net), initRng(seed, seedIndex, net.key), config.initEpsilon);
    const evalCosts: number[] = [];
    const label = `p2/${net.key} seed ${seedIndex}`;
    const r = minimize(
      (x) => {
        const out = model.backprop(x, config.lambda);
        evalCosts.push(out.cost);
        // One series per net ("evaluation" stream, step = TNC function evaluation).
        ctx?.log?.(evalCosts.length, { [`${net.key}/cost`]: out.cost }, 'evaluation');
        if (ctx && evalCosts.length % 10 === 0) {
          ctx.progress({
            label,
            done: evalCosts.length,
            total: config.maxfun,
            unit: 'evaluations',
            info: `cost ${out.cost.toFixed(4)}`,
          });
        }
        return out;
      },
      x0,
      { method: 'TNC', jac: true, maxfun: config.maxfun },
    );
    const correct = Math.round(model.accuracy(r.x, data.y) * data.m);
    return {
      net: net.key,
      seedIndex,
      initialCost: evalCosts[0],
      finalCost: r.fun,
      finalDataCost: model.cost(r.x, 0),
      trainAccuracy: correct / data.m,
      correct,
      nfev: r.nfev,
      nit: r.nit,
      status: r.status,
      message: r.message,
      evalCosts,
      diverged: p2Divergence(evalCosts, r.fun, r.nit),
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    model.dispose();
  }
}

export interface P2JobArgs {
  config: P2Config;
  seed: number;
  seedIndex: number;
}

/** Job: both nets for one seed index (checkpointed as a whole: a resumed run skips finished seeds). */
export const trainP2Seed = defineJob(
  'p2/train-seed',
  import.meta.url,
  (args: P2JobArgs, ctx: JobContext): P2Run[] => {
    // A checkpoint of another shape (one run per net, each with its net and seed) is quarantined and redone.
    const nets = p2Nets(args.config, 1).length;
    const done = ctx.checkpoints.load<P2Run[]>('runs', (v) => {
      if (!Array.isArray(v) || v.length !== nets) throw new Error(`expected a list of ${nets} runs`);
      for (const r of v as Partial<P2Run>[])
        if (
          typeof r?.net !== 'string' ||
          r.seedIndex !== args.seedIndex ||
          typeof r.trainAccuracy !== 'number'
        )
          throw new Error('a run without its net, seed index or accuracy');
    });
    if (done !== undefined) return done;
    const data = p2Data(args.config);
    const runs = p2Nets(args.config, data.side * data.side).map((net) =>
      trainNet(args.config, data, net, args.seed, args.seedIndex, ctx),
    );
    ctx.checkpoints.save('runs', runs);
    return runs;
  },
);
