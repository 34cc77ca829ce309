import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileCheckpointStore } from '../jobs/checkpoint.js';
import { NNLAB_VERSION } from '../version.js';
import { RunStore } from './store.js';

test('checkpoints live under checkpoints/<id>/<jobId>/ and are cleared with the stored result', () => {
  const root = mkdtempSync(join(tmpdir(), 'nnlab-store-'));
  try {
    const store = new RunStore(root);
    assert.equal(store.checkpointedJobs('p4'), 0);
    new FileCheckpointStore(join(store.checkpoints('p4').dir, 'job-a')).save('state', { epoch: 3 });
    new FileCheckpointStore(join(store.checkpoints('p4').dir, 'job-b')).save('state', { epoch: 1 });
    assert.equal(store.checkpointedJobs('p4'), 2);
    store.writeResult({
      id: 'p4',
      title: 'p4',
      nnlabVersion: '0',
      seed: 1,
      quick: true,
      config: {},
      wallSeconds: 1,
      workers: 1,
      finishedAt: '',
      result: { ok: true },
    });
    assert.equal(store.checkpointedJobs('p4'), 0);
    assert.deepEqual(store.readResult('p4')?.result, { ok: true });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a stored result is up to date only for the same config, seed and nnlab version', () => {
  const root = mkdtempSync(join(tmpdir(), 'nnlab-store-'));
  try {
    const store = new RunStore(root);
    const write = (nnlabVersion: string): void =>
      store.writeResult({
        id: 'p1',
        title: 'p1',
        nnlabVersion,
        seed: 1,
        quick: false,
        config: { a: [1, 2] },
        wallSeconds: 1,
        workers: 1,
        finishedAt: '',
        result: { ok: true },
      });
    write(NNLAB_VERSION);
    assert.ok(store.upToDate('p1', { a: [1, 2] }, 1) !== undefined);
    assert.equal(store.upToDate('p1', { a: [1, 3] }, 1), undefined, 'another config');
    assert.equal(store.upToDate('p1', { a: [1, 2] }, 2), undefined, 'another seed');
    // Another nnlab may compute or store the result differently: re-running would not repeat it.
    write(`${NNLAB_VERSION}-other`);
    assert.equal(store.upToDate('p1', { a: [1, 2] }, 1), undefined, 'another nnlab version');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
