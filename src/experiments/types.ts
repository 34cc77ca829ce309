/**
 * The contract between experiments (pure: config + seed → JSON-serialisable result), the runner (stores
 * results, checkpoints, progress, worker pool) and the report (renders stored results, never trains).
 */

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
 * Checkpoints of long work, keyed by a string unique within the experiment run. Values are plain JSON data;
 * typed arrays (Float32Array, Float64Array, Int32Array, Uint8Array) inside them round-trip exactly.
 * The runner's implementation writes atomically and clears a run's checkpoints once its result is stored.
 */
export interface CheckpointStore {
  load<T>(key: string): T | undefined;
  save<T>(key: string, value: T): void;
}

/** What a job (one unit of independent work, possibly in a worker thread) may use: no other I/O. */
export interface JobContext {
  progress(p: Progress): void;
  checkpoints: CheckpointStore;
}

/** A job function: exported by name from a compiled module; args and result are structured-cloneable. */
export type JobFn<A, R> = (args: A, ctx: JobContext) => R | Promise<R>;

/**
 * A job for the worker pool: `module` is the file URL of the module exporting `fn` (use
 * `import.meta.url` of the module that defines it), `key` names it for progress and checkpoints.
 */
export interface JobSpec<A = unknown> {
  module: string;
  fn: string;
  args: A;
  key: string;
}

export interface RunContext extends JobContext {
  /** Number of worker threads jobs are spread over (1 = run inline on this thread). */
  workers: number;
  /** Runs independent jobs, in parallel on the pool, and returns their results in the order given. */
  runJobs<R>(jobs: JobSpec[]): Promise<R[]>;
}

/** Documentation of one config field, for `nnlab list` and `--set` validation. */
export interface ConfigField {
  name: string;
  description: string;
}

/** Config values are JSON: numbers, strings, booleans and arrays/records of them. */
export type ConfigValue = number | string | boolean | null | ConfigValue[] | { [k: string]: ConfigValue };
export type Config = { [k: string]: ConfigValue };

export interface Experiment<C extends Config, R> {
  /** 'p1' … 'p5'. */
  id: string;
  title: string;
  /** Every field with its default (REFERENCE.md's values). `--set key=value` overrides, typed like the default. */
  defaults: C;
  /** Overrides applied by `--quick` (seconds, for tests). */
  quick: Partial<C>;
  fields: ConfigField[];
  /** Returns the list of problems with a config (empty when valid); the CLI refuses to start otherwise. */
  validate(config: C): string[];
  run(config: C, seed: number, ctx: RunContext): Promise<R>;
}
