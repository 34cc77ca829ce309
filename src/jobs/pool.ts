/**
 * The worker pool behind `RunContext.runJobs`: independent jobs (a defined job + cloneable args) run on
 * `workers` worker threads, each thread with its own module instances (its own wasm kernels and memory,
 * nothing shared). With `workers = 1` jobs run inline on the calling thread, one after another, through the
 * same code path, so results are identical. Progress events of jobs are relayed to `onProgress`; each job's
 * checkpoints go to `checkpointDir/<jobId>/` (visible to every thread) or, without a directory, to memory.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { FileCheckpointStore, MemoryCheckpointStore } from './checkpoint.js';
import { appendQueue, JobLog, jobLogDirName } from '../metrics/log.js';
import {
  jobId,
  lookupJob,
  type CheckpointStore,
  type Job,
  type JobContext,
  type JobTask,
  type Progress,
} from './job.js';

export interface PoolOptions {
  /** Worker threads (1 = inline on this thread); default: the number of cores. */
  workers?: number;
  /** Directory of the shared file checkpoint store; without it each thread keeps checkpoints in memory. */
  checkpointDir?: string;
  /** Directory of the jobs' metrics logs (`<dir>/<key>--<jobId>/`, see metrics/log.ts); none: not logged. */
  logDir?: string;
  /** Receives every progress event, tagged with the job's key. */
  onProgress?: (key: string, p: Progress) => void;
  /** Called when a job starts running and when it has finished (successfully or not). */
  onJobStart?: (key: string) => void;
  onJobEnd?: (key: string) => void;
}

/** A job failed: `key` names it; `cause` carries the original error's name, message and stack. */
export class JobError extends Error {
  constructor(
    readonly key: string,
    cause: Error,
  ) {
    super(`job "${key}" failed: ${cause.message}`, { cause });
    this.name = 'JobError';
    this.stack = `${this.name}: ${this.message}\n  original error: ${cause.stack ?? cause.message}`;
  }
}

/** An error as it crosses a thread boundary: name, message, stack and plain own fields (e.g. epoch). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, unknown>;
}

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (v === null || ['number', 'string', 'boolean'].includes(typeof v)) fields[k] = v;
  }
  return { name: e.name, message: e.message, stack: e.stack, fields };
}

export function deserializeError(s: SerializedError): Error {
  const e = new Error(s.message);
  Object.assign(e, s.fields);
  e.name = s.name;
  e.stack = s.stack ?? `${s.name}: ${s.message}`;
  return e;
}

/** A job as it crosses a thread boundary: its name and defining module, the args, key and jobId. */
export interface JobMessage {
  job: string;
  module: string;
  key: string;
  args: unknown;
  jobId: string;
}

/**
 * The registered job named `m.job`, importing its defining module first when this thread has not yet.
 * The module comes from the parent thread's own registry (never from outside the process).
 */
export async function resolveJob(m: { job: string; module: string }): Promise<Job<unknown, unknown>> {
  let job = lookupJob(m.job);
  if (job === undefined) {
    try {
      await import(m.module);
    } catch (e) {
      throw new Error(
        `pool: cannot import the module of job "${m.job}" (${m.module}): ${(e as Error).message}`,
      );
    }
    job = lookupJob(m.job);
  }
  if (job === undefined) throw new Error(`pool: module ${m.module} defines no job "${m.job}"`);
  return job;
}

/**
 * The checkpoint store of one job: `dir/<jobId>/` on disk, or an in-memory store kept per jobId in `memory`
 * (so a job re-run in the same thread resumes as it would from disk).
 */
export function jobCheckpoints(
  id: string,
  dir: string | null,
  memory: Map<string, MemoryCheckpointStore>,
): CheckpointStore {
  if (dir !== null) return new FileCheckpointStore(join(dir, id));
  let store = memory.get(id);
  if (store === undefined) memory.set(id, (store = new MemoryCheckpointStore()));
  return store;
}

/** Runs one job on this thread; with a `logDir`, its metrics log is opened here and closed when it ends. */
export async function runJobHere(
  m: JobMessage,
  checkpoints: CheckpointStore,
  progress: (p: Progress) => void,
  logDir: string | null = null,
): Promise<unknown> {
  const job = await resolveJob(m);
  if (logDir === null) return await job.run(m.args as never, { progress, checkpoints });
  const log = new JobLog(join(logDir, jobLogDirName(m.key, m.jobId)), m);
  const ctx: JobContext = {
    progress: (p) => {
      log.progress(p);
      progress(p);
    },
    checkpoints,
    log: (step, metrics, stream) => log.log(step, metrics, stream),
  };
  try {
    const value = await job.run(m.args as never, ctx);
    log.close('done');
    return value;
  } catch (e) {
    log.close('failed', e instanceof Error ? e.message : String(e));
    throw e;
  }
}

/** Messages between the pool and a worker (see pool-worker.ts). */
export type ToWorker = {
  type: 'run';
  id: number;
  spec: JobMessage;
  checkpointDir: string | null;
  logDir: string | null;
};
export type FromWorker =
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: SerializedError };

interface Task {
  id: number;
  spec: JobMessage;
  batch: Batch;
  resolve(value: unknown): void;
  reject(e: Error): void;
}

interface Batch {
  failed: boolean;
}

interface Slot {
  worker: Worker;
  task: Task | null;
}

