/**
 * An experiment run against a run directory, for notebooks and scripts: the stored result when one exists
 * for exactly this config and seed (so re-executing a notebook loads in seconds), else the experiment runs on
 * the worker pool with its job checkpoints in the run directory (a killed run resumes) and its result is
 * stored — what `nnlab run` does for each experiment, without the terminal.
 */
import {
  executeExperiment,
  parseSetting,
  resolveConfig,
  type AnyExperiment,
  type Experiment,
} from '../experiment/index.js';
import type { Config } from '../experiment/types.js';
import type { Progress } from '../jobs/job.js';
import { NNLAB_VERSION } from '../version.js';
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
  const stored = store.upToDate(exp.id, config, seed);
  if (stored !== undefined) return stored.result as R;
  const t0 = performance.now();
  const workers = opts.workers;
  const result = await executeExperiment(any, config, {
    seed,
    workers,
    checkpointDir: store.checkpoints(exp.id).dir,
    onProgress: opts.onProgress,
  });
  store.writeResult({
    id: exp.id,
    title: exp.title,
    nnlabVersion: NNLAB_VERSION,
    seed,
    quick: opts.quick === true,
    config,
    wallSeconds: (performance.now() - t0) / 1000,
    workers: workers ?? 0,
    finishedAt: new Date().toISOString(),
    result,
  });
  return result as R;
}
