/**
 * `nnlab sweep pN --grid KEY=v1,v2,… [--grid …] [--seeds 1-10] [--asha [--eta 3] [--grace 1] [--max-epochs N]]
 *  [--quick] [--set …] [--out DIR] [--workers N | --redis URL [--parallel N]] [--no-report]`:
 * a sweep of one experiment's trial (see sweep/run.ts) into DIR/sweeps/pN/, with its own report there.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, findExperiment, parseSetting, type Config, type Trial } from '../experiment/index.js';
import type { Study } from '../experiment/study.js';
import { WorkerPool } from '../jobs/pool.js';
import { parseRedisUrl } from '../queue/redis-url.js';
import { gridPoints, parseGridAxis, parseSeeds, runSweep, type TrialRunner } from '../sweep/run.js';
import { DEFAULT_OUT } from './store.js';

function int(name: string, text: string | undefined, min: number, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text.trim()) || Number(text) < min)
    throw new ConfigError(`sweep: --${name} must be an integer ≥ ${min}, got "${text}"`);
  return Number(text);
}

export async function sweepCommand(argv: string[], study: Study): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        grid: { type: 'string', multiple: true },
        seeds: { type: 'string' },
        set: { type: 'string', multiple: true },
        quick: { type: 'boolean' },
        out: { type: 'string' },
        workers: { type: 'string' },
        redis: { type: 'string' },
        parallel: { type: 'string' },
        asha: { type: 'boolean' },
        eta: { type: 'string' },
        grace: { type: 'string' },
        'max-epochs': { type: 'string' },
        'no-report': { type: 'boolean' },
      },
    });
  } catch (e) {
    throw new ConfigError(`sweep: ${(e as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1)
    throw new ConfigError(`sweep: name one experiment, e.g. nnlab sweep p4 --grid learningRate=0.01,0.1`);
  const exp = findExperiment(study.experiments, positionals[0]);
  const trial = exp.trial as Trial<Config> | undefined;
  if (trial === undefined)
    throw new ConfigError(`sweep: ${exp.id} cannot be swept (it defines no trial job)`);
  const gridTexts = (values.grid as string[] | undefined) ?? [];
  if (gridTexts.length === 0) throw new ConfigError('sweep: give at least one --grid KEY=v1,v2,…');
  let grid;
  let seeds: number[];
  try {
    grid = gridTexts.map((g) => parseGridAxis(g, exp.id));
    seeds = parseSeeds((values.seeds as string | undefined) ?? '1');
  } catch (e) {
    throw new ConfigError(`sweep: ${(e as Error).message}`);
  }
  const settings = ((values.set as string[] | undefined) ?? []).map(parseSetting);
  const quick = values.quick === true;
  const points = gridPoints(exp, quick, settings, grid); // ConfigErrors name the bad setting
  const redis = values.redis as string | undefined;
  if (redis !== undefined) {
    try {
      parseRedisUrl(redis);
    } catch (e) {
      throw new ConfigError(`sweep: --redis: ${(e as Error).message}`);
    }
  }
  const workers = int('workers', values.workers as string | undefined, 1, availableParallelism());
  const parallel = int(
    'parallel',
    values.parallel as string | undefined,
    1,
    redis === undefined ? workers : 8,
  );
  const asha =
    values.asha === true
      ? {
          eta: int('eta', values.eta as string | undefined, 2, 3),
          grace: int('grace', values.grace as string | undefined, 1, 1),
          max:
            values['max-epochs'] === undefined
              ? undefined
              : int('max-epochs', values['max-epochs'] as string, 1, 1),
        }
      : undefined;
  if (asha === undefined && (values.eta ?? values.grace ?? values['max-epochs']) !== undefined)
    throw new ConfigError('sweep: --eta, --grace and --max-epochs need --asha');
  const dir = join((values.out as string | undefined) ?? DEFAULT_OUT, 'sweeps', exp.id);
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  log(
    `nnlab sweep ${exp.id}: ${points.length} configurations × ${seeds.length} seed(s) of ${trial.metric}` +
      `${asha === undefined ? '' : `, ASHA (η ${asha.eta}, grace ${asha.grace})`}, ` +
      `${redis === undefined ? `${workers} worker thread(s)` : `on the queue at ${parseRedisUrl(redis).display}`}, into ${dir}`,
  );
  const checkpointDir = join(dir, 'checkpoints');
  let runner: TrialRunner & { close(): Promise<void> };
  if (redis === undefined) runner = new WorkerPool({ workers, checkpointDir });
  else {
    const { QueueCoordinator } = await import('../queue/coordinator.js');
    runner = new QueueCoordinator({ redis, expId: exp.id, workers, log });
  }
  try {
    const summary = await runSweep({
      exp,
      quick,
      settings,
      grid,
      seeds,
      asha,
      dir,
      runner,
      checkpointDir: redis === undefined ? checkpointDir : undefined,
      parallel,
      log,
    });
    const b = summary.best;
    log(
      `best: ${b === null ? 'none' : `${b.name} (${trial.metric} ${b.mean.toFixed(4)} at ${trial.resource}=${b.resource})`}; ` +
        `trained ${summary.spent.trained} seed-epochs (full grid: ${summary.spent.fullGrid}) in ${summary.wallSeconds.toFixed(1)} s`,
    );
    if (values['no-report'] !== true) {
      const { sweepDocument } = await import('../sweep/report.js');
      const { writeReport } = await import('../report/build.js');
      const r = await writeReport(sweepDocument(summary), dir, `sweep-${exp.id}`);
      log(`Sweep report written:\n  ${r.notebook}\n  ${r.html}\n  ${r.pdf}`);
    }
    return 0;
  } finally {
    await runner.close();
  }
}
