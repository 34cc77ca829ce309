import { test } from 'node:test';
import assert from 'node:assert/strict';
import { p1, type P1Config, type P1Result } from '../experiments/p1.js';
import { p1Section } from './p1.js';
import { assertFormulasTypeset, assertOutputsOnly, headingsOf, markdownOf, tablesOf } from './testing.js';

const ctx = {
  workers: 1,
  runJobs: async () => [],
  progress: () => {},
  checkpoints: { load: () => undefined, save: () => {} },
};

async function quickResult(): Promise<P1Result> {
  return p1.run({ ...p1.defaults, ...p1.quick } as P1Config, 1, ctx);
}

test('p1Section: the title, the verification tables of every case, outputs only', async () => {
  const r = await quickResult();
  const blocks = p1Section(r);
  assert.deepEqual(headingsOf(blocks), [p1.title, 'Numerical verification']);
  assertOutputsOnly(blocks);
  const tables = tablesOf(blocks);
  assert.equal(tables.length, 2);
  assert.equal(tables[0].rows.length + tables[1].rows.length, r.cases.length);
  assert.ok(tables.every((t) => t.rows.every((row) => row.length === t.columns.length)));
  // Rows follow the cases: the k, the name and the number of vectors of each random case.
  const random = r.cases.filter((c) => c.kind === 'random');
  assert.deepEqual(
    tables[0].rows.map((row) => row.slice(0, 3)),
    random.map((c) => [c.k, c.name, c.vectors]),
  );
});

test('p1Section: the discussion is computed from the measured numbers', async () => {
  const r = await quickResult();
  const good = markdownOf(p1Section(r));
  assert.match(good, /Both are below \$10\^\{-9\}\$/);
  // A result with a broken formula must produce a different sentence, not the same claim.
  const broken: P1Result = structuredClone(r);
  broken.cases[0].gradAbsErr = 0.25;
  const bad = markdownOf(p1Section(broken));
  assert.doesNotMatch(bad, /Both are below/);
  assert.match(bad, /2\.5e-1/);
  const naiveFailed = r.cases.filter((c) => c.kind === 'extreme' && !c.naiveFinite).length;
  assert.match(good, new RegExp(`returned NaN or ∞ in ${naiveFailed} of them`));
});

test('p1Section: every formula typesets without a MathJax error', async () => {
  assert.ok(assertFormulasTypeset(p1Section(await quickResult())) > 0);
});
