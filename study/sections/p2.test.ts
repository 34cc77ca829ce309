import { test } from 'node:test';
import assert from 'node:assert/strict';
import { p2, summarise, type P2NetKey, type P2Result, type P2Run } from '../experiments/p2.js';
import { p2Nets } from '../experiments/p2/train.js';
import { type Block, describe, renderSvg } from 'nnlab';
import { p2Section } from './p2.js';
import {
  assertFormulasTypeset,
  assertOutputsOnly,
  figuresOf,
  headingsOf,
  markdownOf,
  tablesOf,
} from './testing.js';

/** A hand-made result: accuracies acc[net][seed], everything else consistent with them. */
function fakeResult(acc: Record<P2NetKey, number[]>): P2Result {
  const config = { ...p2.defaults };
  const m = 5000;
  const runs: P2Run[] = [];
  for (const net of ['original', 'deep'] as const) {
    acc[net].forEach((a, seedIndex) => {
      runs.push({
        net,
        seedIndex,
        initialCost: 7.1,
        finalCost: 0.3 + seedIndex / 100,
        finalDataCost: 0.2,
        trainAccuracy: a,
        correct: Math.round(a * m),
        nfev: 250,
        nit: 21 + seedIndex,
        status: 3,
        message: 'Max. number of function evaluations reached',
        evalCosts: Array.from({ length: 250 }, (_, i) => 7 / (1 + i / 10)),
        diverged: null,
        seconds: 9,
      });
    });
  }
  const summaries = [summarise(runs, 'original'), summarise(runs, 'deep')];
  const diffs = acc.deep.map((d, i) => d - acc.original[i]);
  const ds = describe(diffs);
  return {
    config: { ...config, seeds: acc.original.length },
    seed: 1,
    data: {
      source: 'MNIST test stand-in',
      m,
      side: 20,
      meanIntensity: 0.13,
      minIntensity: 0,
      maxIntensity: 1,
      perLabel: new Array<number>(10).fill(500),
    },
    backend: 'wasm',
    optimizerNote: 'maxiter meant maxfun.',
    nets: p2Nets(config, 400),
    gradChecks: [
      { net: 'original', lambda: 0, coords: 60, maxAbsErr: 3e-11, maxRelErr: 1e-7 },
      { net: 'deep', lambda: 1, coords: 60, maxAbsErr: 5e-11, maxRelErr: 2e-7 },
    ],
    initialCosts: [
      { net: 'original', unregularised: 7.0, regularised: 7.01 },
      { net: 'deep', unregularised: 6.95, regularised: 6.96 },
    ],
    runs,
    summaries,
    comparison: {
      meanDiff: ds.mean,
      stdDiff: ds.std,
      deepBetter: diffs.filter((d) => d > 0).length,
      originalBetter: diffs.filter((d) => d < 0).length,
      ties: diffs.filter((d) => d === 0).length,
    },
    wallSeconds: 100,
  };
}

/** The markdown of part 2.8 (after its heading). */
function part8(blocks: Block[]): string {
  const i = blocks.findIndex((b) => b.kind === 'heading' && b.text.startsWith('Problem 2.8'));
  return blocks
    .slice(i + 1)
    .map((b) => (b.kind === 'markdown' ? b.text : ''))
    .join('\n');
}

test('p2Section: the parts the notebook shows, their tables and both figures', async () => {
  const r = fakeResult({ original: [0.99, 0.991, 0.989], deep: [0.995, 0.996, 0.994] });
  const blocks = p2Section(r);
  const headings = headingsOf(blocks);
  assert.equal(headings[0], p2.title);
  for (const part of [3, 5, 6, 7, 8])
    assert.ok(
      headings.some((h) => h.startsWith(`Problem 2.${part} `)),
      `part ${part}`,
    );
  assertOutputsOnly(blocks);
  const figures = figuresOf(blocks);
  assert.deepEqual(figures.map((f) => f.id).sort(), ['p2-accuracy-comparison', 'p2-tnc-progress']);
  for (const f of figures) {
    const svg = await renderSvg(f.spec);
    assert.match(svg.svg, /<svg/);
    assert.match(JSON.stringify(f.spec), /training-set accuracy \(%\)|function evaluations \(count\)/);
  }
  // The runs table has a row per run, in net then seed order, with the run's numbers.
  const runs = tablesOf(blocks).find((t) => t.caption.startsWith('Every training run'));
  assert.ok(runs);
  assert.equal(runs.rows.length, r.runs.length);
  assert.deepEqual(
    runs.rows.map((row) => [row[1], row[8]]),
    r.runs.map((x) => [x.seedIndex, `${(100 * x.trainAccuracy).toFixed(2)}%`]),
  );
  // The progress figure plots the experiment's lowest-cost-so-far statistics over the seeds.
  const progress = figures.find((f) => f.id === 'p2-tnc-progress');
  const values = (progress?.spec.data as { values: { mean: number; min: number; max: number }[] }).values;
  const best = r.summaries[0].bestCost;
  assert.equal(values.length, best.mean.length * 2);
  assert.deepEqual(values[9], { ...values[9], mean: best.mean[9], min: best.min[9], max: best.max[9] });
  const text = markdownOf(blocks);
  for (const line of text.split('\n')) if (line.includes('$$')) assert.match(line.trim(), /^\$\$.*\$\$$/);
});

test('p2Section: the comparison sentences follow the numbers', () => {
  const better = part8(
    p2Section(fakeResult({ original: [0.99, 0.991, 0.989, 0.99], deep: [0.995, 0.996, 0.994, 0.9952] })),
  );
  assert.match(better, /accuracy is higher by 0\.50 points \(difference \+0\.50\)/);
  assert.match(better, /better in 4 of 4 runs, worse in 0/);
  assert.match(better, /systematic/);
  const worse = part8(
    p2Section(fakeResult({ original: [0.99, 0.991, 0.989, 0.99], deep: [0.98, 0.992, 0.97, 0.99] })),
  );
  assert.match(worse, /accuracy is lower by 0\.70 points \(difference −0\.70\)/);
  assert.match(worse, /better in 1 of 4 runs, worse in 2, and tied in 1/);
  assert.doesNotMatch(worse, /systematic/);
  const one = part8(p2Section(fakeResult({ original: [0.99], deep: [0.995] })));
  assert.match(one, /With a single seed this is one draw/);
  // The notebook's reference numbers are quoted, and our original-net runs are compared with them.
  assert.match(better, /99\.22% \(4961\/5000\)/);
  assert.match(better, /1 of these 4 runs stops after exactly 21 iterations/);
});

test('p2Section: every formula typesets without a MathJax error', async () => {
  const blocks = p2Section(fakeResult({ original: [0.99, 0.991], deep: [0.995, 0.993] }));
  assert.ok(assertFormulasTypeset(blocks) > 5);
});
