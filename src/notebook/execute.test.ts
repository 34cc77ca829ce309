import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { TABLE_MIME, VEGALITE_MIME } from '../report/notebook.js';
import { executeNotebook, NotebookCellError } from './execute.js';
import { fromPercent } from './percent.js';

// The kernel resolves `import … from 'nnlab'` through node_modules from its working directory: the repository.
const repo = fileURLToPath(new URL('../../', import.meta.url));

const NOTEBOOK = `// %% [markdown]
// # Kernel test

// %%
import { show, showMarkdown } from 'nnlab';

// %% tags=["parameters"]
const params = { n: 3, label: 'default' };

// %%
const squares: number[] = Array.from({ length: params.n }, (_, i) => i * i);
console.log(params.label, squares.join(','));

// %%
await show({ kind: 'table', caption: 'Squares', columns: ['i', 'i²'], rows: squares.map((s, i) => [i, s]) });
await showMarkdown(\`The largest square is **\${Math.max(...squares)}**.\`);
await show({
  kind: 'figure',
  id: 'squares',
  title: 'Squares',
  spec: {
    mark: 'line',
    data: { values: squares.map((s, i) => ({ i, s })) },
    encoding: { x: { field: 'i', type: 'quantitative' }, y: { field: 's', type: 'quantitative' } },
  },
});
`;

test('executeNotebook: outputs are the tslab kernel’s own; parameters are injected after the parameters cell', async () => {
  const nb = await executeNotebook(fromPercent(NOTEBOOK), {
    cwd: repo,
    parameters: 'Object.assign(params, { n: 5, label: "injected" });',
  });
  const code = nb.cells.filter((c) => c.cell_type === 'code');
  assert.deepEqual((code[2].metadata as { tags: string[] }).tags, ['injected-parameters']);
  const stream = code[3].cell_type === 'code' ? code[3].outputs[0] : undefined;
  assert.deepEqual(stream, { output_type: 'stream', name: 'stdout', text: ['injected 0,1,4,9,16\n'] });
  const outs = code[4].cell_type === 'code' ? code[4].outputs : [];
  assert.equal(outs.length, 3);
  const [table, md, fig] = outs.map((o) => (o.output_type === 'display_data' ? o.data : {}));
  assert.deepEqual(table[TABLE_MIME], {
    caption: 'Squares',
    columns: ['i', 'i²'],
    rows: [0, 1, 4, 9, 16].map((s, i) => [i, s]),
  });
  assert.match(String(table['text/html']), /<table>/);
  assert.deepEqual(md['text/markdown'], ['The largest square is **16**.']);
  assert.ok(fig[VEGALITE_MIME] !== undefined && typeof fig['image/png'] === 'string');
  assert.match(Array.isArray(fig['image/svg+xml']) ? fig['image/svg+xml'].join('') : '', /<svg/);
  assert.ok(code.every((c) => c.cell_type === 'code' && typeof c.execution_count === 'number'));
});

test('executeNotebook: a failing cell stops the run with its cell number, its error and the outputs so far', async () => {
  const bad =
    NOTEBOOK +
    `\n// %%\nconsole.log('before');\nthrow new Error('planned failure');\n\n// %%\nconsole.log('never');\n`;
  await assert.rejects(executeNotebook(fromPercent(bad), { cwd: repo }), (e: unknown) => {
    assert.ok(e instanceof NotebookCellError);
    assert.equal(e.cell, 6);
    assert.match(e.message, /cell 6 failed: .*planned failure/s);
    const cell = e.notebook.cells[5];
    assert.ok(cell.cell_type === 'code');
    assert.ok(cell.outputs.some((o) => o.output_type === 'error'));
    assert.ok(cell.outputs.some((o) => o.output_type === 'stream' && String(o.text).includes('before')));
    // The cells before it kept their outputs; the one after never ran.
    const last = e.notebook.cells[6];
    assert.ok(last.cell_type === 'code' && last.outputs.length === 0);
    return true;
  });
  // A type error fails the cell too (tslab type-checks cells against nnlab's declarations).
  const typed = `// %%\nimport { show } from 'nnlab';\n\n// %%\nawait show({ kind: 'text' });\n`;
  await assert.rejects(executeNotebook(fromPercent(typed), { cwd: repo }), /cell 2 failed: .*text/s);
});
