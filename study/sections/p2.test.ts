import { test } from 'node:test';
import assert from 'node:assert/strict';
import { p2, summarise, type P2NetKey, type P2Result, type P2Run } from '../experiments/p2.js';
import { p2Nets } from '../experiments/p2/train.js';
import { type Block, describe, type FigureOutput, parseMarkdown, renderSvg, texToSvg } from 'nnlab';
import { p2Section } from './p2.js';

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

function allText(blocks: Block[]): string {
  return blocks.map((b) => (b.kind === 'code' ? b.source : b.text)).join('\n');
}

test('p2Section: a heading per homework part, nnlab code cells, tables and both figures', async () => {
  const r = fakeResult({ original: [0.99, 0.991, 0.989], deep: [0.995, 0.996, 0.994] });
  const blocks = p2Section(r);
  const headings = blocks
    .filter((b) => b.kind === 'heading')
    .map((b) => (b.kind === 'heading' ? b.text : ''));
  for (let part = 1; part <= 8; part++)
    assert.ok(
      headings.some((h) => h.startsWith(`Problem 2.${part} `)),
      `part ${part}`,
    );
  const codes = blocks.filter((b) => b.kind === 'code');
  assert.ok(codes.length >= 7);
  for (const c of codes)
    if (c.kind === 'code' && c.source.includes('import')) assert.match(c.source, /from 'nnlab'/);
  const figures = codes
    .flatMap((c) => (c.kind === 'code' ? c.outputs : []))
    .filter((o): o is FigureOutput => o.kind === 'figure');
  assert.deepEqual(figures.map((f) => f.id).sort(), ['p2-accuracy-comparison', 'p2-tnc-progress']);
  for (const f of figures) {
    const svg = await renderSvg(f.spec);
    assert.match(svg.svg, /<svg/);
    assert.match(JSON.stringify(f.spec), /training-set accuracy \(%\)|function evaluations \(count\)/);
  }
  const text = allText(blocks);
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

/** Every formula of the blocks' Markdown, with whether it is display maths. */
function formulas(blocks: Block[]): { tex: string; display: boolean }[] {
  const out: { tex: string; display: boolean }[] = [];
  for (const b of blocks) {
    if (b.kind !== 'markdown') continue;
    for (const m of parseMarkdown(b.text)) {
      if (m.kind === 'math') out.push({ tex: m.tex, display: true });
      const runs = m.kind === 'paragraph' ? [m.runs] : m.kind === 'list' ? m.items : [];
      for (const r of runs.flat()) if (r.kind === 'math') out.push({ tex: r.tex, display: false });
    }
  }
  return out;
}

test('p2Section: every formula typesets without a MathJax error', async () => {
  const blocks = p2Section(fakeResult({ original: [0.99, 0.991], deep: [0.995, 0.993] }));
  const fs = formulas(blocks);
  assert.ok(fs.length > 10);
  for (const f of fs) assert.equal(texToSvg(f.tex, f.display).error, undefined, f.tex);
});
