/**
 * Sweeps: a grid of settings × seeds, each configuration trained as one job per seed (the experiment's
 * `trial`), on local worker threads or on queue workers, optionally with ASHA early stopping over epochs.
 * Every (settings, seed, epochs) result is stored in a file of its own named by its settings, so a sweep
 * re-run (after a crash, or with more seeds) trains only what is missing.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  resolveConfig,
  type AnyExperiment,
  type Config,
  type ConfigValue,
  type Setting,
  type Trial,
} from '../experiment/index.js';
import { jobId, type Job, type JobTask } from '../jobs/job.js';
import { writeFileAtomic } from '../util/atomic.js';
import { decodeJson, encodeJson } from '../util/json-codec.js';
import { NNLAB_VERSION } from '../version.js';
import { Asha, type AshaOptions, type AshaTrial } from './asha.js';

/** One axis of the grid: a config key and the texts of its values (parsed like --set values). */
export interface GridAxis {
  key: string;
  values: string[];
}

/** What runs the trial jobs: the WorkerPool or the QueueCoordinator. */
export interface TrialRunner {
  runJobs<A, R>(job: Job<A, R>, tasks: JobTask<A>[]): Promise<R[]>;
}

export interface SweepOptions {
  exp: AnyExperiment;
  quick: boolean;
  /** --set settings applied to every point before the grid's. */
  settings: Setting[];
  grid: GridAxis[];
  seeds: number[];
  /** Early stopping; without it every point trains for the config's full resource. */
  asha?: Omit<AshaOptions, 'max'> & { max?: number };
  /** The sweep's directory: runs/<name>.json, checkpoints/, sweep.json. */
  dir: string;
  runner: TrialRunner;
  /** Directory of the local runner's checkpoints (cleared per job once its result is stored). */
  checkpointDir?: string;
  /** Trials (configuration × rung, all its seeds) in flight at once. */
  parallel: number;
  log: (line: string) => void;
}

/** A point of the grid: its settings and resolved config. */
export interface SweepPoint {
  /** "lr=0.01,batchSize=64": the grid's settings as given. */
  name: string;
  settings: Record<string, ConfigValue>;
  /** The grid's value texts by key, as given on the command line. */
  texts: Record<string, string>;
  config: Config;
}

/** One stored run: a point at one resource with one seed. */
export interface SweepRecord {
  expId: string;
  name: string;
  settings: Record<string, ConfigValue>;
  seed: number;
  resource: number;
  config: Config;
  nnlabVersion: string;
  metric: string;
  score: number;
  result: unknown;
  finishedAt: string;
}

/** A trial as summarised: a point at a rung, with its seeds' scores. */
export interface SweepTrialSummary {
  point: number;
  name: string;
  rung: number;
  resource: number;
  scores: number[];
  mean: number;
}

export interface SweepSummary {
  expId: string;
  metric: string;
  resourceKey: string;
  grid: GridAxis[];
  seeds: number[];
  points: SweepPoint[];
  asha: AshaOptions | null;
  rungs: number[];
  trials: SweepTrialSummary[];
  best: { name: string; resource: number; mean: number } | null;
  /** Epochs × seeds trained (or found stored), and what the full grid at the top resource costs. */
  spent: { trained: number; resumed: number; fullGrid: number };
  wallSeconds: number;
}

/** Parses "1-10" or "1,2,5" into seeds. */
export function parseSeeds(text: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(text.trim());
  if (range !== null) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (b < a || b - a > 999)
      throw new Error(`parseSeeds: range "${text}" must be A-B with A ≤ B, at most 1000 seeds`);
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  }
  const seeds = text.split(',').map((s) => s.trim());
  if (seeds.some((s) => !/^\d+$/.test(s)))
    throw new Error(`parseSeeds: "${text}" must be A-B or a list like 1,2,5`);
  return [...new Set(seeds.map(Number))];
}

/** Parses "--grid KEY=v1,v2": the key may carry the experiment id ("p4.learningRate"). */
export function parseGridAxis(text: string, expId: string): GridAxis {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`--grid ${text}: expected KEY=v1,v2,…, e.g. learningRate=0.01,0.1`);
  let key = text.slice(0, eq);
  if (key.startsWith(`${expId}.`)) key = key.slice(expId.length + 1);
  const values = text
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (values.length === 0) throw new Error(`--grid ${text}: no values`);
  return { key, values };
}

/** The grid's points, resolved and validated (every bad setting reported before anything trains). */
export function gridPoints(
  exp: AnyExperiment,
  quick: boolean,
  settings: Setting[],
  grid: GridAxis[],
): SweepPoint[] {
  let combos: [string, string][][] = [[]];
  for (const axis of grid)
    combos = combos.flatMap((c) => axis.values.map((v) => [...c, [axis.key, v] as [string, string]]));
  return combos.map((c) => {
    const extra: Setting[] = c.map(([k, v]) => ({ id: exp.id, path: k.split('.'), text: v }));
    const config = resolveConfig(exp, { quick, settings: [...settings, ...extra] });
    const pointSettings: Record<string, ConfigValue> = {};
    for (const [k] of c)
      pointSettings[k] = k.split('.').reduce<ConfigValue>((node, p) => (node as Config)[p], config);
    return {
      name: c.map(([k, v]) => `${k}=${v}`).join(','),
      settings: pointSettings,
      texts: Object.fromEntries(c),
      config,
    };
  });
}

