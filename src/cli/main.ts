#!/usr/bin/env node
/**
 * `nnlab`: runs the Homework 3 study and writes its report.
 *   nnlab run [p1 … p5 | all] [--quick] [--out DIR] [--seed N] [--workers N] [--set id.key=value …] [--no-report]
 *   nnlab report [--out DIR]      nnlab list      nnlab --help
 * Every argument is checked before anything trains; bad input exits with status 2 and a message.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import {
  ConfigError,
  DEFAULT_SEED,
  findExperiment,
  parseSetting,
  resolveConfig,
  type Config,
  type Setting,
} from '../experiment/index.js';
import { deserializeError } from '../jobs/pool.js';
import { NNLAB_VERSION } from '../version.js';
import { ProgressView } from './progress.js';
import type { FromRunner, RunPlan } from './runner.js';
import { convertCommand, kernelCommand, NotebookUsageError } from './notebook-commands.js';
import { loadStudy } from '../experiment/study.js';
import { summarise } from './summary.js';
import { parseRedisUrl } from '../queue/redis-url.js';
import { DEFAULT_OUT, RunStore } from './store.js';
import { checkEnvironment, chooseWorkers, PreflightError, prepareRunDir } from './preflight.js';

const study = await loadStudy();
const experiments = study.experiments;
const getExperiment = (id: string) => findExperiment(experiments, id);

const USAGE = `nnlab ${NNLAB_VERSION}: the Homework 3 deep-learning study, trained for real, written up as a notebook and PDF.

Usage:
  nnlab run [p1 p2 p3 p4 p5 | all] [options]   train the experiments (default: all), then write the report
  nnlab report [--out DIR]                     re-render the report from stored results (no training)
  nnlab list                                   experiments, their settings, defaults and descriptions
  nnlab convert NOTEBOOK --to html|pdf|ipynb|ts  a notebook as HTML or PDF, or between .ipynb and .ts [--output FILE]
  nnlab kernel install [--dir DIR]             register the TypeScript kernel (tslab) with Jupyter
  nnlab dashboard [--out DIR] [--port N] [--host H]   watch, compare and export runs in the browser
  nnlab --help | --version

Options of run:
  --quick              small settings that finish in seconds (tests, a first look)
  --out DIR            run directory (default ${DEFAULT_OUT}): results/, checkpoints/, figures/, report/
  --seed N             seed of every random draw (default ${DEFAULT_SEED}); the same seed gives the same numbers
  --workers N          worker threads for independent jobs (default: the number of cores, here ${availableParallelism()})
  --set ID.KEY=VALUE   change a setting, e.g. --set p4.learningRate=0.05 (repeatable; lists as 1,2,3 or JSON)
  --no-report          only train and store results (write the report later with nnlab report)
  --redis URL          run the jobs on nnlab workers through the queue in Redis (redis://[:PW@]HOST:PORT[/DB],
                       rediss:// for TLS); results are stored here, identical to a local run

More machines:
  nnlab worker --redis URL [--concurrency N] [--stall-seconds S]   process queued jobs (see README)
  nnlab sweep pN --grid KEY=v1,v2 [--grid …] [--seeds 1-3] [--redis URL] [--asha …]   sweep settings

An experiment whose stored result has the same config, seed and nnlab version is not re-run. An interrupted
run keeps its checkpoints: run the same command again and it resumes where it stopped. The report is the
notebook executed against the stored results: it is written once every experiment has one (of one seed and
scale), and writing it never trains.
`;

/** Bad command-line input: printed with a pointer to --help, exit status 2. */
class UsageError extends Error {}

function fail(message: string): never {
  throw new UsageError(message);
}

/** Checks a --redis URL before anything starts (the message never repeats the URL: it may hold a password). */
function checkRedisUrl(text: string): void {
  try {
    parseRedisUrl(text);
  } catch (e) {
    fail(`--redis: ${(e as Error).message}`);
  }
}

function intOption(name: string, text: string | undefined, min: number, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^-?\d+$/.test(text.trim()) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    fail(`--${name} must be an integer ≥ ${min}, got "${text}"`);
  }
  return Number(text);
}

/** The command line as a shell would take it back (for "run the same command to resume"). */
function commandLine(argv: string[]): string {
  const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['nnlab', ...argv.map(quote)].join(' ');
}

type Options = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

function parse(argv: string[], options: Options): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    fail((e as Error).message);
  }
}

