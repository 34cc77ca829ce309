import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateNotebook } from 'nnlab';
import type { P4Result } from './experiments/p4.js';
import { buildReport, reportDocument } from './report.js';

const meta = {
  version: '0.1.0',
  seed: 7,
  scale: 'quick',
  wallSeconds: { p4: 125, p5: 12.5 },
  date: new Date('2026-12-01T19:30:00Z'),
};

test('missing results become visible "not run" notes; the subtitle names version, seed, scale and wall times', () => {
  const { doc, warnings } = reportDocument({}, meta);
  assert.deepEqual(warnings, []);
  assert.equal(doc.title, 'Homework 3');
  assert.deepEqual(doc.subtitle, [
    'nnlab 0.1.0 · seed 7 · scale quick · built 2026-12-01 19:30 UTC',
    'Wall time: p4 2.1 min, p5 13 s',
  ]);
  const headings = doc.blocks
    .filter((b) => b.kind === 'heading' && b.level === 1)
    .map((b) => (b.kind === 'heading' ? b.text : ''));
  assert.deepEqual(
    headings.map((h) => h.slice(0, 9)),
    ['Problem 1', 'Problem 2', 'Problem 3', 'Problem 4', 'Problem 5'],
  );
  const notes = doc.blocks.filter((b) => b.kind === 'markdown' && b.text.includes('Not run'));
  assert.equal(notes.length, 5);
});

test('a section that fails on its result becomes a note and a warning, not a crash', () => {
  const { doc, warnings } = reportDocument({ p4: {} as P4Result }, meta);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^p4: the report section failed/);
  assert.ok(doc.blocks.some((b) => b.kind === 'markdown' && b.text.includes('could not be built')));
});

test('buildReport with no results still writes a valid notebook and a PDF', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-report-'));
  try {
    const out = await buildReport({}, meta, dir);
    const nb = JSON.parse(readFileSync(out.notebook, 'utf8'));
    assert.deepEqual(validateNotebook(nb), []);
    assert.ok(JSON.stringify(nb).includes('Not run: there is no stored result for p3'));
    assert.deepEqual(out.figures, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
