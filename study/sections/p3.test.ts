import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { type AnyExperiment, executeExperiment, resolveConfig } from 'nnlab';
import { p3, type P3Config, type P3Result } from '../experiments/p3.js';
import { p3Section, violinDensity } from './p3.js';
import {
  assertFormulasTypeset,
  assertOutputsOnly,
  figuresOf,
  headingsOf,
  markdownOf,
  tablesOf,
} from './testing.js';

test('violinDensity: peak 1 at the mode, Scott bandwidth, floor keeps a spike visible', () => {
  const sample = Array.from({ length: 201 }, (_, i) => (i - 100) / 100);
  const d = violinDensity(sample, -2, 2, 81);
  assert.equal(d.length, 81);
  assert.equal(Math.max(...d.map((r) => r.density)), 1);
  assert.equal(d[40].density, 1);
  assert.ok(d[0].density < 0.01 && d[80].density < 0.01);
  // All values at 1e-12 on a ±1 panel: with the (hi − lo)/300 floor the spike covers the grid point at 0.
  const spike = violinDensity(Array(50).fill(1e-12), -1, 1, 101);
  assert.ok(spike[50].density > 0.99 && spike[49].density < 0.02, `spike ${spike[49].density}`);
});

test('p3Section: parts 3.1–3.4, valid Vega-Lite figures, answers quote the measured numbers', async () => {
  const exp = p3 as unknown as AnyExperiment;
  const config = resolveConfig(exp, { quick: true }) as P3Config;
  const result = (await executeExperiment(exp, config, { seed: 2, workers: 1 })) as P3Result;
  const blocks = p3Section(result);
  const headings = headingsOf(blocks);
  assert.equal(headings[0], p3.title);
  assertOutputsOnly(blocks);
  for (const part of ['3.1', '3.2', '3.3', '3.4'])
    assert.ok(
      headings.some((h) => h.startsWith(part)),
      `missing ${part}`,
    );
  const figures = figuresOf(blocks);
  assert.equal(new Set(figures.map((f) => f.id)).size, figures.length);
  assert.ok(figures.length >= 9);
  for (const f of figures) {
    const vega = compile(f.spec as unknown as TopLevelSpec).spec;
    assert.ok(vega.marks !== undefined && vega.marks.length > 0, f.id);
  }
  const text = markdownOf(blocks);
  const relu = result.dying.runs.find((r) => r.activation === 'relu');
  assert.ok(relu !== undefined);
  assert.ok(
    text.includes(`**${relu.collapsed.count} collapsed**`),
    'the 3.3 answer states the ReLU collapse count',
  );
  assert.ok(text.includes(`${(100 * relu.collapsed.fraction).toFixed(1)}%`));
  assert.ok(!/NaN|undefined/.test(text), 'no NaN/undefined in the text');
  // Every table is rectangular, and the gradient table has a row per RandomNormal run.
  const tables = tablesOf(blocks);
  assert.ok(tables.every((t) => t.rows.every((row) => row.length === t.columns.length)));
  const normals = result.gradients.filter((g) => g.std !== null);
  assert.equal(tables[0].rows.length, normals.length);
  assert.ok(assertFormulasTypeset(blocks) > 0);
});
