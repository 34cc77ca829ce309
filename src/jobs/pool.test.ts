import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import type { JobTask, Progress } from './job.js';
import { JobError, WorkerPool } from './pool.js';
import {
  exitThread,
  trainToy,
  unregistered,
  whereAmI,
  type ToyArgs,
  type ToyResult,
} from './pool.fixture.js';

const fixture = new URL('./pool.fixture.js', import.meta.url).href;

function toyJobs(seeds: number[], extra: Partial<ToyArgs> = {}): JobTask<ToyArgs>[] {
  return seeds.map((seed) => ({ key: `toy-${seed}`, args: { seed, epochs: 5, samples: 300, ...extra } }));
}

test('parallel results equal inline results, in the order given, with progress relayed', async () => {
  const seeds = [3, 1, 4, 2];
  const events: [string, Progress][] = [];
  const inline = new WorkerPool({ workers: 1 });
  const parallel = new WorkerPool({ workers: 2, onProgress: (k, p) => events.push([k, p]) });
  try {
    const a = await inline.runJobs(trainToy, toyJobs(seeds));
    const b = await parallel.runJobs(trainToy, toyJobs(seeds));
    assert.deepStrictEqual(b, a);
    // Different seeds give different results, so equality above is not vacuous, and training did learn.
    assert.notDeepEqual(a[0].weights, a[1].weights);
    for (const r of a)
      assert.ok(r.losses[4] < r.losses[0] && r.losses[0] < Math.log(2), `losses ${r.losses}`);
    assert.equal(events.length, seeds.length * 5);
    for (const seed of seeds) {
      const mine = events.filter(([k]) => k === `toy-${seed}`).map(([, p]) => p.done);
      assert.deepEqual(mine, [1, 2, 3, 4, 5]);
    }
  } finally {
    await inline.close();
    await parallel.close();
  }
});

test('workers = 1 runs inline; workers = 2 runs on two threads with their own module instances', async () => {
  const where = (n: number): JobTask<null>[] =>
    Array.from({ length: n }, (_, i) => ({ key: `w${i}`, args: null }));
  const inline = new WorkerPool({ workers: 1 });
  const parallel = new WorkerPool({ workers: 2 });
  try {
    const a = await inline.runJobs(whereAmI, where(3));
    assert.deepEqual(
      a.map((r) => r.threadId),
      [threadId, threadId, threadId],
    );
    // The first two jobs start at once on two fresh threads; the next two go to whichever is free.
    const b = await parallel.runJobs(whereAmI, where(4));
    const threads = new Set(b.map((r) => r.threadId));
    assert.equal(threads.size, 2, `threads ${[...threads]}`);
    assert.ok(!threads.has(threadId));
    // Each thread's module instance counts only its own calls: 4 calls over 2 threads never reach 4.
    assert.ok(Math.max(...b.map((r) => r.calls)) < 4);
  } finally {
    await inline.close();
    await parallel.close();
  }
});

for (const workers of [1, 2]) {
  test(`a failing job rejects with its key and the original message and stack (workers = ${workers})`, async () => {
    const pool = new WorkerPool({ workers });
    try {
      const jobs = [...toyJobs([1]), ...toyJobs([2], { failAtEpoch: 2 }), ...toyJobs([3])];
      await assert.rejects(pool.runJobs(trainToy, jobs), (e: unknown) => {
        assert.ok(e instanceof JobError);
        assert.equal(e.key, 'toy-2');
        assert.match(e.message, /job "toy-2" failed: trainToy: planned failure at epoch 2/);
        assert.match(e.stack ?? '', /pool\.fixture\.js/);
        return true;
      });
      await assert.rejects(
        pool.runJobs(unregistered, [{ key: 'k', args: null }]),
        /job "test\/nope" is not the one registered under that name/,
      );
      // The pool still works after failures.
      const [r] = await pool.runJobs(trainToy, toyJobs([1]));
      assert.equal(r.losses.length, 5);
    } finally {
      await pool.close();
    }
  });
}

test('a worker thread that dies fails its job with the key and is replaced', async () => {
  const pool = new WorkerPool({ workers: 2 });
  try {
    const toy = pool.runJobs(trainToy, toyJobs([1]));
    await assert.rejects(
      pool.runJobs(exitThread, [{ key: 'dies', args: null }]),
      /job "dies" failed: worker thread exited with code 3/,
    );
    await toy;
    const r = await pool.runJobs(trainToy, toyJobs([1, 2, 3]));
    assert.equal(r.length, 3);
  } finally {
    await pool.close();
  }
});

test('runJobs rejects duplicate keys before running anything', async () => {
  const pool = new WorkerPool({ workers: 2 });
  try {
    await assert.rejects(
      pool.runJobs(trainToy, [...toyJobs([1]), ...toyJobs([1])]),
      /duplicate job key "toy-1"/,
    );
  } finally {
    await pool.close();
  }
});

/** Runs the fixture script (two toy jobs on a pool with file checkpoints); resolves with its exit signal. */
function runFixture(
  dir: string,
  out: string,
  epochs: number,
  delayMs: number,
  killWhen?: () => boolean,
): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [fileURLToPath(fixture), dir, '2', String(epochs), String(delayMs), out],
      { stdio: 'inherit' },
    );
    let timer: NodeJS.Timeout | undefined;
    if (killWhen) {
      timer = setInterval(() => {
        if (killWhen()) child.kill('SIGKILL');
      }, 5);
    }
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      if (code !== 0 && signal === null) reject(new Error(`fixture exited with code ${code}`));
      else resolve(signal);
    });
  });
}

test('a process killed mid-run resumes from its file checkpoints to the uninterrupted result', async () => {
  const root = mkdtempSync(join(tmpdir(), 'nnlab-resume-'));
  try {
    const epochs = 8;
    await runFixture(join(root, 'a'), join(root, 'a.json'), epochs, 0);
    type Out = { results: ToyResult[]; epochsTrained: number };
    const read = (p: string): Out => JSON.parse(readFileSync(p, 'utf8')) as Out;
    const uninterrupted = read(join(root, 'a.json'));
    assert.equal(uninterrupted.epochsTrained, 2 * epochs);

    const dir = join(root, 'b');
    const out = join(root, 'b.json');
    const signal = await runFixture(
      dir,
      out,
      epochs,
      60,
      () =>
        existsSync(dir) &&
        readdirSync(dir, { recursive: true, encoding: 'utf8' }).some((f) => String(f).endsWith('.json')),
    );
    assert.equal(signal, 'SIGKILL');
    assert.ok(!existsSync(out), 'the killed run must not have finished');
    const partial = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
      String(f).endsWith('.json'),
    );
    assert.ok(partial.length >= 1);
    // The same command (same args, so the same job identities) resumes.
    await runFixture(dir, out, epochs, 60);
    const resumed = read(out);
    assert.deepStrictEqual(resumed.results, uninterrupted.results);
    // It continued from the checkpoints rather than starting over.
    assert.ok(resumed.epochsTrained < 2 * epochs, `trained ${resumed.epochsTrained} epochs after the kill`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
