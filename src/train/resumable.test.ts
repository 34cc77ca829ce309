import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileCheckpointStore, MemoryCheckpointStore } from '../jobs/checkpoint.js';
import { Dense, Sequential } from '../nn/index.js';
import { SGD } from '../optim/sgd.js';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/rng.js';
import { decodeJson, encodeJson } from '../util/json-codec.js';
import { DIVERGENCE_FACTOR } from './divergence.js';
import { fitResumable, type EpochCheckpoints } from './resumable.js';

/** y = x·w* + noise; a 2-layer MLP at learning rate `lr` on MSE. */
function problem(lr: number, units = 8) {
  const rng = new Rng(7);
  const n = 64;
  const x = Array.from({ length: n * 4 }, () => rng.normal());
  const y = Array.from({ length: n }, (_, i) => x[4 * i] - 2 * x[4 * i + 1] + 0.1 * rng.normal());
  const model = new Sequential([new Dense({ units, activation: 'relu' }), new Dense({ units: 1 })], {
    inputShape: [4],
    seed: 3,
  });
  model.compile({ optimizer: new SGD({ learningRate: lr, momentum: 0.5 }), loss: 'meanSquaredError' });
  return { model, x: Tensor.fromArray(x, [n, 4]), y: Tensor.fromArray(y, [n, 1]) };
}

async function train(checkpoints: EpochCheckpoints, lr = 0.01, units = 8, epochs = 4) {
  const { model, x, y } = problem(lr, units);
  return fitResumable(model, x, y, {
    checkpoints,
    key: 'run',
    epochs,
    batchSize: 16,
    onEpoch: (e, h) => ({ record: { epoch: e + 1, loss: h.loss[0] } }),
  });
}

/** A store that throws (a kill) on its `n`-th save, after the save. */
function killedAfter(store: EpochCheckpoints, n: number): EpochCheckpoints {
  let saves = 0;
  return {
    load: (k, c) => store.load(k, c),
    discard: (k, w) => store.discard(k, w),
    save: (k, v) => {
      store.save(k, v);
      if (++saves === n) throw new Error('killed');
    },
  };
}

test('fitResumable: killed after any epoch, it resumes to the uninterrupted records bit for bit', async () => {
  const full = await train(new MemoryCheckpointStore());
  assert.equal(full.records.length, 4);
  assert.equal(full.diverged, null);
  for (const k of [1, 2, 3]) {
    const store = new MemoryCheckpointStore();
    await assert.rejects(train(killedAfter(store, k)), /killed/);
    assert.deepStrictEqual((await train(store)).records, full.records, `killed after epoch ${k}`);
  }
});

test('a checkpoint with one changed weight, or of another model, is quarantined and the run redone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-resumable-'));
  try {
    const full = await train(new MemoryCheckpointStore());
    const warnings: string[] = [];
    const store = new FileCheckpointStore(join(dir, 'job'), {
      dir: join(dir, 'q'),
      warn: (m) => warnings.push(m),
    });
    await assert.rejects(train(killedAfter(store, 2)), /killed/);
    // Change one weight inside the checkpoint (a different float, same length): the checksum catches it.
    const file = join(dir, 'job', 'run.json');
    const text = readFileSync(file, 'utf8');
    const body = decodeJson<{ state: { weights: Float32Array[] } }>(
      text.slice(text.indexOf('"body":') + 7, -2),
    );
    body.state.weights[0][0] += 1;
    writeFileSync(file, text.slice(0, text.indexOf('"body":') + 7) + encodeJson(body) + '}\n');
    assert.deepStrictEqual((await train(store)).records, full.records);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /run\.json: checksum mismatch.*moved it to/);
    // The finished narrow run's checkpoint does not fit a wider model (nor the other way round): each is
    // moved aside and the run starts from scratch.
    await assert.rejects(train(killedAfter(store, 1), 0.01, 16), /killed/);
    assert.match(warnings[1], /does not fit the model \(weight array 0 has 32 values, the model's has 64\)/);
    assert.deepStrictEqual((await train(store)).records, full.records);
    assert.match(warnings[2], /does not fit the model \(weight array 0 has 64 values, the model's has 32\)/);
    assert.equal(readdirSync(join(dir, 'q')).length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run whose loss explodes is returned as diverged (epoch, iteration, bound, last finite loss), not thrown', async () => {
  const r = await train(new MemoryCheckpointStore(), 50);
  assert.ok(r.diverged !== null, 'lr 50 on this problem diverges');
  const d = r.diverged;
  assert.ok(!Number.isFinite(d.loss) || d.loss > d.bound, `loss ${d.loss} breaks bound ${d.bound}`);
  assert.ok(d.lastFiniteLoss !== null && d.lastFiniteLoss <= d.bound);
  assert.ok(Number.isFinite(d.bound) && d.bound > 0);
  assert.equal(r.records.length, d.epoch, 'records stop at the last completed epoch');
  assert.ok(d.iteration >= 1 && d.iteration < 4 * 4);
  // The bound is DIVERGENCE_FACTOR × the first batch loss of a fresh run at a safe rate.
  const first = await (async () => {
    const { model, x, y } = problem(50);
    let loss = NaN;
    await model.fit(x, y, {
      epochs: 1,
      batchSize: 16,
      callbacks: [{ onBatchEnd: (_i, l, ctx) => void ((loss = l.loss), (ctx.stopTraining = true)) }],
    });
    return loss;
  })();
  assert.equal(d.bound, DIVERGENCE_FACTOR * first);
});
