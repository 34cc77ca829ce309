import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countDiverged, executeExperiment, type AnyExperiment } from 'nnlab';
import { p2, P2_REFERENCE, summarise, validateP2, type P2Config, type P2Result, type P2Run } from './p2.js';
import { initRng, p2Divergence, p2Nets, subsetEx4 } from './p2/train.js';
import { initParams, NET_ORIGINAL } from './p2/network.js';

const fixture = (name: string): string =>
  new URL(`../../../src/data/fixtures/${name}`, import.meta.url).pathname;

test('p2 defaults are the notebook settings, and validate names bad values', () => {
  assert.equal(p2.defaults.lambda, 1);
  assert.equal(p2.defaults.maxfun, P2_REFERENCE.nfev);
  assert.equal(p2.defaults.initEpsilon, 0.125);
  assert.deepEqual(p2.defaults.originalHidden, [25]);
  assert.deepEqual(p2.defaults.deepHidden, [20, 20]);
  assert.equal(p2.defaults.deepHiddenScale, 2);
  assert.deepEqual(validateP2(p2.defaults), []);
  const errs = validateP2({ ...p2.defaults, maxfun: 0, deepHidden: [], lambda: -1 });
  assert.equal(errs.length, 3, errs.join('; '));
  const nets = p2Nets(p2.defaults, 400);
  assert.deepEqual(
    nets.map((n) => n.params),
    [10285, 8650],
  );
});

test('initialisation: uniform in [−ε, ε), seeded, different per seed index and net', () => {
  const a = initParams(NET_ORIGINAL, initRng(1, 0, 'original'));
  const b = initParams(NET_ORIGINAL, initRng(1, 0, 'original'));
  const c = initParams(NET_ORIGINAL, initRng(1, 1, 'original'));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a.every((v) => v >= -0.125 && v < 0.125));
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(Math.abs(mean) < 0.005, `mean ${mean}`);
});

test('subsetEx4 keeps classes balanced on ex4-ordered data', () => {
  const m = 100;
  const d = {
    X: new Float64Array(m * 4),
    y: Uint8Array.from({ length: m }, (_, i) => 1 + Math.floor(i / 10)),
    m,
    side: 2,
    source: 't',
  };
  const s = subsetEx4(d, 20);
  const counts = new Array<number>(11).fill(0);
  for (const k of s.y) counts[k]++;
  assert.deepEqual(counts.slice(1), new Array<number>(10).fill(2));
});

async function quickRun(overrides: Partial<P2Config>): Promise<P2Result> {
  const config = { ...p2.defaults, ...p2.quick, ...overrides } as P2Config;
  return (await executeExperiment(p2 as unknown as AnyExperiment, config, {
    seed: 3,
    workers: 1,
  })) as P2Result;
}

test('p2 quick run: both nets train, TNC stops on its evaluation budget, gradients check out', async () => {
  const r = await quickRun({});
  assert.equal(r.data.m, 1000);
  assert.deepEqual(r.data.perLabel, new Array<number>(10).fill(100));
  assert.equal(r.runs.length, 2 * r.config.seeds);
  for (const g of r.gradChecks) assert.ok(g.maxAbsErr < 1e-8, `${g.net} λ=${g.lambda}: ${g.maxAbsErr}`);
  for (const run of r.runs) {
    assert.ok(
      run.finalCost < run.initialCost,
      `${run.net} ${run.seedIndex}: ${run.finalCost} vs ${run.initialCost}`,
    );
    // At small initial weights every output is near 1/2, so the cost starts near 10·log 2 ≈ 6.93.
    assert.ok(Math.abs(run.initialCost - 10 * Math.LN2) < 1, `initial cost ${run.initialCost}`);
    assert.equal(run.status, 3, run.message);
    assert.ok(run.nfev >= r.config.maxfun && run.nfev <= r.config.maxfun + 1);
    assert.equal(run.evalCosts.length, run.nfev);
    // 30 evaluations are only a few TNC iterations, but already well above chance (0.10).
    assert.ok(run.trainAccuracy > 0.15, `${run.net}: accuracy ${run.trainAccuracy}`);
    assert.equal(run.correct, Math.round(run.trainAccuracy * r.data.m));
    assert.ok(run.finalDataCost <= run.finalCost);
  }
  // The first run starts from the parameters the initial costs were measured at.
  for (const ic of r.initialCosts) {
    const run0 = r.runs.find((x) => x.net === ic.net && x.seedIndex === 0);
    assert.ok(run0);
    assert.ok(Math.abs(run0.initialCost - ic.regularised) < 1e-12 * ic.regularised);
    assert.ok(ic.unregularised < ic.regularised);
  }
  const s = r.summaries.find((x) => x.net === 'original');
  assert.ok(s);
  assert.equal(s.accuracy.n, r.config.seeds);
  const c = r.comparison;
  assert.equal(c.deepBetter + c.originalBetter + c.ties, r.config.seeds);
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
});

