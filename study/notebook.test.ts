import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromPercent, parseMarkdown, texToSvg } from 'nnlab';
import { study } from './index.js';

const source = readFileSync(
  fileURLToPath(new URL('../../study/notebook/homework3.ts', import.meta.url)),
  'utf8',
);
const nb = fromPercent(source);
const text = (s: string | string[]): string => (Array.isArray(s) ? s.join('') : s);
const markdown = nb.cells.filter((c) => c.cell_type === 'markdown').map((c) => text(c.source));

test('the notebook source: the study names it; a parameters cell; code cells with code and a comment', () => {
  assert.equal(study.notebook, fileURLToPath(new URL('../../study/notebook/homework3.ts', import.meta.url)));
  const code = nb.cells.filter((c) => c.cell_type === 'code');
  assert.equal(
    code.filter((c) => ((c.metadata.tags as string[] | undefined) ?? []).includes('parameters')).length,
    1,
  );
  for (const c of code) {
    const lines = text(c.source)
      .split('\n')
      .filter((l) => l.trim() !== '');
    assert.ok(
      lines.some((l) => !l.trim().startsWith('//')),
      `a code cell with code: ${lines[0]}`,
    );
    // The homework's General Instructions: every code cell carries a comment (the report lints it too).
    assert.ok(
      lines.some((l) => l.trim().startsWith('//')),
      `a code cell that says what it does: ${lines[0]}`,
    );
  }
  for (let p = 1; p <= 5; p++)
    assert.ok(
      markdown.some((m) => m.startsWith(`## Problem ${p} `)),
      `Problem ${p}`,
    );
});

test('the written answers are Markdown cells: both derivations of Problem 1 and the backprop of Problem 2', () => {
  const all = markdown.join('\n');
  assert.match(all, /o_i\\,\(\\delta_\{ij\} - o_j\)/);
  assert.match(all, /\\frac\{\\partial L\}\{\\partial v_j\} = o_j - y_j/);
  assert.match(all, /\\delta\^\{\(4\)\} = h - y/);
  assert.match(all, /\*\*Co-adaptation\*\*/);
  // Display maths sits on lines of its own, as the document model requires.
  for (const line of all.split('\n')) if (line.includes('$$')) assert.match(line.trim(), /^\$\$.*\$\$$/);
});

test('every formula of the notebook typesets without a MathJax error', () => {
  let n = 0;
  for (const m of markdown) {
    for (const b of parseMarkdown(m.replace(/^#+ .*$/gm, ''))) {
      const runs = b.kind === 'paragraph' ? [b.runs] : b.kind === 'list' ? b.items : [];
      if (b.kind === 'math') {
        n++;
        assert.equal(texToSvg(b.tex, true).error, undefined, b.tex);
      }
      for (const r of runs.flat())
        if (r.kind === 'math') {
          n++;
          assert.equal(texToSvg(r.tex, false).error, undefined, r.tex);
        }
    }
  }
  assert.ok(n > 20, `${n} formulas`);
});
