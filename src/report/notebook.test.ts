import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pngSize } from '../plot/render.js';
import { withTheme } from '../plot/theme.js';
import { renderFigures } from './build.js';
import { toNotebook, toLines, validateNotebook, type Notebook } from './notebook.js';
import { sampleDocument } from './sample-document.fixture.js';

const doc = sampleDocument();
const figures = await renderFigures(doc);
const nb: Notebook = JSON.parse(JSON.stringify(toNotebook(doc, figures)));
const joined = (s: string | string[]): string => (Array.isArray(s) ? s.join('') : s);

test('the sample notebook is valid nbformat 4.5 for the tslab TypeScript kernel', () => {
  assert.deepEqual(validateNotebook(nb), []);
  assert.equal(nb.nbformat, 4);
  assert.equal(nb.nbformat_minor, 5);
  assert.deepEqual(nb.metadata['kernelspec'], {
    name: 'tslab',
    display_name: 'TypeScript',
    language: 'typescript',
  });
  assert.equal((nb.metadata['language_info'] as { name: string }).name, 'typescript');
});

test('one Markdown cell per heading/markdown block (plus the title), one code cell per code block, in order', () => {
  const md = doc.blocks.filter((b) => b.kind !== 'code').length;
  const code = doc.blocks.filter((b) => b.kind === 'code').length;
  assert.equal(nb.cells.filter((c) => c.cell_type === 'markdown').length, md + 1);
  assert.equal(nb.cells.filter((c) => c.cell_type === 'code').length, code);
  assert.equal(joined(nb.cells[0]!.source).split('\n')[0], '# Homework 3');
  assert.equal(joined(nb.cells[1]!.source), '## Problem 1 — Softmax activation function');
  const counts = nb.cells.flatMap((c) => (c.cell_type === 'code' ? [c.execution_count] : []));
  assert.deepEqual(
    counts,
    Array.from({ length: code }, (_, i) => i + 1),
  );
  // The Markdown source (with its LaTeX) is kept verbatim for Jupyter to render.
  const mdBlock = doc.blocks.find((b) => b.kind === 'markdown')!;
  assert.ok(nb.cells.some((c) => mdBlock.kind === 'markdown' && joined(c.source) === mdBlock.text));
});

test('figure outputs carry a decodable PNG of 2× the SVG size, the SVG and the themed Vega-Lite spec', () => {
  const figOuts = nb.cells
    .flatMap((c) => (c.cell_type === 'code' ? c.outputs : []))
    .filter((o) => o.output_type === 'display_data' && 'image/png' in o.data);
  assert.equal(figOuts.length, figures.size);
  for (const o of figOuts) {
    if (o.output_type !== 'display_data') continue;
    const png = Buffer.from(o.data['image/png'] as string, 'base64');
    const spec = o.data['application/vnd.vegalite.v5+json'] as { [k: string]: unknown };
    const id = /<Figure ([^:]+):/.exec(joined(o.data['text/plain'] as string[]))![1]!;
    const f = figures.get(id)!;
    assert.deepEqual(pngSize(png), { width: Math.round(2 * f.width), height: Math.round(2 * f.height) });
    assert.equal(joined(o.data['image/svg+xml'] as string[]), f.svg);
    const source = doc.blocks
      .flatMap((b) => (b.kind === 'code' ? b.outputs : []))
      .find((x) => x.kind === 'figure' && x.id === id);
    assert.ok(source && source.kind === 'figure');
    const { $schema, ...rest } = spec;
    assert.equal($schema, 'https://vega.github.io/schema/vega-lite/v5.json');
    const themed: { [k: string]: unknown } = { ...withTheme(source.spec) };
    delete themed['$schema'];
    assert.deepEqual(rest, JSON.parse(JSON.stringify(themed)));
  }
});

