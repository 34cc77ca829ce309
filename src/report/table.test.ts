import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TableOutput } from './document.js';
import { formatCell, isNumericColumn, tableToText } from './table.js';

test('formatCell: integers in full, 4 significant digits in range, exponent form outside', () => {
  assert.equal(formatCell(10285), '10285');
  assert.equal(formatCell(0.99123456), '0.9912');
  assert.equal(formatCell(98.765), '98.77');
  assert.equal(formatCell(0.5), '0.5');
  assert.equal(formatCell(3.1e-11), '3.10e-11');
  assert.equal(formatCell(2.5e7), '25000000');
  assert.equal(formatCell(2.5e7 + 0.5), '2.50e+7');
  assert.equal(formatCell(NaN), 'NaN');
  assert.equal(formatCell('text'), 'text');
});

test('numeric columns: numbers or number-like text; anything else makes the column text', () => {
  const t = (cells: (string | number)[]): TableOutput => ({
    kind: 'table',
    caption: 'c',
    columns: ['a'],
    rows: cells.map((c) => [c]),
  });
  assert.ok(isNumericColumn(t([1, 2.5]), 0));
  assert.ok(isNumericColumn(t(['1.33e-9', '−0.25', '10,285', '98.1%', '4 s', 'NaN', '∞']), 0));
  assert.ok(!isNumericColumn(t(['17.97% ± 0.00']), 0));
  assert.ok(!isNumericColumn(t(['conv1', 3]), 0));
  assert.ok(!isNumericColumn(t([]), 0));
});

test('tableToText aligns numeric columns right and text columns left', () => {
  const text = tableToText({
    kind: 'table',
    caption: 'Cap',
    columns: ['name', 'v'],
    rows: [
      ['a', 1],
      ['bbb', 22.5],
    ],
  });
  assert.equal(text, ['Cap', 'name     v', '----  ----', 'a        1', 'bbb   22.5'].join('\n'));
});