const fileName = (name: string): string => `${name.replace(/[^\w.=,+-]/g, '_')}.json`;

/** Mean of scores; NaN if any is NaN (a diverged seed makes the point rank last). */
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Runs the sweep and returns its summary (also written to dir/sweep.json). */
export async function runSweep(o: SweepOptions): Promise<SweepSummary> {
  const trial = o.exp.trial as Trial<Config> | undefined;
  if (trial === undefined) {
    throw new Error(
      `runSweep: experiment ${o.exp.id} defines no trial (the job a sweep trains); it cannot be swept`,
    );
  }
  const t0 = performance.now();
  const dir = resolve(o.dir);
  const points = gridPoints(o.exp, o.quick, o.settings, o.grid);
  const top = Number(points[0].config[trial.resource]);
  const ashaOpts: AshaOptions =
    o.asha === undefined ? { grace: top, eta: 2, max: top } : { ...o.asha, max: o.asha.max ?? top };
  const asha = new Asha(points.length, ashaOpts);
  const trials: SweepTrialSummary[] = [];
  let seedEpochs = 0;

  const runTrial = async (point: number, rung: number, resource: number): Promise<void> => {
    const p = points[point];
    const config: Config = { ...p.config, [trial.resource]: resource };
    const problems = o.exp.validate(config);
    if (problems.length > 0)
      throw new Error(`runSweep: ${p.name} at ${trial.resource}=${resource}: ${problems.join('; ')}`);
    const runName = (seed: number): string => `${p.name},${trial.resource}=${resource},seed=${seed}`;
    const scores = new Map<number, number>();
    const missing: { seed: number; task: ReturnType<Trial<Config>['task']> }[] = [];
    for (const seed of o.seeds) {
      const path = join(dir, 'runs', fileName(runName(seed)));
      const stored = existsSync(path) ? decodeJson<SweepRecord>(readFileSync(path, 'utf8')) : undefined;
      if (stored !== undefined && stored.seed === seed && isDeepStrictEqual(stored.config, config)) {
        scores.set(seed, stored.score);
      } else missing.push({ seed, task: trial.task(config, seed) });
    }
    if (missing.length > 0) {
      const job = missing[0].task.job;
      const results = await o.runner.runJobs(
        job,
        missing.map((m) => ({ key: runName(m.seed), args: m.task.args })),
      );
      results.forEach((result, i) => {
        const { seed, task } = missing[i];
        const score = trial.score(result);
        scores.set(seed, score);
        const run: SweepRecord = {
          expId: o.exp.id,
          name: runName(seed),
          settings: p.settings,
          seed,
          resource,
          config,
          nnlabVersion: NNLAB_VERSION,
          metric: trial.metric,
          score,
          result,
          finishedAt: new Date().toISOString(),
        };
        writeFileAtomic(join(dir, 'runs', fileName(run.name)), encodeJson(run, 1));
        if (o.checkpointDir !== undefined)
          rmSync(join(o.checkpointDir, jobId(task.job.name, task.args)), { recursive: true, force: true });
      });
    }
    seedEpochs += resource * o.seeds.length;
    const ordered = o.seeds.map((s) => scores.get(s) ?? NaN);
    const m = mean(ordered);
    trials.push({ point, name: p.name, rung, resource, scores: ordered, mean: m });
    asha.report(point, rung, m);
    o.log(
      `[${trials.length}] ${p.name} at ${trial.resource}=${resource}: ${trial.metric} ${m.toFixed(4)} ` +
        `(${o.seeds.length} seed${o.seeds.length > 1 ? 's' : ''}${missing.length < o.seeds.length ? `, ${o.seeds.length - missing.length} stored` : ''})`,
    );
  };

  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  for (;;) {
    while (failure === null && inFlight.size < o.parallel) {
      const step = asha.next();
      if (step.kind !== 'run') break;
      const pr: Promise<void> = runTrial(step.config, step.rung, step.resource)
        .catch((e: unknown) => {
          failure ??= e;
        })
        .finally(() => inFlight.delete(pr));
      inFlight.add(pr);
    }
    if (inFlight.size === 0) break;
    await Promise.race(inFlight);
  }
  if (failure !== null) throw failure;

  const best = asha.best();
  const spent = asha.spent();
  const summary: SweepSummary = {
    expId: o.exp.id,
    metric: trial.metric,
    resourceKey: trial.resource,
    grid: o.grid,
    seeds: o.seeds,
    points,
    asha: o.asha === undefined ? null : ashaOpts,
    rungs: asha.rungs,
    trials,
    best: best === undefined ? null : bestOf(best, points),
    spent: {
      trained: seedEpochs,
      resumed: spent.resumed * o.seeds.length,
      fullGrid: points.length * asha.rungs[asha.rungs.length - 1] * o.seeds.length,
    },
    wallSeconds: (performance.now() - t0) / 1000,
  };
  writeFileAtomic(join(dir, 'sweep.json'), encodeJson(summary, 1));
  return summary;
}

function bestOf(t: AshaTrial, points: SweepPoint[]): { name: string; resource: number; mean: number } {
  return { name: points[t.config].name, resource: t.resource, mean: t.score };
}
