/**
 * A queue worker (`nnlab worker`): takes nnlab jobs from the BullMQ queue in Redis and runs each in a
 * sandbox thread (sandbox.ts). It refuses jobs of another nnlab version and jobs whose name its study does not
 * register, failing them for good with a message that says so. Each job's checkpoints live in Redis (a hash
 * per job), so a job whose worker died resumes on another worker from its last checkpoint; they are deleted
 * once the job's result is stored.
 */
import { hostname } from 'node:os';
import { Worker as BullWorker, UnrecoverableError, type Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import { NNLAB_VERSION } from '../version.js';
import type { Progress } from '../jobs/job.js';
import { encodeJson } from '../util/json-codec.js';
import {
  checkpointHash,
  QUEUE_NAME,
  type JobStats,
  type QueueJobData,
  type QueueJobResult,
} from './protocol.js';
import { maskSecret, parseRedisUrl, redisOptions, type RedisTarget } from './redis-url.js';
import { Sandbox, SandboxError } from './sandbox.js';

export interface QueueWorkerOptions {
  /** redis:// or rediss:// URL of the queue's Redis. */
  redis: string;
  /** Jobs run at once (one sandbox thread each). */
  concurrency: number;
  /** The study module every sandbox thread imports (experiment/study.ts studyModule()). */
  studyModule: string;
  /**
   * Seconds a job's lock lives without renewal: a worker silent this long (killed, its machine gone) has its
   * jobs declared stalled and resumed by another worker. Renewed every half of it while the job runs.
   */
  stallSeconds?: number;
  /** Where the worker's lines go (already free of the password). */
  log: (line: string) => void;
}

export interface QueueWorker {
  /** "host:pid", as recorded with each result. */
  readonly name: string;
  /** Stops taking jobs; `force` abandons running ones (they stall and resume elsewhere), else waits for them. */
  close(force?: boolean): Promise<void>;
}

/** Logs Redis connection trouble once per episode, and the recovery, instead of once per retry. */
export function connectionLogger(target: RedisTarget, who: string, log: (line: string) => void) {
  let down = false;
  let last = 0;
  return {
    error(e: Error): void {
      const now = Date.now();
      if (!down || now - last > 15_000) {
        const code = (e as Error & { code?: string }).code;
        log(
          maskSecret(
            `${who}: Redis at ${target.display} is unreachable (${code ?? e.message}); reconnecting with backoff (up to 10 s between tries)…`,
            target,
          ),
        );
        last = now;
      }
      down = true;
    },
    ready(): void {
      if (down) log(`${who}: reconnected to Redis at ${target.display}`);
      down = false;
    },
  };
}

export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorker> {
  const target = parseRedisUrl(opts.redis);
  const log = (line: string): void => opts.log(maskSecret(line, target));
  const name = `${hostname()}:${process.pid}`;
  const stallMs = Math.round((opts.stallSeconds ?? 15) * 1000);
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1)
    throw new Error(`startQueueWorker: concurrency must be an integer ≥ 1, got ${opts.concurrency}`);
  if (!(stallMs >= 1000))
    throw new Error(`startQueueWorker: stallSeconds must be ≥ 1, got ${opts.stallSeconds}`);
  const conn = connectionLogger(target, `worker ${name}`, log);
  const redis = new Redis(redisOptions(target));
  redis.on('error', (e: Error) => conn.error(e));
  redis.on('ready', () => conn.ready());
  const sandbox = new Sandbox(opts.concurrency, opts.studyModule);

  const processJob = async (job: BullJob<QueueJobData, string>): Promise<string> => {
    const d = job.data;
    const what = `${d.expId}/${d.key}`;
    if (d.nnlab !== NNLAB_VERSION) {
      throw new UnrecoverableError(
        `worker ${name} runs nnlab ${NNLAB_VERSION} and refuses job ${what} (${d.job}) of nnlab ${d.nnlab}: ` +
          `start workers with nnlab ${d.nnlab}, or run the coordinator with nnlab ${NNLAB_VERSION}`,
      );
    }
    const hash = checkpointHash(d.expId, d.jobId);
    const saved = Object.entries(await redis.hgetall(hash));
    const stats: JobStats = {
      runMs: 0,
      checkpointSaves: 0,
      checkpointMaxBytes: 0,
      resumedFrom: saved.map(([k]) => k).sort(),
    };
    const bytes = saved.reduce((s, [, v]) => s + Buffer.byteLength(v), 0);
    log(
      saved.length > 0
        ? `resuming ${what} from its checkpoint (${stats.resumedFrom.join(', ')}; ${(bytes / 1e6).toFixed(2)} MB) [attempt ${job.attemptsMade + 1}]`
        : `starting ${what} [attempt ${job.attemptsMade + 1}]`,
    );
    // Checkpoint writes go to Redis in order; the result is returned only after all of them landed.
    let writes: Promise<unknown> = Promise.resolve();
    let lastProgress = 0;
    const onProgress = (p: Progress): void => {
      const now = Date.now();
      if (now - lastProgress < 250 && p.done < p.total) return;
      lastProgress = now;
      job
        .updateProgress(p as unknown as object)
        .catch((e: Error) => log(`progress of ${what} not sent: ${e.message}`));
    };
    const onCheckpoint = (key: string, text: string): void => {
      stats.checkpointSaves++;
      stats.checkpointMaxBytes = Math.max(stats.checkpointMaxBytes, Buffer.byteLength(text));
      // An empty text is a discarded checkpoint (see sandbox-thread.ts): deleted, so no retry resumes it.
      writes = writes.then(() => (text === '' ? redis.hdel(hash, key) : redis.hset(hash, key, text)));
      // Handled here so a failed write never counts as an unhandled rejection; awaited (and thrown) below.
      writes.catch(() => {});
    };
    const t0 = performance.now();
    let text: string;
    try {
      text = await sandbox.run(
        { job: d.job, args: d.args, key: d.key, jobId: d.jobId, checkpoints: saved },
        onProgress,
        onCheckpoint,
      );
    } catch (e) {
      await writes.catch(() => {});
      if (e instanceof SandboxError && e.final) {
        log(`failed ${what}: ${e.message} (final: a job's own error is not retried)`);
        throw new UnrecoverableError(`job ${what} (${d.job}) failed on worker ${name}: ${e.message}`);
      }
      log(`infrastructure fault in ${what}: ${(e as Error).message} (will be retried)`);
      throw e;
    }
    stats.runMs = performance.now() - t0;
    await writes;
    log(
      `finished ${what} in ${(stats.runMs / 1000).toFixed(1)} s (${stats.checkpointSaves} checkpoints, largest ${(stats.checkpointMaxBytes / 1e6).toFixed(2)} MB)`,
    );
    const out: QueueJobResult = { result: text, worker: name, stats };
    return encodeJson(out);
  };

  const worker = new BullWorker<QueueJobData, string>(QUEUE_NAME, processJob, {
    connection: redisOptions(target),
    concurrency: opts.concurrency,
    lockDuration: stallMs,
    stalledInterval: Math.max(500, Math.round(stallMs / 2)),
    // A job may lose its worker several times (each time it resumes from its checkpoint) before it fails.
    maxStalledCount: 10,
    autorun: false,
  });
  worker.on('error', (e: Error) => conn.error(e));
  worker.on('ready', () => conn.ready());
  worker.on('stalled', (id: string) =>
    log(`job ${id} stalled (its worker stopped renewing its lock); queued again`),
  );
  worker.on('completed', (job: BullJob<QueueJobData, string>) => {
    redis.del(checkpointHash(job.data.expId, job.data.jobId)).catch(() => {});
  });
  worker.on('failed', (job: BullJob<QueueJobData, string> | undefined, e: Error) => {
    if (job !== undefined && e instanceof UnrecoverableError)
      redis.del(checkpointHash(job.data.expId, job.data.jobId)).catch(() => {});
  });
  await worker.waitUntilReady();
  void worker.run();
  log(
    `nnlab worker ${name} (nnlab ${NNLAB_VERSION}): ${opts.concurrency} thread${opts.concurrency > 1 ? 's' : ''}, ` +
      `queue ${QUEUE_NAME} at ${target.display}; waiting for jobs`,
  );
  return {
    name,
    async close(force = false): Promise<void> {
      await worker.close(force);
      await sandbox.close();
      redis.disconnect();
    },
  };
}
