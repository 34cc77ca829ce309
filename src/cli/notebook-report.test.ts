import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Notebook } from '../report/notebook.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const cli = fileURLToPath(new URL('./main.js', import.meta.url));

/** A study of one tiny experiment whose notebook's third code cell throws. */
function failingStudy(dir: string): string {
  writeFileSync(
    join(dir, 'nb.ts'),
    [
      '// %% [markdown]',
      '// # A study that fails',
      '// %%',
      "import { runStored } from 'nnlab';",
      '// %% tags=["parameters"]',
      "const params = { out: '', seed: 1 };",
      '// %%',
      "console.log('seed', params.seed);",
      '// %%',
      "throw new Error('the answer is wrong');",
      '// %%',
      "console.log('never');",
      '',
    ].join('\n'),
  );
  const module = join(dir, 'study.mjs');
  writeFileSync(
    module,
    `export const study = {
  name: 'failing',
  notebook: ${JSON.stringify(join(dir, 'nb.ts'))},
  experiments: [{ id: 'px', title: 'px', defaults: { n: 2 }, quick: {}, fields: [{ name: 'n', description: 'n' }],
    validate: () => [], run: async (c, seed) => ({ sum: c.n + seed }) }],
};\n`,
  );
  return pathToFileURL(module).href;
}

test('a notebook cell that fails: rc 1, the cell number and message, the executed cells kept, no report written', () => {
  // Inside the repository: the kernel resolves nnlab through its node_modules.
  mkdirSync(join(repo, 'runs'), { recursive: true });
  const dir = mkdtempSync(join(repo, 'runs', 'test-nbfail-'));
  try {
    const out = join(dir, 'out');
    const r = spawnSync(process.execPath, [cli, 'run', 'all', '--out', out], {
      encoding: 'utf8',
      env: { ...process.env, NNLAB_STUDY: failingStudy(dir) },
      timeout: 120_000,
    });
    assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
    // Cells are numbered as in the executed notebook (the injected parameters cell included).
    assert.match(r.stderr, /cell 6 failed: .*the answer is wrong/s);
    assert.ok(existsSync(join(out, 'results', 'px.json')), 'the experiment result is stored all the same');
    const partial = JSON.parse(readFileSync(join(out, 'report', 'failing.failed.ipynb'), 'utf8')) as Notebook;
    const seed = partial.cells.find((c) => c.cell_type === 'code' && String(c.source).includes("'seed'"));
    assert.ok(seed?.cell_type === 'code' && JSON.stringify(seed.outputs).includes('seed 1'));
    assert.ok(
      !existsSync(join(out, 'report', 'failing.ipynb')),
      'no executed notebook pretends to be complete',
    );
    assert.ok(!existsSync(join(out, 'report', 'failing.pdf')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
