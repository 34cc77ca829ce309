import { test } from 'node:test';
import assert from 'node:assert/strict';
import { p1, type P1Config, type P1Result } from '../experiments/p1.js';
import { type Block, parseMarkdown, type TableOutput, texToSvg } from 'nnlab';
import { p1Section } from './p1.js';

const ctx = {
  workers: 1,
  runJobs: async () => [],
  progress: () => {},
  checkpoints: { load: () => undefined, save: () => {} },
};

async function quickResult(): Promise<P1Result> {
  return p1.run({ ...p1.defaults, ...p1.quick } as P1Config, 1, ctx);
}

function text(blocks: Block[]): string {
  return blocks.map((b) => (b.kind === 'code' ? b.source : b.text)).join('\n');
}

test('p1Section: both parts with their derivations, the tables of every case, a code cell', async () => {
  const r = await quickResult();
  const blocks = p1Section(r);
  const headings = blocks
    .filter((b) => b.kind === 'heading')
    .map((b) => (b.kind === 'heading' ? b.text : ''));
  assert.ok(headings.some((h) => h.startsWith('Problem 1.1')));
  assert.ok(headings.some((h) => h.startsWith('Problem 1.2')));
  const code = blocks.find((b) => b.kind === 'code');
  assert.ok(code && code.kind === 'code');
  assert.match(code.source, /from 'nnlab'/);
  const tables = code.outputs.filter((o): o is TableOutput => o.kind === 'table');
  assert.equal(tables.length, 2);
  assert.equal(tables[0].rows.length + tables[1].rows.length, r.cases.length);
  assert.ok(tables.every((t) => t.rows.every((row) => row.length === t.columns.length)));
});

test('p1Section: the discussion is computed from the measured numbers', async () => {
  const r = await quickResult();
  const good = text(p1Section(r));
  assert.match(good, /Both are below \$10\^\{-9\}\$/);
  // A result with a broken formula must produce a different sentence, not the same claim.
  const broken: P1Result = structuredClone(r);
  broken.cases[0].gradAbsErr = 0.25;
  const bad = text(p1Section(broken));
  assert.doesNotMatch(bad, /Both are below/);
  assert.match(bad, /2\.5e-1/);
  const naiveFailed = r.cases.filter((c) => c.kind === 'extreme' && !c.naiveFinite).length;
  assert.match(good, new RegExp(`returned NaN or ∞ in ${naiveFailed} of them`));
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

test('p1Section: every formula typesets without a MathJax error', async () => {
  const blocks = p1Section(await quickResult());
  const fs = formulas(blocks);
  assert.ok(fs.length > 0);
  for (const f of fs) assert.equal(texToSvg(f.tex, f.display).error, undefined, f.tex);
});
