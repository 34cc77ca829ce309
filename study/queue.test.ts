/**
 * nnlab jobs on BullMQ workers, end to end: a real redis-server on a free loopback port, `nnlab worker`
 * processes and `nnlab run --redis`, compared with local runs of the same seed; a worker killed with SIGKILL
 * mid-job; Redis restarted mid-run (without persistence, so it comes back empty). Every test bounds its time
 * and kills what it started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { decodeJson, freePort } from 'nnlab';
import { join } from 'node:path';
import {
  comparable,
  Procs,
  redisCli,
  startNnlab,
  startRedis,
  startWorker,
  type Proc,
} from './queue-harness.js';

/** Runs `nnlab` to the end and returns its exit code and output. */
async function nnlab(
  procs: Procs,
  name: string,
  args: string[],
): Promise<{ code: number | null; out: string }> {
  const p = startNnlab(procs, name, args);
  const code = await p.exited;
  return { code, out: p.output() };
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? d.path, d.name));
}

/** A queue test: its own temporary folder and set of processes, all killed and removed at the end (75 s at most). */
function queueTest(name: string, fn: (root: string, procs: Procs) => Promise<void>): void {
  test(name, { timeout: 75_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'nnlab-queue-'));
    const procs = new Procs();
    try {
      await fn(root, procs);
    } finally {
      await procs.killAll();
      rmSync(root, { recursive: true, force: true });
    }
  });
}

/** `nnlab run IDS… --quick --no-report SETTINGS… --redis URL --out OUT`: a run whose jobs go through the queue. */
const onQueue = (ids: string[], settings: string[], url: string, out: string): string[] => [
  'run',
  ...ids,
  '--quick',
  '--no-report',
  ...settings,
  '--redis',
  url,
  '--out',
  out,
];

/**
 * Runs the same experiments with the same settings on local threads into root/local, and checks that the
 * results stored through the queue (root/queue) equal them, envelope aside.
 */
async function sameAsLocal(
  procs: Procs,
  root: string,
  ids: string[],
  settings: string[],
  workers: number,
): Promise<void> {
  const args = ['run', ...ids, '--quick', '--no-report', ...settings, '--workers', String(workers)];
  const local = await nnlab(procs, 'run-local', [...args, '--out', join(root, 'local')]);
  assert.equal(local.code, 0, local.out);
  for (const id of ids)
    assert.deepEqual(
      comparable(join(root, 'queue', 'results', `${id}.json`)),
      comparable(join(root, 'local', 'results', `${id}.json`)),
      `${id}: queue and local results differ`,
    );
}

const count = (text: string, re: RegExp): number => (text.match(new RegExp(re, 'g')) ?? []).length;

queueTest(
  'p2 and p4 --quick through the queue on two workers equal a local run; a second coordinator trains nothing; the password never shows',
  async (root, procs) => {
    const password = 'pa55-w0rd-xyz';
    const redis = await startRedis(procs, root, await freePort(), password);
    const w1 = await startWorker(procs, 'w1', redis.url);
    const w2 = await startWorker(procs, 'w2', redis.url);
    const queued = await nnlab(procs, 'run-queue', onQueue(['p2', 'p4'], [], redis.url, join(root, 'queue')));
    assert.equal(queued.code, 0, queued.out);
    assert.match(queued.out, /jobs on the queue at redis:\/\/:\*\*\*@127\.0\.0\.1/);
    await sameAsLocal(procs, root, ['p2', 'p4'], [], 2);
    // Both workers took jobs.
    assert.ok(count(w1.output(), /starting p/) > 0 && count(w2.output(), /starting p/) > 0);
    const started = count(w1.output() + w2.output(), /starting p/);

    // A second coordinator (fresh store) finds every result in Redis: nothing is trained again.
    const again = await nnlab(procs, 'run-again', onQueue(['p2', 'p4'], [], redis.url, join(root, 'again')));
    assert.equal(again.code, 0, again.out);
    assert.equal(count(w1.output() + w2.output(), /starting p/), started, 'a job was trained twice');
    assert.deepEqual(
      comparable(join(root, 'again', 'results', 'p4.json')),
      comparable(join(root, 'queue', 'results', 'p4.json')),
    );

    // The password appears nowhere: outputs, stored results.
    const texts = [queued.out, again.out, w1.output(), w2.output()];
    for (const f of filesUnder(root).filter((f) => !f.endsWith('.rdb'))) texts.push(readFileSync(f, 'utf8'));
    for (const t of texts) assert.ok(!t.includes(password), `the password leaked: ${t.slice(0, 300)}`);
  },
);