function list(): void {
  const lines: string[] = [];
  for (const e of experiments) {
    lines.push(`${e.id}  ${e.title}`);
    const rows = e.fields.map((f) => {
      const def = JSON.stringify(e.defaults[f.name]);
      const q = f.name in e.quick ? `  (quick: ${JSON.stringify(e.quick[f.name])})` : '';
      return [`${e.id}.${f.name}`, `${def}${q}`, f.description];
    });
    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.min(40, Math.max(...rows.map((r) => r[1].length)));
    for (const [k, d, desc] of rows) lines.push(`    ${k.padEnd(w0)}  ${d.padEnd(w1)}  ${desc}`);
    lines.push('');
  }
  lines.push('Change a setting with --set ID.KEY=VALUE, e.g. nnlab run p4 --set p4.learningRate=0.05');
  process.stdout.write(lines.join('\n') + '\n');
}

async function report(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { out: { type: 'string' } });
  if (positionals.length > 0) fail(`report takes no experiment names, got ${positionals.join(' ')}`);
  const out = (values.out as string | undefined) ?? DEFAULT_OUT;
  const store = new RunStore(out);
  if (!existsSync(store.resultsDir))
    fail(`no stored results in ${store.resultsDir}; run \`nnlab run\` first (with the same --out)`);
  const lock = prepareRunDir(out, commandLine(['report', ...argv]));
  // Loaded on demand: the report's dependencies (vega, pdfkit, MathJax) take a second or more to import.
  const { notebookReport, reportInputs } = await import('./report.js');
  const { stored, blockers } = reportInputs(study, store);
  if (stored.length === 0) {
    fail(`no stored results in ${store.resultsDir}; run \`nnlab run\` first (with the same --out)`);
  }
  // The notebook would train what it cannot load, and a report never trains.
  if (blockers.length > 0)
    fail(
      `no report from ${store.resultsDir}: ${blockers.join('; ')}. Run \`nnlab run all\` with the same --out, ` +
        `seed and scale first (stored results that match are not run again)`,
    );
  const r = await notebookReport(study, store, stored);
  lock.release();
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(`Report written:\n  ${r.notebook}\n  ${r.html}\n  ${r.pdf}\n`);
  return 0;
}

