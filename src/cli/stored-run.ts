/**
 * An experiment run against a run directory, for notebooks and scripts: the stored result when one exists
 * for exactly this config and seed (so re-executing a notebook loads in seconds), else the experiment runs on
 * the worker pool with its job checkpoints in the run directory (a killed run resumes) and its result is
 * stored — what `nnlab run` does for each experiment, without the terminal.
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  executeExperiment,
  type ExecuteOptions,
  parseSetting,
  resolveConfig,
  type AnyExperiment,
  type Experiment,
} from '../experiment/index.js';
import type { Config } from '../experiment/types.js';
import type { Progress } from '../jobs/job.js';
import { NNLAB_VERSION } from '../version.js';
import { acquireRunLock, worksUnderLock } from './lock.js';
import { DEFAULT_OUT, RunStore } from './store.js';

export interface StoredRunOptions {
  /** The run directory (default runs/latest). */
  out?: string;
  seed?: number;
  quick?: boolean;
  /** `--set` style settings, e.g. ["p4.epochs=2"]; those of other experiments are ignored. */
  settings?: readonly string[];
  workers?: number;
  onProgress?: (key: string, p: Progress) => void;
}

/** The result of `exp` under these options, loaded from the run directory or trained and stored there. */
export async function runStored<C extends Config, R>(
  exp: Experiment<C, R>,
  opts: StoredRunOptions = {},
): Promise<R> {
  const any = exp as unknown as AnyExperiment;
  const settings = (opts.settings ?? []).map(parseSetting).filter((s) => s.id === exp.id);
  const config = resolveConfig(any, { quick: opts.quick, settings });
  const seed = opts.seed ?? 1;
  const store = new RunStore(opts.out ?? DEFAULT_OUT);
  // One writer per run directory: take its lock unless this process works under it (the notebook kernel of
  // `nnlab report`); a run directory that another nnlab is writing is refused, naming it.
  mkdirSync(store.root, { recursive: true });
  const lock = worksUnderLock(store.root) ? null : acquireRunLock(store.root, `runStored(${exp.id})`);
  try {
    const stored = store.upToDate(exp.id, config, seed);
    if (stored !== undefined) return stored.result as R;
    const { workers, onProgress } = opts;
    return (await executeAndStore(any, store, config, {
      seed,
      quick: opts.quick === true,
      workers,
      onProgress,
    })) as R;
  } finally {
    lock?.release();
  }
}

/** How executeAndStore runs an experiment: seed, scale, and the pool's size and hooks. */
export type StoreRunOptions = Omit<
  ExecuteOptions,
  'checkpointDir' | 'quarantineDir' | 'logDir' | 'runner'
> & {
  /** Recorded with the result (the config already holds the quick preset's values). */
  quick: boolean;
  /**
   * Run the jobs on `nnlab worker`s through the BullMQ queue in this Redis (redis://, rediss://) instead of on
   * local threads; the results are the same (src/queue/coordinator.ts).
   */
  redis?: string;
  /** Lines from the queue's coordinator about itself (reconnections), already free of passwords. */
  onMessage?: (text: string) => void;
};

/**
 * Runs `exp` with `config` against the run directory — job checkpoints, quarantine and metrics logs in it, so
 * a killed run resumes — and stores its result with the run's description. The one way `nnlab run` and
 * runStored (notebooks, scripts) produce a stored result.
 */
export async function executeAndStore(
  exp: AnyExperiment,
  store: RunStore,
  config: Config,
  opts: StoreRunOptions,
): Promise<unknown> {
  const { quick, redis, onMessage, ...execute } = opts;
  const t0 = performance.now();
  // Loaded only for --redis: BullMQ and ioredis are not needed otherwise.
  const runner =
    redis === undefined
      ? undefined
      : new (await import('../queue/coordinator.js')).QueueCoordinator({
          redis,
          expId: exp.id,
          workers: opts.workers ?? 1,
          log: onMessage,
          onJobEnd: (key: string) => opts.onJobEnd?.(key, false),
          onProgress: opts.onProgress ?? (() => {}),
          onJobStart: opts.onJobStart,
        });
  const result = await executeExperiment(exp, config, {
    ...execute,
    runner,
    checkpointDir: store.checkpoints(exp.id).dir,
    quarantineDir: store.quarantineDir,
    logDir: store.logDir(exp.id),
  });
  store.writeResult({
    id: exp.id,
    title: exp.title,
    nnlabVersion: NNLAB_VERSION,
    seed: opts.seed,
    quick,
    config,
    wallSeconds: (performance.now() - t0) / 1000,
    workers: opts.workers ?? availableParallelism(),
    finishedAt: new Date().toISOString(),
    result,
  });
  return result;
}
