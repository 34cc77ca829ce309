import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  chooseWorkers,
  describeFsError,
  PreflightError,
  prepareRunDir,
  WORKER_MEMORY_MB,
} from './preflight.js';

test('workers are capped at the cores and at the memory they need, with a note saying so', () => {
  assert.deepEqual(chooseWorkers(undefined, { cores: 4, memoryMB: 64000 }), { workers: 4, notes: [] });
  const many = chooseWorkers(1000, { cores: 2, memoryMB: 64000 });
  assert.equal(many.workers, 2);
  assert.match(many.notes[0], /--workers 1000 is more than the 2 cores of this machine; using 2/);
  const small = chooseWorkers(8, { cores: 8, memoryMB: 3 * WORKER_MEMORY_MB + 1 });
  assert.equal(small.workers, 3);
  assert.match(small.notes[0], /8 workers need about \d+ MB, this machine has \d+ MB; using 3/);
  assert.throws(() => chooseWorkers(1, { cores: 1, memoryMB: 10 }), PreflightError);
});

test('the run directory: not empty, not a file, locked for one writer', () => {
  const root = mkdtempSync(join(tmpdir(), 'nnlab-preflight-'));
  try {
    assert.throws(() => prepareRunDir('', 'x'), /--out is empty/);
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    assert.throws(() => prepareRunDir(file, 'x'), /is a file, not a directory/);
    assert.throws(() => prepareRunDir(join(file, 'sub'), 'x'), /a part of it is a file/);
    const lock = prepareRunDir(join(root, 'new', 'dir'), 'first');
    assert.throws(
      () => prepareRunDir(join(root, 'new', 'dir'), 'second'),
      (e: Error) => e instanceof PreflightError && /in use: pid \d+/.test(e.message),
    );
    lock.release();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('file-system errors become one sentence naming the path and the fix', () => {
  const err = (code: string): Error => Object.assign(new Error(code), { code });
  assert.match(
    describeFsError(err('EROFS'), '/r'),
    /^\/r is on a read-only file system; choose another --out$/,
  );
  assert.match(describeFsError(err('EACCES'), '/r'), /\/r is not writable \(permission denied\)/);
  assert.match(describeFsError(err('ENOSPC'), '/r'), /no space left on the device of \/r/);
});
