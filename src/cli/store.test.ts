import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunStore } from './store.js';

test('checkpointsFor keeps checkpoints of the same settings and deletes those of other settings', () => {
  const root = mkdtempSync(join(tmpdir(), 'nnlab-store-'));
  try {
    const store = new RunStore(root);
    const a = { epochs: 10, lr: 0.1 };
    store.checkpointsFor('p4', a, 1).save('job', { epoch: 3 });
    // Same settings (keys in another order): resumable.
    assert.deepEqual(store.checkpointsFor('p4', { lr: 0.1, epochs: 10 }, 1).load('job'), { epoch: 3 });
    // Another seed or another config: the old checkpoint must not be resumed.
    assert.equal(store.checkpointsFor('p4', a, 2).load('job'), undefined);
    store.checkpointsFor('p4', a, 1).save('job', { epoch: 4 });
    assert.equal(store.checkpointsFor('p4', { epochs: 11, lr: 0.1 }, 1).load('job'), undefined);
    assert.deepEqual(store.checkpointsFor('p4', { epochs: 11, lr: 0.1 }, 1).keys(), []);
    // Checkpoints of unknown settings (no SETTINGS file) are not trusted either.
    store.checkpoints('p5').save('job', { epoch: 1 });
    assert.equal(store.checkpointsFor('p5', a, 1).load('job'), undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
