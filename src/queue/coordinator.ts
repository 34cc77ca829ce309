/**
 * The queue-backed `RunContext.runJobs` (`nnlab run --redis URL`): instead of worker threads here, each job
 * becomes a BullMQ job in Redis, run by `nnlab worker`s anywhere, and its result comes back to this process,
 * which stores the experiment's result as a local run would. The BullMQ id is the job's identity (experiment
 * id + jobId, a hash of the job name, args and nnlab version), so a coordinator restarted after a crash, or a
 * second one started at once, adds nothing new: it finds the finished results and waits for the rest.
 *
 * Completion is heard from the queue's event stream and, as a safety net for lost events and for a Redis that
 * restarted empty, every pending job's state is checked every few seconds; a job that vanished is enqueued
 * again (it resumes from its checkpoint if that survived, else trains from the start with the same result).
 */
import { Job as BullJob, Queue, QueueEvents } from 'bullmq';
import { lookupJob, type Job, type JobTask, type Progress } from '../jobs/job.js';
import { JobError } from '../jobs/pool.js';
import { decodeJson } from '../util/json-codec.js';
import {
  bullJobId,
  QUEUE_NAME,
  queueMessage,
  type JobStats,
  type QueueJobData,
  type QueueJobResult,
} from './protocol.js';
import { maskSecret, parseRedisUrl, redisOptions, type RedisTarget } from './redis-url.js';
import { connectionLogger } from './worker.js';

export interface CoordinatorOptions {
  redis: string;
  /** The experiment whose jobs these are (namespaces the ids). */
  expId: string;
  /** What `ctx.workers` reports to the experiment (it never changes what a job computes). */
  workers: number;
  onProgress?: (key: string, p: Progress) => void;
  onJobStart?: (key: string) => void;
  onJobEnd?: (key: string) => void;
  /** Lines about the queue (reconnections, re-enqueued jobs), already free of the password. */
  log?: (line: string) => void;
  /** Milliseconds between checks of every pending job's state (default 2000). */
  reconcileMs?: number;
  /** Attempts of a job on infrastructure faults (a dead thread, Redis errors); a job's own error is final. */
  attempts?: number;
}

/** A finished job as the coordinator saw it: for measurements (overhead, checkpoint sizes, who ran it). */
export interface FinishedJob {
  key: string;
  worker: string;
  stats: JobStats;
  /** Milliseconds from enqueueing (or finding) the job to having its result here. */
  latencyMs: number;
  /** True when the job had finished before this coordinator asked for it (an earlier coordinator's job). */
  found: boolean;
}

