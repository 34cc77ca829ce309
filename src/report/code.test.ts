import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitComment } from './code.js';

test('splitComment finds the // comment outside strings', () => {
  assert.deepEqual(splitComment('const x = 1; // one'), ['const x = 1; ', '// one']);
  assert.deepEqual(splitComment('// whole line'), ['', '// whole line']);
  assert.deepEqual(splitComment("const u = 'https://x.io'; // url"), [
    "const u = 'https://x.io'; ",
    '// url',
  ]);
  assert.deepEqual(splitComment('const s = "a \\" // b";'), ['const s = "a \\" // b";', '']);
  assert.deepEqual(splitComment('a / b / c'), ['a / b / c', '']);
});
