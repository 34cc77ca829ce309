import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Job as BullJob, Queue } from 'bullmq';
import { NNLAB_VERSION } from '../version.js';
import { QueueCoordinator } from './coordinator.js';
import { squareJob, throwJob } from './fixture-study.js';
import { bullJobId, QUEUE_NAME, queueMessage, type QueueJobData } from './protocol.js';
import { parseRedisUrl, redisOptions } from './redis-url.js';
import { startQueueWorker } from './worker.js';
import { freePort } from '../util/free-port.js';

/** redis-server with `args`, without persistence, in `dir`; resolved once it accepts connections. */
async function startRedisServer(dir: string, args: string[]): Promise<ChildProcess> {
  const redis = spawn('redis-server', [...args, '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    redis.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    redis.once('exit', (c) => reject(new Error(`redis-server exited (${c}): ${out}`)));
  });
  return redis;
}

/** Waits until the BullMQ job `id` is failed or completed; returns it. */
async function settled(
  q: Queue<QueueJobData, string>,
  id: string,
  ms: number,
): Promise<BullJob<QueueJobData, string>> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const j = await BullJob.fromId<QueueJobData, string>(q, id);
    if (j !== undefined && (j.finishedOn ?? 0) > 0) return j;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not finish within ${ms} ms`);
}

test(
  'a worker refuses other nnlab versions, unknown job names and corrupted messages for good; job errors are final; results cross intact',
  { timeout: 40_000 },
  async () => {
    const dir = mkdtempSync(`${tmpdir()}/nnlab-qw-`);
    const port = await freePort();
    const redis = await startRedisServer(dir, ['--port', String(port), '--bind', '127.0.0.1']);
    const lines: string[] = [];
    const url = `redis://127.0.0.1:${port}`;
    let queue: Queue<QueueJobData, string> | undefined;
    let coordinator: QueueCoordinator | undefined;
    let worker: Awaited<ReturnType<typeof startQueueWorker>> | undefined;
    try {
      worker = await startQueueWorker({
        redis: url,
        concurrency: 2,
        studyModule: new URL('./fixture-study.js', import.meta.url).href,
        log: (l) => lines.push(l),
      });
      queue = new Queue<QueueJobData, string>(QUEUE_NAME, { connection: redisOptions(parseRedisUrl(url)) });
      const add = (data: QueueJobData, id: string) => queue!.add(data.job, data, { jobId: id, attempts: 3 });
      const other = { ...queueMessage('t', squareJob.name, 'old', { x: 2 }), nnlab: '0.0.0-other' };
      await add(other, 'version');
      const unknown = queueMessage('t', 'fixture/nope', 'nope', {});
      await add(unknown, 'unknown');
      const corrupt = { ...queueMessage('t', squareJob.name, 'corrupt', { x: 3 }), args: '{"x":4}' };
      await add(corrupt, 'corrupt');
      const cases: [string, RegExp][] = [
        [
          'version',
          new RegExp(
            `runs nnlab ${NNLAB_VERSION.replace(/\./g, '\\.')} and refuses job t/old .* of nnlab 0\\.0\\.0-other`,
          ),
        ],
        ['unknown', /no job named "fixture\/nope" is registered by this worker's study/],
        ['corrupt', /its args do not hash to its jobId/],
      ];
      for (const [id, reason] of cases) {
        const j = await settled(queue, id, 15_000);
        assert.equal(await j.getState(), 'failed', id);
        assert.match(j.failedReason, reason, id);
        assert.equal(j.attemptsMade, 1, `${id}: a refused job must not be retried`);
      }

      coordinator = new QueueCoordinator({ redis: url, expId: 't', workers: 2, reconcileMs: 200 });
      const out = await coordinator.runJobs(squareJob, [
        { key: 'a', args: { x: 3 } },
        { key: 'b', args: { x: -0.5 } },
      ]);
      assert.equal(out[0].y, 9);
      assert.equal(out[1].y, 0.25);
      assert.ok(Number.isNaN(out[0].nan) && Object.is(out[0].negZero, -0));
      assert.ok(out[1].v instanceof Float32Array && out[1].v[1] === Math.fround(1 / 3));
      assert.equal(coordinator.finished.length, 2);
      await assert.rejects(
        coordinator.runJobs(throwJob, [{ key: 'boom', args: { why: 'on purpose' } }]),
        /job "boom" failed: job t\/boom \(fixture\/throw\) failed on worker .*: fixture\/throw: on purpose/,
      );
      const thrown = await BullJob.fromId(
        queue,
        bullJobId('t', queueMessage('t', throwJob.name, 'boom', { why: 'on purpose' }).jobId),
      );
      assert.equal(thrown?.attemptsMade, 1, 'a job error is not retried');
      assert.ok(lines.some((l) => /waiting for jobs/.test(l)));
    } finally {
      await coordinator?.close();
      await queue?.close();
      await worker?.close(true);
      redis.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

const fixture = (name: string): string =>
  new URL(`../../src/queue/fixtures/${name}`, import.meta.url).pathname;

test(
  'rediss:// with a password: a worker and a coordinator over TLS (private CA from NNLAB_REDIS_CA)',
  { timeout: 30_000 },
  async () => {
    const dir = mkdtempSync(`${tmpdir()}/nnlab-qtls-`);
    const port = await freePort();
    const password = 'tls-pa55';
    const redis = await startRedisServer(dir, [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--tls-cert-file',
      fixture('test-server.crt'),
      '--tls-key-file',
      fixture('test-server.key'),
      '--tls-ca-cert-file',
      fixture('test-ca.crt'),
      '--tls-auth-clients',
      'no',
      '--requirepass',
      password,
    ]);
    const lines: string[] = [];
    const url = `rediss://:${password}@127.0.0.1:${port}`;
    const before = process.env.NNLAB_REDIS_CA;
    process.env.NNLAB_REDIS_CA = fixture('test-ca.crt');
    let coordinator: QueueCoordinator | undefined;
    let worker: Awaited<ReturnType<typeof startQueueWorker>> | undefined;
    try {
      worker = await startQueueWorker({
        redis: url,
        concurrency: 1,
        studyModule: new URL('./fixture-study.js', import.meta.url).href,
        log: (l) => lines.push(l),
      });
      coordinator = new QueueCoordinator({ redis: url, expId: 'tls', workers: 1, log: (l) => lines.push(l) });
      const [r] = await coordinator.runJobs(squareJob, [{ key: 'a', args: { x: 7 } }]);
      assert.equal(r.y, 49);
      assert.ok(
        lines.some((l) => l.includes(`rediss://:***@127.0.0.1:${port}/0`)),
        lines.join('\n'),
      );
      assert.ok(!lines.some((l) => l.includes(password)), 'the password was logged');
    } finally {
      if (before === undefined) delete process.env.NNLAB_REDIS_CA;
      else process.env.NNLAB_REDIS_CA = before;
      await coordinator?.close();
      await worker?.close(true);
      redis.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
