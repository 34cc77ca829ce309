/**
 * The contract between experiments (pure: config + seed → JSON-serialisable result), the runner (stores
 * results, checkpoints, progress, worker pool) and whatever presents stored results (a notebook, a report).
 */
import type { Job, JobTask, Progress } from '../jobs/job.js';

export interface RunContext {
  /** Progress of the experiment's own work (outside its jobs). */
  progress(p: Progress): void;
  /** Number of worker threads jobs are spread over (1 = run inline on this thread). */
  workers: number;
  /** Runs `job` once per task, in parallel on the pool, and returns the results in the order given. */
  runJobs<A, R>(job: Job<A, R>, tasks: JobTask<A>[]): Promise<R[]>;
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
  /** A short id, e.g. 'p4': names its result file, its checkpoints and its `--set` settings. */
  id: string;
  title: string;
  /** Every field with its default. `--set key=value` overrides, typed like the default. */
  defaults: C;
  /** Overrides applied by `--quick` (seconds, for tests). */
  quick: Partial<C>;
  fields: ConfigField[];
  /** Returns the list of problems with a config (empty when valid); the CLI refuses to start otherwise. */
  validate(config: C): string[];
  /**
   * The data files the experiment reads with this config, relative to the data folder (as `SHA256SUMS` lists
   * them): the CLI checks them before anything trains, so a bad file is found in seconds, not after hours.
   */
  dataFiles?(config: C): string[];
  /**
   * The kernel memory (bytes of a worker thread's wasm heap, NNLAB_HEAP_MB) one job of this config needs at
   * most, and what it is made of: the CLI refuses a run that cannot fit before anything trains.
   */
  kernelMemory?(config: C): KernelMemoryNeed;
  run(config: C, seed: number, ctx: RunContext): Promise<R>;
  /**
   * How many of a result's runs broke the divergence rule, for the command's summary line (absent: every
   * record with a `diverged` field is one run, and it diverged when that field is not null).
   */
  countDiverged?(result: R): DivergedCount;
  /** How `nnlab sweep` trains one configuration as one job and scores it (absent: not sweepable). */
  trial?: Trial<C>;
}

/** What an experiment's largest job needs of a worker thread's kernel memory (Experiment.kernelMemory). */
export interface KernelMemoryNeed {
  bytes: number;
  /** What the bytes are, in words, e.g. "data 218 MB, batch sizes 32…4096: 1650 MB". */
  detail: string;
}

/** "`diverged` of `runs` `unit` diverged" in the summary line of `nnlab run`. */
export interface DivergedCount {
  runs: number;
  diverged: number;
  /** What a run is, plural ('runs', 'nets'). */
  unit: string;
}

/** One job of a sweep: a defined job and its args (see trialTask). */
export interface TrialTask {
  job: Job<unknown, unknown>;
  args: unknown;
}

/** A typed job and args as a TrialTask. */
export function trialTask<A, R>(job: Job<A, R>, args: A): TrialTask {
  return { job: job as unknown as Job<unknown, unknown>, args };
}

/**
 * A sweep's view of an experiment: a single training per configuration and seed, so that a sweep over
 * hundreds of settings trains only what it compares, and early stopping (ASHA) can give it more epochs.
 */
export interface Trial<C extends Config> {
  /** The config key counted in epochs (what ASHA allocates), e.g. 'epochs'. */
  resource: keyof C & string;
  /** The name of the score, e.g. "validation accuracy"; higher is better. */
  metric: string;
  /** The job that trains `config` for `config[resource]` epochs from `seed`. */
  task(config: C, seed: number): TrialTask;
  /** The score of the job's result (NaN for a run that diverged). */
  score(result: unknown): number;
}
