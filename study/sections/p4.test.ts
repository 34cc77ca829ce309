import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { P4Config, P4Result, P4Run, P4Variant } from '../experiments/p4-spec.js';
import { p4, p4Defaults, summariseP4 } from '../experiments/p4.js';
import { describe, renderSvg, Rng } from 'nnlab';
import { compareSentence, p4Section, sharedDomain, zoomDomain } from './p4.js';
import { assertOutputsOnly, figuresOf, headingsOf, markdownOf, tablesOf } from './testing.js';

/** A synthetic result: accuracy rising towards `final` per variant, seeds jittered, BN params random. */
function fakeP4Result(finals: Partial<Record<P4Variant, number>>, seeds = 3, epochs = 4): P4Result {
  const rng = new Rng(11);
  const config: P4Config = { ...p4Defaults, epochs, seeds, variants: Object.keys(finals) };
  const runs: P4Run[] = [];
  const seedList = Array.from({ length: seeds }, (_, i) => 1 + i);
  for (const s of seedList) {
    for (const [variant, final] of Object.entries(finals) as [P4Variant, number][]) {
      const acc = (e: number, off: number): number => final + off - 0.02 / (e + 1) + 0.0005 * rng.normal();
      const ep = Array.from({ length: epochs }, (_, i) => i + 1);
      const bnLayers =
        variant === 'dropout' || variant === 'plain' ? [] : ['conv1', 'conv2', 'dense1', 'dense2'];
      if (variant === 'bn-input' || variant === 'bn-dropout') bnLayers.unshift('input');
      const width: Record<string, number> = { input: 1, conv1: 6, conv2: 16, dense1: 120, dense2: 84 };
      runs.push({
        variant,
        seed: s,
        epoch: ep,
        trainAccuracy: ep.map((e) => acc(e, 0.005)),
        testAccuracy: ep.map((e) => acc(e, 0)),
        trainLoss: ep.map((e) => 0.3 / e),
        testLoss: ep.map((e) => 0.3 / e + 0.01),
        runningAccuracy: ep.map((e) => acc(e, -0.002)),
        runningLoss: ep.map((e) => 0.35 / e),
        epochSeconds: ep.map(() => 10),
        bn: bnLayers.map((layer) => ({
          layer,
          gamma: Array.from({ length: width[layer] }, () => rng.normal(1, 0.1)),
          beta: Array.from({ length: width[layer] }, () => rng.normal(0, 0.05)),
        })),
        parameters: 61706,
        finalTestAccuracy: acc(epochs, 0),
        wallSeconds: 10 * epochs,
        diverged: null,
      });
    }
  }
  return {
    config,
    seeds: seedList,
    inputMean: 0.1307,
    inputStd: 0.3081,
    runs,
    summary: summariseP4(runs, config.variants),
    wallSeconds: 100,
  };
}

test('p4Section has the homework parts and the requested figures', () => {
  const r = fakeP4Result({ 'std-bn': 0.99, 'bn-input': 0.99, dropout: 0.985, 'bn-dropout': 0.988 });
  const blocks = p4Section(r);
  const headings = headingsOf(blocks);
  assert.equal(headings[0], p4.title);
  assertOutputsOnly(blocks);
  for (const part of ['4.2', '4.3', '4.4', '4.5'])
    assert.ok(
      headings.some((h) => h.startsWith(part)),
      part,
    );
  const ids = figuresOf(blocks).map((f) => f.id);
  assert.deepEqual(ids, [
    'p4-2-gamma-violins',
    'p4-2-beta-violins',
    'p4-3-gamma-violins',
    'p4-3-beta-violins',
    'p4-3-accuracy',
    'p4-3-loss',
    'p4-4-accuracy',
    'p4-5-accuracy',
  ]);
});

test('curve panels share one explicit y domain that contains every plotted value', () => {
  const r = fakeP4Result({ 'std-bn': 0.99, 'bn-input': 0.97, dropout: 0.95, 'bn-dropout': 0.98 });
  for (const f of figuresOf(p4Section(r)).filter((x) => !x.id.includes('violin'))) {
    const spec = f.spec as {
      data: { values: { min: number; max: number; mean: number; panel: string }[] };
      spec: { layer: { encoding: { y: { scale: { domain: [number, number] } } } }[] };
      resolve: { scale: { y: string } };
    };
    assert.equal(spec.resolve.scale.y, 'shared');
    const domains = spec.spec.layer.map((l) => l.encoding.y.scale.domain);
    for (const d of domains) assert.deepEqual(d, domains[0]);
    const [lo, hi] = domains[0];
    for (const v of spec.data.values)
      assert.ok(v.min >= lo && v.max <= hi, `${f.id}: ${v.min}..${v.max} outside ${lo}..${hi}`);
    assert.ok(new Set(spec.data.values.map((v) => v.panel)).size >= 2, f.id);
  }
});