test('p2 runs on a user MAT file and is deterministic in its seed', async () => {
  const overrides = {
    dataset: fixture('ex4-small.mat'),
    examples: 0,
    seeds: 1,
    maxfun: 8,
    gradCheckExamples: 10,
    gradCheckCoords: 5,
  };
  const a = await quickRun(overrides);
  const b = await quickRun(overrides);
  assert.equal(a.data.m, 12);
  assert.equal(a.data.source, fixture('ex4-small.mat'));
  assert.deepEqual(
    a.runs.map((r) => r.evalCosts),
    b.runs.map((r) => r.evalCosts),
  );
});

test('summarise: the lowest cost so far over the seeds, a run that stopped early keeping its last best', () => {
  const run = (seedIndex: number, evalCosts: number[]): P2Run => ({
    net: 'deep',
    seedIndex,
    initialCost: evalCosts[0],
    finalCost: Math.min(...evalCosts),
    finalDataCost: 0,
    trainAccuracy: 0.9,
    correct: 900,
    nfev: evalCosts.length,
    nit: 1,
    status: 3,
    message: 'Max. number of function evaluations reached',
    evalCosts,
    diverged: null,
    seconds: 1,
  });
  const s = summarise([run(1, [5, 6, 3, 4]), run(0, [7, 2])], 'deep');
  assert.deepEqual(s.bestCost, { mean: [6, 3.5, 2.5, 2.5], min: [5, 2, 2, 2], max: [7, 5, 3, 3] });
});

test('p2 under the divergence rule: a NaN or exploded final cost is recorded and left out of the statistics', () => {
  assert.equal(p2Divergence([7, 5, 3], 3, 2), null);
  const nan = p2Divergence([7, 5, NaN], NaN, 2);
  assert.ok(nan !== null && Number.isNaN(nan.loss) && nan.lastFiniteLoss === 5 && nan.bound === 70);
  assert.equal(p2Divergence([7, 80], 71, 1)?.bound, 70);
  assert.ok(p2Divergence([NaN], NaN, 0)?.lastFiniteLoss === null, 'no finite cost at all');
  const run = (seedIndex: number, acc: number, diverged: boolean): P2Run => ({
    net: 'deep',
    seedIndex,
    initialCost: 7,
    finalCost: diverged ? NaN : 0.3,
    finalDataCost: 0.2,
    trainAccuracy: acc,
    correct: acc * 100,
    nfev: 3,
    nit: 2,
    status: 3,
    message: '',
    evalCosts: [7, 5, diverged ? NaN : 0.3],
    diverged: diverged ? p2Divergence([7, 5, NaN], NaN, 2) : null,
    seconds: 1,
  });
  const s = summarise([run(0, 0.9, false), run(1, 0.1, true), run(2, 0.8, false)], 'deep');
  assert.equal(s.divergedRuns, 1);
  assert.equal(s.accuracy.n, 2);
  assert.ok(Math.abs(s.accuracy.mean - 0.85) < 1e-12);
  assert.ok(s.bestCost.mean.every(Number.isFinite), 'no NaN from the diverged run');
  // The summary line counts runs, not the summary's count of them.
  assert.deepEqual(countDiverged({ runs: [run(0, 0.9, false), run(1, 0.1, true)], summaries: [s] }), {
    runs: 2,
    diverged: 1,
    unit: 'runs',
  });
});