interface Pending {
  key: string;
  data: QueueJobData;
  addedAt: number;
  started: boolean;
  found: boolean;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class QueueCoordinator {
  readonly workers: number;
  readonly finished: FinishedJob[] = [];
  private readonly target: RedisTarget;
  private readonly queue: Queue<QueueJobData, string>;
  private readonly events: QueueEvents;
  private readonly pending = new Map<string, Pending[]>();
  private readonly log: (line: string) => void;
  private readonly timer: NodeJS.Timeout;
  private checking = false;
  private closed = false;

  constructor(private readonly opts: CoordinatorOptions) {
    this.target = parseRedisUrl(opts.redis);
    this.workers = opts.workers;
    const sink = opts.log ?? (() => {});
    this.log = (line) => sink(maskSecret(line, this.target));
    const conn = connectionLogger(this.target, 'coordinator', this.log);
    this.queue = new Queue<QueueJobData, string>(QUEUE_NAME, { connection: redisOptions(this.target) });
    this.events = new QueueEvents(QUEUE_NAME, { connection: redisOptions(this.target) });
    this.queue.on('error', (e: Error) => conn.error(e));
    this.events.on('error', (e: Error) => conn.error(e));
    this.events.on('completed', ({ jobId }) => this.checkLater(jobId));
    this.events.on('failed', ({ jobId }) => this.checkLater(jobId));
    this.events.on('active', ({ jobId }) => this.started(jobId));
    this.events.on('progress', ({ jobId, data }) => {
      this.started(jobId);
      for (const p of this.pending.get(jobId) ?? [])
        this.opts.onProgress?.(p.key, data as unknown as Progress);
    });
    this.timer = setInterval(() => void this.reconcile(), opts.reconcileMs ?? 2000);
  }

  /** Enqueues one BullMQ job per task (a no-op for a job already there) and returns the results in order. */
  async runJobs<A, R>(job: Job<A, R>, tasks: JobTask<A>[]): Promise<R[]> {
    if (this.closed) throw new Error('QueueCoordinator.runJobs: the coordinator is closed');
    if (lookupJob(job.name) !== job) {
      throw new Error(`runJobs: job "${job.name}" is not the one registered under that name (use defineJob)`);
    }
    const seen = new Set<string>();
    const promises: Promise<unknown>[] = [];
    const ids: string[] = [];
    for (const { key, args } of tasks) {
      if (typeof key !== 'string' || key === '')
        throw new Error(`runJobs: every job needs a non-empty key, got ${JSON.stringify(key)}`);
      if (seen.has(key)) throw new Error(`runJobs: duplicate job key "${key}"`);
      seen.add(key);
      const data = queueMessage(this.opts.expId, job.name, key, args);
      const id = bullJobId(this.opts.expId, data.jobId);
      ids.push(id);
      promises.push(
        new Promise((resolve, reject) => {
          const list = this.pending.get(id) ?? [];
          list.push({ key, data, addedAt: performance.now(), started: false, found: false, resolve, reject });
          this.pending.set(id, list);
        }),
      );
    }
    // Unhandled until awaited below: mark them handled so one early failure does not crash the process.
    for (const p of promises) p.catch(() => {});
    for (const id of new Set(ids)) {
      await this.enqueue(id);
      await this.check(id, true);
    }
    return (await Promise.all(promises)) as R[];
  }

  /** Stops listening; jobs still queued stay in Redis (a later coordinator finds them). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (const list of this.pending.values())
      for (const p of list) p.reject(new JobError(p.key, new Error('the coordinator was closed')));
    this.pending.clear();
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }

  private async enqueue(id: string): Promise<void> {
    const first = this.pending.get(id)?.[0];
    if (first === undefined) return;
    await this.queue.add(first.data.job, first.data, {
      jobId: id,
      attempts: this.opts.attempts ?? 5,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: false,
      removeOnFail: false,
    });
  }

  private started(id: string): void {
    for (const p of this.pending.get(id) ?? []) {
      if (!p.started) {
        p.started = true;
        this.opts.onJobStart?.(p.key);
      }
    }
  }

  /** check(id) from an event handler: its errors (Redis away) are left to the next reconciliation. */
  private checkLater(id: string): void {
    this.check(id).catch(() => {});
  }

  /**
   * Settles the pending entries of `id` if its BullMQ job finished; re-enqueues it if Redis lost it. `first`:
   * the check right after enqueueing (a finished job then was found, not run, by this coordinator).
   */
  private async check(id: string, first = false): Promise<void> {
    const list = this.pending.get(id);
    if (list === undefined || this.closed) return;
    // The state first, the job second: a job read before it completed would carry no result yet, while a
    // completed or failed job never changes again.
    const state = await this.queue.getJobState(id);
    if (this.pending.get(id) !== list) return;
    if (state === 'unknown') {
      this.log(
        `job ${list[0].data.expId}/${list[0].key} is no longer in Redis (was Redis restarted without persistence?); enqueued again`,
      );
      await this.enqueue(id);
      return;
    }
    if (state === 'active') this.started(id);
    if (state !== 'completed' && state !== 'failed') return;
    const job = await BullJob.fromId<QueueJobData, string>(this.queue, id);
    if (this.pending.get(id) !== list || job === undefined) return;
    this.pending.delete(id);
    for (const p of list) {
      p.found = first;
      if (!p.started) {
        p.started = true;
        this.opts.onJobStart?.(p.key);
      }
      this.opts.onJobEnd?.(p.key);
      if (state === 'failed') {
        p.reject(new JobError(p.key, new Error(job.failedReason ?? 'failed (no reason recorded)')));
        continue;
      }
      try {
        const out = decodeJson<QueueJobResult>(job.returnvalue);
        this.finished.push({
          key: p.key,
          worker: out.worker,
          stats: out.stats,
          latencyMs: performance.now() - p.addedAt,
          found: p.found,
        });
        p.resolve(decodeJson(out.result));
      } catch (e) {
        p.reject(
          new JobError(p.key, new Error(`its result in Redis is not readable: ${(e as Error).message}`)),
        );
      }
    }
  }

  private async reconcile(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      for (const id of [...this.pending.keys()]) await this.check(id);
    } catch (e) {
      // Redis away: the next round tries again (the connection logger has said why).
      void e;
    } finally {
      this.checking = false;
    }
  }
}
