import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pngSize } from '../plot/render.js';
import { collectFigures, lintDocument, renderFigures, writeReport } from './build.js';
import type { ReportDocument } from './document.js';
import { validateNotebook } from './notebook.js';
import { sampleDocument } from './sample-document.js';

test('figure ids must be unique per spec and safe as file names', () => {
  const doc = sampleDocument();
  assert.equal(collectFigures(doc).length, 3);
  const code = doc.blocks.find((b) => b.kind === 'code' && b.outputs.some((o) => o.kind === 'figure'));
  assert.ok(code && code.kind === 'code');
  const fig = code.outputs.find((o) => o.kind === 'figure')!;
  assert.ok(fig.kind === 'figure');
  code.outputs.push({ ...fig, spec: { ...fig.spec, width: 10 } });
  assert.throws(() => collectFigures(doc), /two different figures share the id "sample-curves"/);
  code.outputs.pop();
  code.outputs.push({ ...fig, id: '../escape' });
  assert.throws(() => collectFigures(doc), /not a safe file stem/);
});

test('writeReport writes the notebook, HTML, PDF and each figure as SVG + PNG, atomically', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-report-'));
  try {
    const out = await writeReport(sampleDocument(), dir, 'homework3');
    assert.deepEqual(out.warnings, []);
    assert.deepEqual(readdirSync(join(dir, 'report')).sort(), [
      'homework3.html',
      'homework3.ipynb',
      'homework3.pdf',
    ]);
    const figs = readdirSync(join(dir, 'figures')).sort();
    assert.deepEqual(figs, [
      'sample-curves.png',
      'sample-curves.svg',
      'sample-lr.png',
      'sample-lr.svg',
      'sample-violins.png',
      'sample-violins.svg',
    ]);
    for (const f of figs.filter((n) => n.endsWith('.png'))) {
      const svg = readFileSync(join(dir, 'figures', f.replace('.png', '.svg')), 'utf8');
      const m = /width="([\d.]+)" height="([\d.]+)"/.exec(svg)!;
      assert.deepEqual(pngSize(readFileSync(join(dir, 'figures', f))), {
        width: Math.round(2 * +m[1]!),
        height: Math.round(2 * +m[2]!),
      });
    }
    assert.deepEqual(validateNotebook(JSON.parse(readFileSync(out.notebook, 'utf8'))), []);
    assert.ok(readFileSync(out.pdf).subarray(0, 5).toString() === '%PDF-');
    assert.ok(readFileSync(out.html, 'utf8').includes('<h1>Homework 3</h1>'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lintDocument flags uncommented code, figures without axis titles, and lost legends', async () => {
  const values = [
    { x: 1, y: 2, s: 'a' },
    { x: 2, y: 1, s: 'b' },
  ];
  const enc = {
    x: { field: 'x', type: 'quantitative' },
    y: { field: 'y', type: 'quantitative' },
    color: { field: 's', type: 'nominal' },
  };
  const doc: ReportDocument = {
    title: 't',
    subtitle: [],
    blocks: [
      {
        kind: 'code',
        source: '// fine\nplot();',
        outputs: [
          { kind: 'figure', id: 'ok', title: 'ok', spec: { data: { values }, mark: 'line', encoding: enc } },
        ],
      },
      {
        kind: 'code',
        source: 'plot();',
        outputs: [
          {
            kind: 'figure',
            id: 'nolegend',
            title: 'n',
            spec: { data: { values }, mark: 'line', encoding: enc, config: { legend: { disable: true } } },
          },
          {
            kind: 'figure',
            id: 'noaxes',
            title: 'a',
            spec: {
              data: { values },
              mark: 'line',
              encoding: { x: { ...enc.x, axis: null }, y: { ...enc.y, axis: null } },
            },
          },
        ],
      },
    ],
  };
  assert.deepEqual(lintDocument(doc, await renderFigures(doc)), [
    'code cell 2: no comment explains it',
    'figure nolegend: encodes a field by colour/shape but draws no legend',
    'figure noaxes: no axis title',
  ]);
});
