import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { svgToPng } from '../plot/render.js';
import { TABLE_MIME, type Notebook } from '../report/notebook.js';
import { convertNotebook, notebookDocument, readNotebook } from './convert.js';

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><rect width="120" height="60" fill="#4e79a7"/></svg>';

/** A notebook as JupyterLab with another kernel would write it: nnlab wrote none of it. */
function foreignNotebook(): Notebook {
  const png = svgToPng(SVG, 1).toString('base64');
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: [
      {
        id: 'a',
        cell_type: 'markdown',
        metadata: {},
        source: ['# A foreign notebook\n', '\n', 'Euler: $e^{i\\pi} + 1 = 0$.'],
      },
      { id: 'b', cell_type: 'markdown', metadata: {}, source: '## Part one\nSome **bold** words.' },
      {
        id: 'c',
        cell_type: 'code',
        metadata: {},
        execution_count: 1,
        source: 'print("hello")\n1 + 1',
        outputs: [
          { output_type: 'stream', name: 'stdout', text: ['hello\n'] },
          { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': ['2'] }, metadata: {} },
        ],
      },
      {
        id: 'd',
        cell_type: 'code',
        metadata: {},
        execution_count: 2,
        source: 'df',
        outputs: [
          {
            output_type: 'display_data',
            data: { 'text/html': '<table><script>alert(1)</script></table>', 'text/plain': '   a\n0  1' },
            metadata: {},
          },
          { output_type: 'display_data', data: { 'image/png': png, 'text/plain': '<Figure>' }, metadata: {} },
          { output_type: 'display_data', data: { 'image/svg+xml': SVG }, metadata: {} },
          {
            output_type: 'display_data',
            data: {
              [TABLE_MIME]: {
                caption: 'Two rows',
                columns: ['k', 'v'],
                rows: [
                  ['x', 1.5],
                  ['y', 2],
                ],
              },
            },
            metadata: {},
          },
          {
            output_type: 'display_data',
            data: {
              'application/vnd.vegalite.v5+json': {
                mark: 'bar',
                data: {
                  values: [
                    { a: 'A', b: 3 },
                    { a: 'B', b: 5 },
                  ],
                },
                encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } },
              },
            },
            metadata: {},
          },
        ],
      },
      {
        id: 'e',
        cell_type: 'code',
        metadata: {},
        execution_count: 3,
        source: '1/0',
        outputs: [
          {
            output_type: 'error',
            ename: 'ZeroDivisionError',
            evalue: 'division by zero',
            traceback: ['\u001b[31mZeroDivisionError\u001b[0m', 'Cell In[3], line 1'],
          },
        ],
      },
    ],
  };
}

test('notebookDocument: headings, Markdown, code and every output type of a foreign notebook', async () => {
  const { doc, figures } = await notebookDocument(foreignNotebook());
  assert.equal(doc.title, 'A foreign notebook');
  assert.deepEqual(doc.blocks[0], { kind: 'markdown', text: 'Euler: $e^{i\\pi} + 1 = 0$.' });
  assert.deepEqual(doc.blocks[1], { kind: 'heading', level: 1, text: 'Part one' });
  const code = doc.blocks.filter((b) => b.kind === 'code');
  assert.equal(code.length, 3);
  if (code[0].kind !== 'code' || code[1].kind !== 'code' || code[2].kind !== 'code') throw new Error('code');
  assert.deepEqual(code[0].outputs, [
    { kind: 'text', text: 'hello' },
    { kind: 'text', text: '2' },
  ]);
  // Foreign HTML is never injected: its text/plain is shown instead.
  assert.deepEqual(code[1].outputs[0], { kind: 'text', text: '   a\n0  1' });
  assert.equal(code[1].outputs[1].kind, 'image');
  assert.equal(code[1].outputs[2].kind, 'image');
  assert.deepEqual(code[1].outputs[3], {
    kind: 'table',
    caption: 'Two rows',
    columns: ['k', 'v'],
    rows: [
      ['x', 1.5],
      ['y', 2],
    ],
  });
  const fig = code[1].outputs[4];
  assert.equal(fig.kind, 'figure');
  if (fig.kind === 'figure') assert.match(figures.get(fig.id)?.svg ?? '', /<svg/);
  assert.match(
    code[2].outputs[0].kind === 'text' ? code[2].outputs[0].text : '',
    /^ZeroDivisionError: division by zero/,
  );
});

test('convertNotebook writes HTML and a PDF that carry the outputs; bad notebooks are named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-convert-'));
  try {
    const path = join(dir, 'foreign.ipynb');
    writeFileSync(path, JSON.stringify(foreignNotebook()));
    await convertNotebook(path, 'html', join(dir, 'foreign.html'));
    const html = readFileSync(join(dir, 'foreign.html'), 'utf8');
    assert.ok(html.includes('<h1>A foreign notebook</h1>') || html.includes('A foreign notebook'));
    assert.ok(!html.includes('<script>alert(1)</script>'), 'foreign HTML is not injected');
    assert.match(html, /data:image\/png;base64,/);
    assert.match(html, /ZeroDivisionError: division by zero/);
    assert.match(html, /Two rows/);
    await convertNotebook(path, 'pdf', join(dir, 'foreign.pdf'));
    const pdf = readFileSync(join(dir, 'foreign.pdf'));
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.match(pdf.toString('latin1'), /\/Subtype \/Image/, 'the PNG output is embedded as an image');

    writeFileSync(join(dir, 'bad.ipynb'), JSON.stringify({ nbformat: 3, cells: 'x' }));
    assert.throws(
      () => readNotebook(join(dir, 'bad.ipynb')),
      /bad\.ipynb is not a valid nbformat 4 notebook/,
    );
    writeFileSync(join(dir, 'torn.ipynb'), '{"nbformat": 4, "cel');
    assert.throws(() => readNotebook(join(dir, 'torn.ipynb')), /torn\.ipynb is not a readable JSON notebook/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
