import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromPercent, toPercent } from './percent.js';
import { validateNotebook } from '../report/notebook.js';

const SOURCE = `// %% [markdown]
// # Title
//
// Some *text* with $x^2$.

// %% tags=["parameters"]
const params = { quick: false };

// %%
// A comment, then code.
const y = 2 * 21;
console.log(y);
`;

test('percent format: cells, kinds, tags and sources; a round trip changes nothing', () => {
  const nb = fromPercent(SOURCE);
  assert.deepEqual(validateNotebook(nb), []);
  assert.deepEqual(
    nb.cells.map((c) => c.cell_type),
    ['markdown', 'code', 'code'],
  );
  assert.equal((nb.cells[0].source as string[]).join(''), '# Title\n\nSome *text* with $x^2$.');
  assert.deepEqual(nb.cells[1].metadata, { tags: ['parameters'] });
  assert.equal(
    (nb.cells[2].source as string[]).join(''),
    '// A comment, then code.\nconst y = 2 * 21;\nconsole.log(y);',
  );
  assert.equal(toPercent(nb), SOURCE);
  assert.deepEqual(fromPercent(toPercent(nb)), nb);
  assert.equal((nb.metadata.kernelspec as { name: string }).name, 'tslab');
});

test('percent format: bad tags name the line', () => {
  assert.throws(
    () => fromPercent('// %% tags=[parameters]\nx', 'nb.ts'),
    /nb\.ts:1: tags must be a JSON list of strings/,
  );
});
