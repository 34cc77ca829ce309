/**
 * The thread that does the work of `nnlab run`: runs the planned experiments one after another (each on its
 * own worker pool, checkpointing into the run directory), stores each result, then writes the report. It
 * runs off the main thread so that the main thread stays free to draw progress and to act on Ctrl-C at once,
 * however long a computation blocks this one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { findExperiment, type Config } from '../experiment/index.js';
import { serializeError, type SerializedError } from '../jobs/pool.js';
import { loadStudy } from '../experiment/study.js';
import type { RunEvent } from './progress.js';
import { executeAndStore } from './stored-run.js';
import { RunStore } from './store.js';
import { countDiverged, type Outcome } from './summary.js';
import { PreflightError } from './preflight.js';
import { FileWriteError } from '../util/atomic.js';

export interface RunPlan {
  out: string;
  seed: number;
  workers: number;
  quick: boolean;
  /** Write the report once the experiments are done. */
  report: boolean;
  /** Experiments to run, in order, with their resolved configs. */
  run: { id: string; config: Config }[];
  /** How many experiments the command names (run + up to date), for "[i/n]". */
  count: number;
  /** The 1-based position of each planned experiment among those named. */
  indices: number[];
  /** Run the jobs on `nnlab worker`s through the queue in this Redis instead of local threads. */
  redis?: string;
}

export type FromRunner =
  | { type: 'event'; event: RunEvent }
  /** An experiment failed; the runner goes on with the next one (unless the disk or directory failed). */
  | { type: 'experiment-failed'; id: string; error: SerializedError; environment: boolean }
  /** The report failed (the results are stored). */
  | { type: 'failed'; id: null; error: SerializedError }
  | {
      type: 'finished';
      report: { notebook: string; html: string; pdf: string; warnings: string[] } | null;
      /** Why no report was written although one was asked for (reportInputs), else empty. */
      noReport: string[];
      outcomes: Outcome[];
    };

/** An error of the disk or the run directory (not of the experiment): later experiments would fail alike. */
function isEnvironmentError(e: unknown): boolean {
  // A job's error crosses the thread boundary as a plain Error with its name kept, wrapped in a JobError.
  for (let x: unknown = e; x instanceof Error; x = x.cause)
    if (x instanceof FileWriteError || x instanceof PreflightError || x.name === 'FileWriteError')
      return true;
  return false;
}

if (parentPort === null) throw new Error('cli/runner: must run as a worker thread of nnlab run');
const port = parentPort;
const plan = workerData as RunPlan;
const post = (m: FromRunner): void => port.postMessage(m);
const event = (e: RunEvent): void => post({ type: 'event', event: e });

const store = new RunStore(plan.out);
const study = await loadStudy();
const outcomes: Outcome[] = [];
for (const [i, { id, config }] of plan.run.entries()) {
  try {
    const exp = findExperiment(study.experiments, id);
    event({
      type: 'experiment-start',
      id,
      title: exp.title,
      index: plan.indices[i],
      count: plan.count,
      checkpoints: store.checkpointedJobs(id),
    });
    const t0 = performance.now();
    const result = await executeAndStore(exp, store, config, {
      seed: plan.seed,
      quick: plan.quick,
      workers: plan.workers,
      onProgress: (key, progress) => event({ type: 'progress', id, key, progress }),
      onJobStart: (key) => event({ type: 'job-start', id, key }),
      onJobEnd: (key, failed) => event({ type: 'job-end', id, key, failed }),
      redis: plan.redis,
      onMessage: (text) => event({ type: 'message', text }),
    });
    const seconds = (performance.now() - t0) / 1000;
    outcomes.push({ id, stored: true, ...(exp.countDiverged?.(result) ?? countDiverged(result)) });
    event({ type: 'experiment-end', id, seconds });
  } catch (e) {
    const environment = isEnvironmentError(e);
    post({ type: 'experiment-failed', id, error: serializeError(e), environment });
    outcomes.push({ id, stored: false, runs: 0, diverged: 0, unit: 'runs' });
    if (environment) break;
  }
}
try {
  // Loaded only for a report: its dependencies (vega, pdfkit, MathJax) take a second or more to import.
  const reporting = plan.report && outcomes.some((o) => o.stored) ? await import('./report.js') : null;
  const inputs = reporting?.reportInputs(study, store);
  const noReport = inputs?.blockers ?? [];
  if (reporting !== null && inputs !== undefined && noReport.length === 0) {
    event({
      type: 'message',
      text: study.notebook
        ? `Executing the notebook ${study.notebook} in the TypeScript kernel, then HTML and PDF…`
        : 'Writing the report (figures, notebook, HTML, PDF)…',
    });
    const r = await reporting.notebookReport(study, store, inputs.stored, (c) => {
      if (c.seconds !== undefined)
        event({ type: 'message', text: `  cell ${c.cell} done in ${c.seconds.toFixed(1)} s` });
    });
    post({
      type: 'finished',
      report: { notebook: r.notebook, html: r.html, pdf: r.pdf, warnings: r.warnings },
      noReport,
      outcomes,
    });
  } else {
    post({ type: 'finished', report: null, noReport, outcomes });
  }
} catch (e) {
  post({ type: 'failed', id: null, error: serializeError(e) });
}