queueTest('a job that diverges is recorded once as diverged, not retried', async (root, procs) => {
  const redis = await startRedis(procs, root, await freePort());
  const w1 = await startWorker(procs, 'w1', redis.url);
  const w2 = await startWorker(procs, 'w2', redis.url);
  const args = onQueue(
    ['p4'],
    ['--set', 'p4.learningRate=1e4', '--set', 'p4.variants=plain'],
    redis.url,
    join(root, 'diverge'),
  );
  const started = (): number => count(w1.output() + w2.output(), /starting p4\/plain\/seed1/);
  // A diverging job is a result (the divergence rule records it), trained once, never retried.
  const diverged = await nnlab(procs, 'run-diverge', args);
  assert.equal(diverged.code, 0, diverged.out);
  assert.match(diverged.out, /1 of 1 runs diverged/);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(started(), 1, 'the diverged job was retried');
  // Asked again, the stored result is up to date: nothing trains again.
  const again = await nnlab(procs, 'run-diverge-again', args);
  assert.equal(again.code, 0, again.out);
  assert.match(again.out, /up to date/);
  assert.equal(started(), 1, 'the diverged job was run again');
});

/** Polls until redis holds a checkpoint hash of experiment `expId`; returns its key. */
async function firstCheckpoint(redis: { port: number }, expId: string, ms: number): Promise<string> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const keys = redisCli(redis, '--scan', '--pattern', `nnlab:ckpt:${expId}:*`);
    if (keys !== '') return keys.split('\n')[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no checkpoint of ${expId} appeared in Redis within ${ms} ms`);
}

const P4_LONG = ['--set', 'p4.trainCount=2048', '--set', 'p4.epochs=4', '--set', 'p4.variants=std-bn'];

queueTest(
  'a worker killed with SIGKILL mid-job: the job stalls, resumes on another worker from its checkpoint, and ends as an uninterrupted run',
  async (root, procs) => {
    const redis = await startRedis(procs, root, await freePort());
    const stall = ['--stall-seconds', '2'];
    const w1 = await startWorker(procs, 'w1', redis.url, stall);
    const run = startNnlab(procs, 'run-queue', onQueue(['p4'], P4_LONG, redis.url, join(root, 'queue')));
    const hash = await firstCheckpoint(redis, 'p4', 40_000);
    w1.child.kill('SIGKILL');
    await w1.exited;
    const bytes = Number(redisCli(redis, 'hstrlen', hash, 'state'));
    assert.ok(bytes > 10_000, `checkpoint of ${bytes} bytes`);
    const w2: Proc = await startWorker(procs, 'w2', redis.url, stall);
    assert.equal(await run.exited, 0, run.output());
    assert.match(w2.output(), /resuming p4\/std-bn\/seed1 from its checkpoint \(state;/);
    assert.equal(redisCli(redis, '--scan', '--pattern', 'nnlab:ckpt:*'), '', 'checkpoints left in Redis');
    await sameAsLocal(procs, root, ['p4'], P4_LONG, 1);
  },
);

queueTest(
  'Redis restarted (empty) mid-run: workers and coordinator say so, reconnect, the lost jobs are enqueued again, and the stored result equals a local run',
  async (root, procs) => {
    const port = await freePort();
    const redis = await startRedis(procs, root, port);
    const w1 = await startWorker(procs, 'w1', redis.url, ['--stall-seconds', '2']);
    const run = startNnlab(procs, 'run-queue', onQueue(['p4'], P4_LONG, redis.url, join(root, 'queue')));
    await firstCheckpoint(redis, 'p4', 40_000);
    redis.proc.child.kill('SIGKILL');
    await redis.proc.exited;
    await w1.waitFor(/unreachable/, 10_000);
    await startRedis(procs, root, port);
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), /Redis at redis:\/\/127\.0\.0\.1:\d+\/0 is unreachable/);
    assert.match(run.output(), /no longer in Redis .*enqueued again/);
    assert.match(w1.output(), /reconnected to Redis/);
    await sameAsLocal(procs, root, ['p4'], P4_LONG, 1);
  },
);

queueTest(
  'the coordinator killed mid-run and started again: it picks up the finished results, waits for the rest, and no job trains twice',
  async (root, procs) => {
    const redis = await startRedis(procs, root, await freePort());
    const w1 = await startWorker(procs, 'w1', redis.url);
    const settings = ['--set', 'p4.trainCount=1024', '--set', 'p4.epochs=2'];
    const args = onQueue(['p4'], settings, redis.url, join(root, 'queue'));
    const first = startNnlab(procs, 'run-1', args);
    await w1.waitFor(/finished p4\//, 40_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = await nnlab(procs, 'run-2', args);
    assert.equal(second.code, 0, second.out);
    const starts = w1.output().match(/starting p4\/\S+/g) ?? [];
    assert.equal(starts.length, 4, `jobs started: ${starts.join(', ')}`);
    assert.equal(new Set(starts).size, 4);
    await sameAsLocal(procs, root, ['p4'], settings, 1);
  },
);

queueTest(
  'a sweep with ASHA on the queue stores the same trials and scores as the same sweep on local threads',
  async (root, procs) => {
    const redis = await startRedis(procs, root, await freePort());
    await startWorker(procs, 'w1', redis.url);
    await startWorker(procs, 'w2', redis.url);
    const sweep = [
      'sweep',
      'p4',
      '--quick',
      '--set',
      'p4.variants=plain',
      '--grid',
      'learningRate=0.01,0.05,0.2',
      '--grid',
      'batchSize=32,64',
      '--asha',
      '--eta',
      '3',
      '--max-epochs',
      '3',
      '--no-report',
    ];
    const queued = await nnlab(procs, 'sweep-queue', [
      ...sweep,
      '--redis',
      redis.url,
      '--out',
      join(root, 'queue'),
    ]);
    assert.equal(queued.code, 0, queued.out);
    const local = await nnlab(procs, 'sweep-local', [
      ...sweep,
      '--workers',
      '2',
      '--out',
      join(root, 'local'),
    ]);
    assert.equal(local.code, 0, local.out);
    type Summary = { trials: { name: string; resource: number; scores: number[] }[] };
    const read = (dir: string): Summary =>
      decodeJson<Summary>(readFileSync(join(root, dir, 'sweeps', 'p4', 'sweep.json'), 'utf8'));
    const byName = (s: Summary) =>
      Object.fromEntries(s.trials.map((t) => [`${t.name}@${t.resource}`, t.scores]));
    const [q, l] = [read('queue'), read('local')];
    // Asynchronous promotions depend on the order results arrive, so the trials beyond rung 0 may differ;
    // every trial both ran must score the same, bit for bit, and every configuration ran at rung 0 in both.
    const [bq, bl] = [byName(q), byName(l)];
    const common = Object.keys(bq).filter((k) => k in bl);
    assert.ok(common.length >= 6, `only ${common.length} trials in common`);
    for (const k of common) assert.deepEqual(bq[k], bl[k], k);
    assert.equal(q.trials.filter((t) => t.resource === 1).length, 6);
    assert.ok(
      q.trials.some((t) => t.resource === 3),
      'nothing reached the top rung on the queue',
    );
  },
);
