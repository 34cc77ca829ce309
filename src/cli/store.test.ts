import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileCheckpointStore } from '../jobs/checkpoint.js';
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
