/**
 * What the dashboard reads from run directories: runs, experiments, jobs with their state and progress, and
 * their metric series, all from files nnlab wrote (logs/<exp>/jobs.jsonl, logs/<exp>/<job>/metrics.jsonl,
 * results/<exp>.json). Names that come from a request are only ever compared with names listed here from disk,
 * and every path is checked to stay inside its run directory after symlinks are resolved.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import { flattenHParams, type HParamValue } from '../metrics/events.js';
import {
  METRICS_FILE,
  parseJobLog,
  readQueue,
  type JobStatus,
  type ParsedLog,
  type Series,
} from '../metrics/log.js';

/** A folder is a run directory when it has at least one of these (what `nnlab run` creates). */
const RUN_MARKERS = ['results', 'logs', 'checkpoints'];

export interface RunRef {
  name: string;
  path: string;
}

export class DashboardInputError extends Error {}

/** `realpath(child)` lies inside `realpath(root)` (so no `..` or symlink leads out). */
export function isInside(root: string, child: string): boolean {
  try {
    const r = realpathSync(root);
    const c = realpathSync(child);
    return c === r || c.startsWith(r.endsWith(sep) ? r : r + sep);
  } catch {
    return false;
  }
}

export const isRunDir = (dir: string): boolean => RUN_MARKERS.some((m) => existsSync(join(dir, m)));

/**
 * The run directories under `root`: `root` itself when it is one, else its subfolders that are (folders that
 * are not nnlab's are listed in `problems`). A missing root is an error the caller reports.
 */
export function findRuns(root: string): { runs: RunRef[]; problems: string[] } {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new DashboardInputError(
      `dashboard: ${root} does not exist or is not a folder; pass --out with a run directory (or a folder of them) that nnlab run wrote`,
    );
  }
  if (isRunDir(root)) return { runs: [{ name: basename(root), path: root }], problems: [] };
  const runs: RunRef[] = [];
  const problems: string[] = [];
  for (const name of readdirSync(root).sort()) {
    const path = join(root, name);
    if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) continue;
    if (!isInside(root, path)) {
      problems.push(`${name}: a link out of ${root}; not served`);
      continue;
    }
    if (isRunDir(path)) runs.push({ name, path });
    else problems.push(`${name}: not an nnlab run directory (no results/, logs/ or checkpoints/)`);
  }
  return { runs, problems };
}

export interface SeriesSummary {
  key: string;
  count: number;
  last: number | null;
  min: number | null;
  max: number | null;
  lastStep: number;
}

export interface JobView {
  dir: string;
  key: string;
  job: string;
  jobId: string;
  status: JobStatus;
  progress: { done: number; total: number; unit: string; info?: string } | null;
  sessions: number;
  hparams: Record<string, HParamValue>;
  series: SeriesSummary[];
  problems: string[];
  error?: string;
}

export interface ExperimentView {
  id: string;
  hasResult: boolean;
  jobs: JobView[];
  problems: string[];
}

export interface RunView {
  name: string;
  experiments: ExperimentView[];
  problems: string[];
}

/** JSON has no NaN/∞: they are sent as null (a gap in a chart). */
export const jsonNumber = (v: number): number | null => (Number.isFinite(v) ? v : null);

