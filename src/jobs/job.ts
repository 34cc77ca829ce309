/**
 * The job contract: a job is one unit of independent, resumable work (a seed, a variant, a shard of nets),
 * defined once with `defineJob` and run by the worker pool (or any other runner) by its name alone.
 *
 * A job's identity is the canonical JSON of { job name, args, nnlab version } hashed to `jobId`: the runtime
 * gives each job a checkpoint store of its own under that id, so a job can only ever resume state written by
 * the same code version with the same arguments, and no job needs a fingerprint of its own.
 */
import { createHash } from 'node:crypto';
import { NNLAB_VERSION } from '../version.js';
import { canonicalJson } from '../util/json-codec.js';

/** A progress event: `done` of `total` `unit`s of the work named `label` (e.g. "p4/bn-input seed 1", epochs). */
export interface Progress {
  label: string;
  done: number;
  total: number;
  unit: string;
  /** A short line of current numbers, e.g. "loss 0.213 acc 0.934". */
  info?: string;
}

/**
 * Checkpoints of one job, keyed by short names of its choosing ("state", "shard-3"). Values are plain JSON
 * data; typed arrays and non-finite numbers inside them round-trip exactly (see json.ts).
 */
export interface CheckpointStore {
  load<T>(key: string): T | undefined;
  save<T>(key: string, value: T): void;
}

/** What a running job may use: no other I/O. */
export interface JobContext {
  progress(p: Progress): void;
  /** This job's own checkpoints (namespaced by its jobId by the runtime). */
  checkpoints: CheckpointStore;
  /**
   * Appends `metrics` at `step` of `stream` (default "epoch"; also "batch", "evaluation", …) to the job's
   * metrics log and TensorBoard event files (src/metrics/log.ts), as training happens. Absent where nothing
   * records metrics (a job run by hand, tests): call it as `ctx.log?.(…)`. A resumed job may log the steps
   * it repeats again; they are not duplicated.
   */
  log?(step: number, metrics: Record<string, number>, stream?: string): void;
}

/** A job function: args and result are structured-cloneable (they cross thread and process boundaries). */
export type JobFn<A, R> = (args: A, ctx: JobContext) => R | Promise<R>;

/** A defined job: a typed handle, so a renamed or mistyped job fails at compile time, not in a worker. */
export interface Job<A, R> {
  /** Unique name, e.g. "p4/train"; what crosses thread and process boundaries instead of code. */
  readonly name: string;
  /** File URL of the module that defines the job; a worker thread imports it to register the job. */
  readonly module: string;
  /** Runs the job here, on this thread (what a runner does; tests call it directly). */
  readonly run: (args: A, ctx: JobContext) => Promise<R>;
}

/** One job to run: which job, with which args, under which key (unique within one runJobs call). */
export interface JobTask<A> {
  key: string;
  args: A;
}

/** The untyped form of a job handle, for registries and runners that handle jobs of every kind. */
export type AnyJob = Job<never, unknown>;

const registry = new Map<string, Job<unknown, unknown>>();

/**
 * Defines a job and registers it under `name` for this thread: `export const trainSeed =
 * defineJob('p2/train-seed', import.meta.url, async (args: Args, ctx) => …)`. Defining the same name twice
 * from another module is an error (two pieces of code must never share an identity).
 */
export function defineJob<A, R>(name: string, module: string, run: JobFn<A, R>): Job<A, R> {
  if (!/^[a-z0-9][a-z0-9_/.-]*$/i.test(name)) {
    throw new Error(
      `defineJob: job name ${JSON.stringify(name)} must be letters, digits, "/", "-", "_" or "."`,
    );
  }
  const previous = registry.get(name);
  if (previous !== undefined && previous.module !== module) {
    throw new Error(`defineJob: job "${name}" is defined twice (${previous.module} and ${module})`);
  }
  const job: Job<A, R> = { name, module, run: async (args, ctx) => run(args, ctx) };
  registry.set(name, job as Job<unknown, unknown>);
  return job;
}

/** The job registered under `name` in this thread, or undefined (its module has not been imported). */
export function lookupJob(name: string): Job<unknown, unknown> | undefined {
  return registry.get(name);
}

/** The names of every job registered in this thread, sorted. */
export function registeredJobs(): string[] {
  return [...registry.keys()].sort();
}

/** jobId(name, args) = sha256(canonicalJson({ job: name, args, nnlab: version })), hex, first 24 digits. */
export function jobId(name: string, args: unknown): string {
  return createHash('sha256')
    .update(canonicalJson({ job: name, args, nnlab: NNLAB_VERSION }))
    .digest('hex')
    .slice(0, 24);
}
