import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countDiverged, summarise } from './summary.js';

test('countDiverged counts records with a diverged field, and those where it is set, at any depth', () => {
  const r = {
    runs: [{ diverged: null }, { diverged: { epoch: 1 } }],
    clr: { diverged: null, w: new Float32Array(3) },
  };
  assert.deepEqual(countDiverged(r), { runs: 3, diverged: 1, unit: 'runs' });
  assert.deepEqual(countDiverged({ x: [1, 2] }), { runs: 0, diverged: 0, unit: 'runs' });
});

test('the summary names each experiment; only a failure makes the status non-zero', () => {
  const ok = summarise([
    { id: 'p2', stored: true, runs: 0, diverged: 0, unit: 'runs' },
    { id: 'p3', stored: true, runs: 2000, diverged: 4, unit: 'nets' },
    { id: 'p4', stored: true, runs: 4, diverged: 2, unit: 'runs' },
  ]);
  assert.equal(
    ok.line,
    'Summary: p2 stored; p3 stored, 4 of 2000 nets diverged (recorded as such); p4 stored, 2 of 4 runs diverged (recorded as such).',
  );
  assert.equal(ok.status, 0);
  const bad = summarise([{ id: 'p5', stored: false, runs: 0, diverged: 0, unit: 'runs' }]);
  assert.equal(bad.status, 1);
  assert.match(bad.line, /p5 FAILED/);
});