function summarize(key: string, s: Series): SeriesSummary {
  let min = Infinity;
  let max = -Infinity;
  for (const v of s.values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return {
    key,
    count: s.values.length,
    last: jsonNumber(s.values[s.values.length - 1]),
    min: jsonNumber(min),
    max: jsonNumber(max),
    lastStep: s.steps[s.steps.length - 1],
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Parsed logs by path, re-read only when the file's size or mtime changed. */
export class LogCache {
  private readonly cache = new Map<string, { size: number; mtimeMs: number; log: ParsedLog }>();

  read(dir: string): ParsedLog | null {
    const path = join(dir, METRICS_FILE);
    let st;
    try {
      st = statSync(path);
    } catch {
      return null;
    }
    const hit = this.cache.get(path);
    if (hit !== undefined && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.log;
    const log = parseJobLog(readFileSync(path, 'utf8'));
    this.cache.set(path, { size: st.size, mtimeMs: st.mtimeMs, log });
    return log;
  }
}

const NAME = /^[A-Za-z0-9._-]+$/;

/** Every experiment and job of one run, with states: queued (no log yet), running, done, diverged, failed, stopped. */
export function runView(run: RunRef, cache: LogCache): RunView {
  const view: RunView = { name: run.name, experiments: [], problems: [] };
  const logs = join(run.path, 'logs');
  const ids = new Set<string>();
  if (existsSync(logs)) for (const id of readdirSync(logs)) if (NAME.test(id)) ids.add(id);
  const results = join(run.path, 'results');
  if (existsSync(results))
    for (const f of readdirSync(results)) if (f.endsWith('.json')) ids.add(f.slice(0, -5));
  for (const id of [...ids].sort()) {
    const expDir = join(logs, id);
    const exp: ExperimentView = {
      id,
      hasResult: existsSync(join(results, `${id}.json`)),
      jobs: [],
      problems: [],
    };
    view.experiments.push(exp);
    if (!existsSync(expDir)) continue;
    if (!isInside(run.path, expDir)) {
      exp.problems.push(`logs/${id} leads out of the run directory; not served`);
      continue;
    }
    const queue = readQueue(expDir);
    exp.problems.push(...queue.problems);
    const byDir = new Map([...queue.jobs.values()].map((q) => [q.dir, q]));
    const dirs = new Set([
      ...byDir.keys(),
      ...readdirSync(expDir).filter((d) => NAME.test(d) && d !== 'jobs.jsonl'),
    ]);
    for (const dir of [...dirs].sort()) {
      const q = byDir.get(dir);
      const path = join(expDir, dir);
      if (existsSync(path) && !isInside(run.path, path)) {
        exp.problems.push(`${dir} leads out of the run directory; not served`);
        continue;
      }
      const log = existsSync(path) ? cache.read(path) : null;
      if (log === null && q === undefined) continue;
      let status: JobStatus = log === null ? 'queued' : log.status;
      // Queued or running in a process that is gone (killed, Ctrl-C): stopped, resumable by the same command.
      if ((status === 'running' || status === 'queued') && q !== undefined && !alive(q.pid))
        status = 'stopped';
      exp.jobs.push({
        dir,
        key: log?.start?.key ?? q?.key ?? dir,
        job: log?.start?.job ?? q?.job ?? '',
        jobId: log?.start?.jobId ?? q?.jobId ?? '',
        status,
        progress: log?.progress
          ? {
              done: log.progress.done,
              total: log.progress.total,
              unit: log.progress.unit,
              info: log.progress.info,
            }
          : null,
        sessions: log?.sessions ?? 0,
        hparams: log?.start ? flattenHParams(log.start.args) : {},
        series: log ? [...log.series].map(([k, s]) => summarize(k, s)) : [],
        problems: log ? log.problems : [],
        ...(log?.end?.error !== undefined ? { error: log.end.error } : {}),
      });
    }
  }
  return view;
}

/** The job directory of `run`/`exp`/`dir`, or an error naming what was not found (names are never joined unchecked). */
export function jobDir(run: RunRef, exp: string, dir: string): string {
  if (!NAME.test(exp) || !NAME.test(dir) || exp.startsWith('..') || dir.startsWith('..')) {
    throw new DashboardInputError(`no job ${JSON.stringify(dir)} in experiment ${JSON.stringify(exp)}`);
  }
  const path = join(run.path, 'logs', exp, dir);
  if (!existsSync(join(path, METRICS_FILE)) || !isInside(run.path, path)) {
    throw new DashboardInputError(
      `no job ${JSON.stringify(dir)} in experiment ${JSON.stringify(exp)} of run ${run.name}`,
    );
  }
  return path;
}

/**
 * Downsampling for the page: at most `max` points per series. The steps are cut into max/2 equal buckets and
 * each keeps its minimum and its maximum point, in step order (the "min-max" reduction of M4, Jugel et al.
 * 2014), so spikes and divergence stay visible at any zoom; a non-finite value is always kept (it breaks the
 * line). Series of at most `max` points come back whole.
 */
export function downsample(steps: number[], values: number[], max: number): number[] {
  const n = steps.length;
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor(max / 2));
  const lo = steps[0];
  const width = (steps[n - 1] - lo) / buckets || 1;
  const keep: number[] = [];
  let b = -1;
  let iMin = -1;
  let iMax = -1;
  const close = () => {
    if (iMin < 0) return;
    if (iMin === iMax) keep.push(iMin);
    else keep.push(Math.min(iMin, iMax), Math.max(iMin, iMax));
  };
  for (let i = 0; i < n; i++) {
    const bi = Math.min(buckets - 1, Math.floor((steps[i] - lo) / width));
    if (bi !== b) {
      close();
      b = bi;
      iMin = iMax = -1;
    }
    const v = values[i];
    if (!Number.isFinite(v)) {
      close();
      keep.push(i);
      iMin = iMax = -1;
      continue;
    }
    if (iMin < 0 || v < values[iMin]) iMin = i;
    if (iMax < 0 || v > values[iMax]) iMax = i;
  }
  close();
  return keep;
}