test('tables are HTML + aligned text, text outputs are stdout streams ending in a newline', () => {
  const outs = nb.cells.flatMap((c) => (c.cell_type === 'code' ? c.outputs : []));
  const table = outs.find((o) => o.output_type === 'display_data' && 'text/html' in o.data);
  assert.ok(table && table.output_type === 'display_data');
  const html = joined(table.data['text/html'] as string[]);
  assert.match(html, /<table>[\s\S]*<th>variant<\/th>[\s\S]*<td class="num">99.12<\/td>/);
  assert.match(
    joined(table.data['text/plain'] as string[]),
    /^Final accuracy[^\n]*\nvariant\s+train\s+test\s+epochs\n-+/,
  );
  const stream = outs.find((o) => o.output_type === 'stream');
  assert.ok(stream && stream.output_type === 'stream' && stream.name === 'stdout');
  assert.ok(joined(stream.text).endsWith('\n'));
});

test('toLines splits into nbformat lines that join back to the text', () => {
  assert.deepEqual(toLines('a\nb\n'), ['a\n', 'b\n']);
  assert.deepEqual(toLines('a\n\nb'), ['a\n', '\n', 'b']);
  assert.deepEqual(toLines(''), []);
  assert.equal(toLines('x\ny\n\nz').join(''), 'x\ny\n\nz');
});

test('the validator rejects broken notebooks, naming the problem', () => {
  const broken = (edit: (n: Notebook & { [k: string]: unknown }) => void, re: RegExp): void => {
    const n = structuredClone(nb) as Notebook & { [k: string]: unknown };
    edit(n);
    const errs = validateNotebook(n);
    assert.ok(
      errs.some((e) => re.test(e)),
      `${re} not in ${JSON.stringify(errs)}`,
    );
  };
  const code = (n: Notebook): { [k: string]: unknown } =>
    n.cells.find((c) => c.cell_type === 'code') as unknown as { [k: string]: unknown };
  broken((n) => ((n as { nbformat: number }).nbformat = 3), /nbformat: must be 4/);
  broken((n) => (n.nbformat_minor = 4), /nbformat_minor/);
  broken((n) => delete (n as { [k: string]: unknown })['cells'], /missing required property "cells"/);
  broken((n) => (n['extra'] = 1), /unexpected property "extra"/);
  broken((n) => (n.cells[1]!.id = n.cells[0]!.id), /not unique/);
  broken((n) => (n.cells[0]!.id = 'has space'), /id: must match/);
  broken((n) => delete (n.cells[0] as { [k: string]: unknown })['id'], /missing required property "id"/);
  broken((n) => ((n.cells[0] as { [k: string]: unknown })['cell_type'] = 'heading'), /unknown cell_type/);
  broken(
    (n) => ((n.cells[0] as { [k: string]: unknown })['source'] = [1, 2]),
    /source: must be a string or an array/,
  );
  broken((n) => delete code(n)['execution_count'], /missing required property "execution_count"/);
  broken((n) => (code(n)['execution_count'] = -1), /execution_count/);
  broken((n) => ((n.cells[0] as { [k: string]: unknown })['outputs'] = []), /unexpected property "outputs"/);
  broken(
    (n) => ((code(n)['outputs'] as unknown[])[0] = { output_type: 'stream', text: 'x' }),
    /missing required property "name"/,
  );
  broken((n) => ((code(n)['outputs'] as unknown[])[0] = { output_type: 'banana' }), /unknown output_type/);
  broken(
    (n) =>
      ((code(n)['outputs'] as unknown[])[0] = {
        output_type: 'display_data',
        data: { 'image/png': 42 },
        metadata: {},
      }),
    /image\/png"\]: must be a string/,
  );
  broken(
    (n) => ((n.metadata['kernelspec'] as { [k: string]: unknown })['display_name'] = undefined),
    /kernelspec/,
  );
  assert.deepEqual(validateNotebook('not a notebook'), ['notebook: must be a JSON object']);
});