/** The messages of a job list, checked before anything starts: keys must be unique non-empty strings. */
function messages<A>(job: Job<A, unknown>, tasks: JobTask<A>[]): JobMessage[] {
  if (lookupJob(job.name) !== job) {
    throw new Error(`runJobs: job "${job.name}" is not the one registered under that name (use defineJob)`);
  }
  const seen = new Set<string>();
  return tasks.map(({ key, args }) => {
    if (typeof key !== 'string' || key === '')
      throw new Error(`runJobs: every job needs a non-empty key, got ${JSON.stringify(key)}`);
    if (seen.has(key)) throw new Error(`runJobs: duplicate job key "${key}"`);
    seen.add(key);
    return { job: job.name, module: job.module, key, args, jobId: jobId(job.name, args) };
  });
}

export class WorkerPool {
  readonly workers: number;
  private readonly checkpointDir: string | null;
  private readonly logDir: string | null;
  private readonly onProgress: (key: string, p: Progress) => void;
  private readonly onJobStart: (key: string) => void;
  private readonly onJobEnd: (key: string) => void;
  private readonly inlineStores = new Map<string, MemoryCheckpointStore>();
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;

  constructor(opts: PoolOptions = {}) {
    const workers = opts.workers ?? availableParallelism();
    if (!Number.isInteger(workers) || workers < 1)
      throw new Error(`WorkerPool: workers must be an integer ≥ 1, got ${workers}`);
    this.workers = workers;
    this.checkpointDir = opts.checkpointDir ?? null;
    this.logDir = opts.logDir ?? null;
    this.onProgress = opts.onProgress ?? (() => {});
    this.onJobStart = opts.onJobStart ?? (() => {});
    this.onJobEnd = opts.onJobEnd ?? (() => {});
  }

  /**
   * Runs `job` once per task and returns the results in the given order; rejects with a JobError on the first
   * failure. Several calls may run at once (their jobs share the threads).
   */
  async runJobs<A, R>(job: Job<A, R>, tasks: JobTask<A>[]): Promise<R[]> {
    if (this.closed) throw new Error('WorkerPool.runJobs: the pool is closed');
    const jobs = messages(job, tasks);
    if (this.logDir !== null) {
      const dirOf = (j: JobMessage) => jobLogDirName(j.key, j.jobId);
      appendQueue(
        this.logDir,
        jobs.map((j) => ({ key: j.key, jobId: j.jobId, job: j.job, dir: dirOf(j) })),
      );
    }
    if (this.workers === 1) {
      const out: R[] = [];
      for (const spec of jobs) {
        this.onJobStart(spec.key);
        try {
          const store = jobCheckpoints(spec.jobId, this.checkpointDir, this.inlineStores);
          out.push((await runJobHere(spec, store, (p) => this.onProgress(spec.key, p), this.logDir)) as R);
        } catch (e) {
          throw new JobError(spec.key, e instanceof Error ? e : new Error(String(e)));
        } finally {
          this.onJobEnd(spec.key);
        }
      }
      return out;
    }
    const batch: Batch = { failed: false };
    const promises = jobs.map(
      (spec) =>
        new Promise<unknown>((resolve, reject) => {
          this.queue.push({ id: this.nextId++, spec, batch, resolve, reject });
        }),
    );
    this.dispatch();
    try {
      return (await Promise.all(promises)) as R[];
    } catch (e) {
      // Jobs of this batch not yet started are dropped; running ones finish and are ignored.
      batch.failed = true;
      for (let i = this.queue.length - 1; i >= 0; i--)
        if (this.queue[i].batch === batch) this.queue.splice(i, 1);
      throw e;
    }
  }

  /** Terminates the worker threads; pending jobs are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0))
      t.reject(new JobError(t.spec.key, new Error('the pool was closed')));
    const slots = this.slots.splice(0);
    for (const s of slots) s.task?.reject(new JobError(s.task.spec.key, new Error('the pool was closed')));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    for (;;) {
      const task = this.queue[0];
      if (task === undefined) return;
      if (task.batch.failed) {
        this.queue.shift();
        continue;
      }
      let slot = this.slots.find((s) => s.task === null);
      if (slot === undefined && this.slots.length < this.workers) slot = this.spawn();
      if (slot === undefined) return;
      this.queue.shift();
      slot.task = task;
      this.onJobStart(task.spec.key);
      const msg: ToWorker = {
        type: 'run',
        id: task.id,
        spec: task.spec,
        checkpointDir: this.checkpointDir,
        logDir: this.logDir,
      };
      slot.worker.postMessage(msg);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./pool-worker.js', import.meta.url));
    const slot: Slot = { worker, task: null };
    this.slots.push(slot);
    worker.on('message', (m: FromWorker) => {
      const task = slot.task;
      if (task === null || task.id !== m.id) return;
      if (m.type === 'progress') {
        this.onProgress(task.spec.key, m.progress);
        return;
      }
      slot.task = null;
      this.onJobEnd(task.spec.key);
      if (m.type === 'result') task.resolve(m.value);
      else task.reject(new JobError(task.spec.key, deserializeError(m.error)));
      this.dispatch();
    });
    // A worker that dies (uncaught error outside the job, out of memory) fails its job and is replaced.
    const fail = (e: Error): void => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      if (slot.task !== null) {
        this.onJobEnd(slot.task.spec.key);
        slot.task.reject(new JobError(slot.task.spec.key, e));
      }
      slot.task = null;
      if (!this.closed) this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`worker thread exited with code ${code}`)));
    return slot;
  }
}