test('sharedDomain rounds accuracy down to 0.5 % and caps at 100; loss starts at 0', () => {
  assert.deepEqual(sharedDomain([{ min: 97.3, max: 99.9 }], 'accuracy'), [97, 100]);
  assert.deepEqual(sharedDomain([{ min: 90.8, max: 95.1 }], 'accuracy'), [90.5, 96]);
  const [lo, hi] = sharedDomain([{ min: 0.02, max: 0.31 }], 'loss');
  assert.equal(lo, 0);
  assert.ok(hi >= 0.31 * 1.05 && hi < 0.36, `${hi}`);
});

test('compareSentence calls a gap within the seed spread no clear difference', () => {
  const close = fakeP4Result({ 'std-bn': 0.99, 'bn-input': 0.9901 });
  assert.match(compareSentence(close, 'bn-input', 'std-bn'), /no clear difference/);
  const far = fakeP4Result({ 'std-bn': 0.99, dropout: 0.97 });
  assert.match(
    compareSentence(far, 'dropout', 'std-bn'),
    /\*\*standardised input \+ hidden BN\*\* is better/,
  );
  assert.deepEqual(describe([1, 2, 3]), { mean: 2, std: 1, min: 1, max: 3, n: 3 });
});

test('a run without some variants skips their parts', () => {
  const r = fakeP4Result({ 'std-bn': 0.99 }, 1);
  const blocks = p4Section(r);
  assert.deepEqual(
    figuresOf(blocks).map((f) => f.id),
    ['p4-2-gamma-violins', 'p4-2-beta-violins'],
  );
  assert.ok(blocks.some((b) => b.kind === 'markdown' && b.text.includes('was not part of this run')));
});

test('every figure compiles and renders to SVG', async () => {
  const r = fakeP4Result({ 'std-bn': 0.99, 'bn-input': 0.99, dropout: 0.985, 'bn-dropout': 0.988 }, 2);
  for (const f of figuresOf(p4Section(r))) {
    const svg = await renderSvg(f.spec);
    assert.ok(svg.width > 200 && svg.height > 150, `${f.id}: ${svg.width}×${svg.height}`);
  }
});

test('a slow starter gets a zoomed copy of its accuracy figure, on one shared clipped scale', () => {
  const r = fakeP4Result({ 'bn-input': 0.99, dropout: 0.985, 'bn-dropout': 0.988 }, 2, 10);
  // Make BN + dropout start at 76 %: the shared scale then spans 75.5 … 100.
  for (const run of r.runs.filter((x) => x.variant === 'bn-dropout')) run.testAccuracy[0] = 0.76;
  r.summary = summariseP4(r.runs, r.config.variants);
  const zoom = zoomDomain(r, ['bn-input', 'dropout', 'bn-dropout']);
  assert.ok(zoom !== null && zoom[0] >= 97 && zoom[1] === 100, `${zoom}`);
  const ids = figuresOf(p4Section(r)).map((f) => f.id);
  assert.ok(ids.includes('p4-5-accuracy') && ids.includes('p4-5-accuracy-zoom'), ids.join(', '));
  assert.ok(!ids.includes('p4-3-accuracy-zoom'));
  assert.equal(zoomDomain(fakeP4Result({ 'bn-input': 0.99 }, 1, 10), ['bn-input']), null);
});

test("the summary table's rows are the experiment's statistics over the seeds", () => {
  const r = fakeP4Result({ 'std-bn': 0.99, dropout: 0.97 }, 3);
  const table = tablesOf(p4Section(r)).find((t) => t.caption.startsWith('Final (epoch'));
  assert.ok(table);
  assert.equal(table.rows.length, 2);
  for (const [i, v] of (['std-bn', 'dropout'] as const).entries()) {
    const finals = r.runs
      .filter((x) => x.variant === v)
      .map((x) => x.testAccuracy[x.testAccuracy.length - 1]);
    const d = describe(finals);
    assert.equal(table.rows[i][2], `${(100 * d.mean).toFixed(2)}% ± ${(100 * d.std).toFixed(2)}`);
    assert.equal(table.rows[i][3], `${(100 * d.min).toFixed(2)}% … ${(100 * d.max).toFixed(2)}%`);
  }
});

test('the BN observations quote the pooled γ and β of every layer', () => {
  const r = fakeP4Result({ 'std-bn': 0.99 }, 2);
  const text = markdownOf(p4Section(r));
  for (const layer of ['conv1', 'conv2', 'dense1', 'dense2']) {
    const g = describe(r.runs.flatMap((x) => x.bn.find((b) => b.layer === layer)?.gamma ?? []));
    assert.ok(text.includes(`${layer}: γ ${g.mean.toFixed(3)} ± ${g.std.toFixed(3)}`), layer);
  }
  assert.match(text, /6 after conv1, 16 after conv2, 120 after dense1, 84 after dense2/);
});