/** The plan of `nnlab run`: everything checked, nothing trained yet. */
function planRun(argv: string[]): { plan: RunPlan; skipped: string[]; notes: string[] } {
  const { values, positionals } = parse(argv, {
    quick: { type: 'boolean' },
    'no-report': { type: 'boolean' },
    out: { type: 'string' },
    seed: { type: 'string' },
    workers: { type: 'string' },
    set: { type: 'string', multiple: true },
    redis: { type: 'string' },
  });
  const redis = values.redis as string | undefined;
  if (redis !== undefined) checkRedisUrl(redis);
  const known = experiments.map((e) => e.id);
  const named = positionals.length === 0 || positionals.includes('all') ? known : positionals;
  for (const id of positionals) if (id !== 'all' && !known.includes(id)) getExperiment(id);
  const ids = known.filter((id) => named.includes(id));
  const seed = intOption('seed', values.seed as string | undefined, 0, DEFAULT_SEED);
  const requested =
    values.workers === undefined ? undefined : intOption('workers', values.workers as string, 1, 1);
  const { workers, notes } = chooseWorkers(requested);
  const quick = values.quick === true;
  const settings: Setting[] = ((values.set as string[] | undefined) ?? []).map(parseSetting);
  for (const s of settings) {
    if (!ids.includes(s.id)) {
      fail(
        `--set ${s.id}.${s.path.join('.')}: ${s.id} is not among the experiments of this run (${ids.join(' ')})`,
      );
    }
  }
  const problems: string[] = [];
  const configs: { id: string; config: Config }[] = [];
  for (const id of ids) {
    try {
      const mine = settings.filter((s) => s.id === id);
      configs.push({ id, config: resolveConfig(getExperiment(id), { quick, settings: mine }) });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  // The run directory is checked and locked (one writer) before its stored results are read.
  const out = (values.out as string | undefined) ?? DEFAULT_OUT;
  prepareRunDir(out, commandLine(['run', ...argv]));
  const store = new RunStore(out);
  const plan: RunPlan = {
    out: store.root,
    seed,
    workers,
    quick,
    report: values['no-report'] !== true,
    run: [],
    count: ids.length,
    indices: [],
    redis,
  };
  const skipped: string[] = [];
  configs.forEach(({ id, config }, i) => {
    if (store.upToDate(id, config, seed)) {
      skipped.push(
        `[${i + 1}/${ids.length}] ${id}: up to date (${store.resultPath(id)} has this config, seed and nnlab version); not re-run`,
      );
    } else {
      plan.run.push({ id, config });
      plan.indices.push(i + 1);
    }
  });
  checkEnvironment(plan.run.map(({ id, config }) => ({ exp: getExperiment(id), config })));
  return { plan, skipped, notes };
}

async function run(argv: string[]): Promise<number> {
  const { plan, skipped, notes } = planRun(argv);
  const view = new ProgressView(process.stdout);
  view.handle({
    type: 'message',
    text: `nnlab ${NNLAB_VERSION}: seed ${plan.seed}, ${plan.redis === undefined ? `${plan.workers} worker${plan.workers > 1 ? 's' : ''}` : `jobs on the queue at ${parseRedisUrl(plan.redis).display}`}${plan.quick ? ', quick' : ''}, into ${plan.out}`,
  });
  for (const s of [...notes, ...skipped]) view.handle({ type: 'message', text: s });
  const worker = new Worker(new URL('./runner.js', import.meta.url), { workerData: plan });
  const stop = (signal: NodeJS.Signals): void => {
    view.close();
    process.stderr.write(
      `\nnnlab: stopped by ${signal}. Stored results are in ${plan.out}/results and the checkpoints of unfinished ` +
        `work in ${plan.out}/checkpoints.\nTo resume, run the same command again:\n  ${commandLine(process.argv.slice(2))}\n`,
    );
    // Every file is written atomically, so ending mid-write leaves the previous complete version.
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return await new Promise<number>((resolve) => {
    let finished = false;
    worker.on('message', (m: FromRunner) => {
      if (m.type === 'event') {
        view.handle(m.event);
      } else if (m.type === 'experiment-failed') {
        const e = deserializeError(m.error);
        view.handle({ type: 'message', text: `${m.id} failed` });
        // An error of the disk or directory names its path and the fix; a stack would only hide that.
        process.stderr.write(
          `nnlab: ${m.id} failed: ${e.message}\n${m.environment ? '' : `${e.stack ?? ''}\n`}`,
        );
        process.stderr.write(
          `Checkpoints are kept in ${plan.out}/checkpoints; after fixing the cause, run the same command to resume.\n`,
        );
      } else if (m.type === 'finished') {
        finished = true;
        view.close();
        if (m.report === null) {
          if (m.outcomes.some((o) => o.stored))
            process.stdout.write(
              `Results stored in ${plan.out}/results${plan.report ? '' : ' (no report: --no-report)'}.\n`,
            );
          if (m.noReport.length > 0)
            process.stdout.write(
              `No report: ${m.noReport.join('; ')}. The notebook would train them; ` +
                `\`nnlab run all\` with the same --out, seed and scale writes it.\n`,
            );
        } else {
          for (const w of m.report.warnings) process.stderr.write(`warning: ${w}\n`);
          process.stdout.write(
            `Report written:\n  ${m.report.notebook}\n  ${m.report.html}\n  ${m.report.pdf}\n`,
          );
        }
        const { line, status } = summarise(m.outcomes);
        process.stdout.write(`${line}\n`);
        resolve(status);
      } else {
        finished = true;
        view.close();
        const e = deserializeError(m.error);
        process.stderr.write(`nnlab: the report failed: ${e.message}\n${e.stack ?? ''}\n`);
        resolve(1);
      }
    });
    worker.on('error', (e) => {
      finished = true;
      view.close();
      process.stderr.write(`nnlab: the runner crashed: ${e.stack ?? e.message}\n`);
      resolve(1);
    });
    worker.on('exit', (code) => {
      if (!finished) {
        view.close();
        process.stderr.write(`nnlab: the runner exited unexpectedly (code ${code})\n`);
        resolve(1);
      }
    });
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(USAGE);
        return 0;
      case '--version':
        process.stdout.write(`${NNLAB_VERSION}\n`);
        return 0;
      case 'list':
        if (rest.length > 0) fail(`list takes no arguments, got ${rest.join(' ')}`);
        list();
        return 0;
      case 'report':
        return await report(rest);
      case 'worker':
        return await (await import('./worker.js')).workerCommand(rest);
      case 'sweep':
        return await (await import('./sweep.js')).sweepCommand(rest, study);
      case 'convert':
        return await convertCommand(rest);
      case 'kernel':
        return kernelCommand(rest);
      case 'dashboard': // live curves, comparison and exports in the browser (cli/dashboard.ts)
        return await (await import('./dashboard.js')).dashboardCommand(rest);
      case 'run':
        if (rest.includes('--help') || rest.includes('-h')) {
          process.stdout.write(USAGE);
          return 0;
        }
        return await run(rest);
      default:
        fail(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof PreflightError) {
      process.stderr.write(`nnlab: ${e.message}\n`);
      return 2;
    }
    if (e instanceof UsageError || e instanceof ConfigError || e instanceof NotebookUsageError) {
      process.stderr.write(`nnlab: ${e.message}\nSee nnlab --help (and nnlab list for the settings).\n`);
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`nnlab: ${err.message}\n${err.stack ?? ''}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
