/**
 * The metrics log of one job: an append-only JSON-lines file `metrics.jsonl` in the job's log directory
 * (`<run>/logs/<experiment>/<key>--<jobId>/`), next to TensorBoard event files of the same numbers.
 *
 * Records, one JSON object a line:
 *   { t: "start", time, job, key, jobId, args, seed }     each session of the job (a resume starts another)
 *   { t: "m", s: stream, step, time, wall, v: { name: value } }   metrics at `step` of `stream` ("epoch",
 *                                                          "batch", "evaluation", …); wall = job seconds so far
 *   { t: "progress", time, done, total, unit, info }      the job's progress (at most one a second)
 *   { t: "end", time, status: "done" | "failed", error }
 * Non-finite values are written as the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers).
 *
 * Kill safety: lines are appended whole with one write; a process killed mid-write leaves at most one torn
 * last line, which the reader ignores. Resume: a reopened log knows the last step of every series on disk and
 * drops new values at or before it (nnlab's resumes are bit-exact, so those values are already there), so a
 * resumed job continues the same log without duplicate epochs; the reader also keeps the last value of a
 * repeated (series, step) as a second guard.
 */
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EventFileWriter,
  flattenHParams,
  scalarsEvent,
  sessionEndEvent,
  sessionStartEvent,
} from './events.js';

export const METRICS_FILE = 'metrics.jsonl';
export const QUEUE_FILE = 'jobs.jsonl';
/** How long buffered records may wait for the next log call before being written (seconds). */
export const FLUSH_SECONDS = 0.5;

export type LogValue = number | 'NaN' | 'Infinity' | '-Infinity';

export type LogRecord =
  | { t: 'start'; time: number; job: string; key: string; jobId: string; args: unknown; seed: number | null }
  | { t: 'm'; s: string; step: number; time: number; wall: number; v: Record<string, LogValue> }
  | { t: 'progress'; time: number; done: number; total: number; unit: string; info?: string }
  | { t: 'end'; time: number; status: 'done' | 'failed'; error?: string };

/** A queue record of `jobs.jsonl` (one per experiment, written by the pool): a job that will run. */
export interface QueueRecord {
  t: 'queued';
  time: number;
  key: string;
  jobId: string;
  job: string;
  dir: string;
  /** Process that queued it: a dashboard shows jobs of a process that is gone as stopped. */
  pid: number;
}

export function encodeValue(v: number): LogValue {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

export function decodeValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return NaN;
}

/** The directory name of a job's log: its key made file-safe (for people and TensorBoard run names) + jobId. */
export function jobLogDirName(key: string, jobId: string): string {
  const safe = key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'job';
  return `${safe}--${jobId}`;
}

/** One series of a job: `metric` of `stream`, its steps, values and the job's wall seconds at each step. */
export interface Series {
  stream: string;
  metric: string;
  steps: number[];
  values: number[];
  wall: number[];
}

export type JobStatus = 'queued' | 'running' | 'done' | 'diverged' | 'failed' | 'stopped';

export interface ParsedLog {
  start: Extract<LogRecord, { t: 'start' }> | null;
  sessions: number;
  series: Map<string, Series>;
  progress: Extract<LogRecord, { t: 'progress' }> | null;
  end: Extract<LogRecord, { t: 'end' }> | null;
  /** Lines that could not be read, "line N: why" (a torn last line is not counted). */
  problems: string[];
  /** done | failed | running (ended sessions), with diverged for a done job whose loss went non-finite. */
  status: JobStatus;
}

export const seriesKey = (stream: string, metric: string): string => `${stream}/${metric}`;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a metrics log. Unreadable lines are skipped and listed in `problems`, never fatal; a last line
 * without its newline (a write cut short), or such a line followed by the start of the resumed session, is
 * ignored silently. A step that comes again within a series
 * (a resumed session that logged it again) replaces the earlier points from that step on.
 */
export function parseJobLog(text: string): ParsedLog {
  const out: ParsedLog = {
    start: null,
    sessions: 0,
    series: new Map(),
    progress: null,
    end: null,
    problems: [],
    status: 'running',
  };
  const lines = text.split('\n');
  const torn = lines.pop() ?? '';
  const all = torn.trim() === '' ? lines : [...lines, torn];
  let tornAt = -2;
  all.forEach((line, i) => {
    if (line.trim() === '') return;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch (e) {
      if (i !== lines.length) out.problems.push(`line ${i + 1}: not JSON (${(e as Error).message})`);
      tornAt = i;
      return;
    }
    if (!isRecord(r) || typeof r['t'] !== 'string') {
      out.problems.push(`line ${i + 1}: not a log record`);
      return;
    }
    if (r.t === 'start') {
      // A bad line just before a session start is the torn tail of a killed session: expected, not a problem.
      if (tornAt === i - 1) out.problems.pop();
      out.start = r as ParsedLog['start'];
      out.sessions++;
      out.end = null;
    } else if (r.t === 'end') out.end = r as ParsedLog['end'];
    else if (r.t === 'progress') out.progress = r as ParsedLog['progress'];
    else if (r.t === 'm') {
      if (typeof r['s'] !== 'string' || typeof r['step'] !== 'number' || !isRecord(r['v'])) {
        out.problems.push(`line ${i + 1}: a metrics record needs s, step and v`);
        return;
      }
      const wall = typeof r['wall'] === 'number' ? r['wall'] : NaN;
      for (const [metric, raw] of Object.entries(r['v'])) {
        const key = seriesKey(r.s, metric);
        let s = out.series.get(key);
        if (s === undefined)
          out.series.set(key, (s = { stream: r.s, metric, steps: [], values: [], wall: [] }));
        const step = r.step;
        if (s.steps.length > 0 && step <= s.steps[s.steps.length - 1]) {
          let k = s.steps.length;
          while (k > 0 && s.steps[k - 1] >= step) k--;
          s.steps.length = k;
          s.values.length = k;
          s.wall.length = k;
        }
        s.steps.push(step);
        s.values.push(decodeValue(raw));
        s.wall.push(wall);
      }
    }
  });
  if (out.end === null) out.status = 'running';
  else if (out.end.status === 'failed') out.status = 'failed';
  else out.status = diverged(out.series) ? 'diverged' : 'done';
  return out;
}

/** A finished job diverged when a loss series ends non-finite or a `diverged` metric is positive. */
function diverged(series: Map<string, Series>): boolean {
  for (const s of series.values()) {
    const last = s.values[s.values.length - 1];
    if (/loss|cost/i.test(s.metric) && !Number.isFinite(last)) return true;
    if (s.metric === 'diverged' && last > 0) return true;
  }
  return false;
}

export function readJobLog(dir: string): ParsedLog | null {
  const path = join(dir, METRICS_FILE);
  if (!existsSync(path)) return null;
  return parseJobLog(readFileSync(path, 'utf8'));
}

export interface JobLogInfo {
  job: string;
  key: string;
  jobId: string;
  args: unknown;
}

/**
 * The writer of one job's log directory: `metrics.jsonl` and the event files (the "epoch" stream's in the
 * directory itself, every other stream's in a subdirectory of its name, so each TensorBoard run has one
 * step axis). One writer per directory: the thread that runs the job.
 */
export class JobLog {
  readonly dir: string;
  private readonly fd: number;
  private lines: string[] = [];
  private readonly events = new Map<string, EventFileWriter>();
  /** The last step of each series already on disk (values at or before it are not logged again). */
  private readonly onDisk = new Map<string, number>();
  private readonly priorWall: number;
  private readonly t0 = performance.now();
  private lastFlush = performance.now();
  private lastProgress = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(dir: string, info: JobLogInfo) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
    const previous = readJobLog(dir);
    let priorWall = 0;
    if (previous !== null) {
      for (const [k, s] of previous.series) {
        this.onDisk.set(k, s.steps[s.steps.length - 1]);
        const w = s.wall[s.wall.length - 1];
        if (Number.isFinite(w)) priorWall = Math.max(priorWall, w);
      }
    }
    this.priorWall = priorWall;
    this.fd = openSync(join(dir, METRICS_FILE), 'a');
    // A torn last line of a killed session must not swallow our first record: start on a fresh line.
    if (previous !== null && !readFileSync(join(dir, METRICS_FILE), 'utf8').endsWith('\n'))
      this.lines.push('');
    const args = isRecord(info.args) ? info.args : { value: info.args };
    const seed = typeof args['seed'] === 'number' ? args['seed'] : null;
    const now = Date.now();
    this.push({
      t: 'start',
      time: now,
      job: info.job,
      key: info.key,
      jobId: info.jobId,
      args: info.args,
      seed,
    });
    const main = this.eventWriter('epoch');
    main.add(sessionStartEvent(now / 1000, flattenHParams(info.args), info.job));
    this.flush();
  }

  private push(r: LogRecord): void {
    this.lines.push(JSON.stringify(r));
  }

  private eventWriter(stream: string): EventFileWriter {
    let w = this.events.get(stream);
    if (w === undefined) {
      const dir = stream === 'epoch' ? this.dir : join(this.dir, stream.replace(/[^A-Za-z0-9._-]+/g, '_'));
      mkdirSync(dir, { recursive: true });
      this.events.set(stream, (w = new EventFileWriter(dir)));
    }
    return w;
  }

  /** Job seconds so far, over every session. */
  get wall(): number {
    return this.priorWall + (performance.now() - this.t0) / 1000;
  }

  /**
   * Logs `metrics` at `step` of `stream`. Values at or before a step already on disk for that series are
   * dropped (a resumed job repeating them). Written within FLUSH_SECONDS, or at close.
   */
  log(step: number, metrics: Record<string, number>, stream = 'epoch'): void {
    if (this.closed)
      throw new Error(`JobLog.log: the log of ${this.dir} is closed (step ${step} of ${stream})`);
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new Error(
        `JobLog.log: step must be a non-negative integer, got ${step} (stream ${stream}); count epochs, batches or evaluations`,
      );
    }
    const v: Record<string, LogValue> = {};
    const scalars: [string, number][] = [];
    const resumed = this.onDisk.size > 0;
    for (const name in metrics) {
      const value = metrics[name];
      if (resumed) {
        const last = this.onDisk.get(seriesKey(stream, name));
        if (last !== undefined && step <= last) continue;
      }
      v[name] = encodeValue(value);
      scalars.push([`${stream}/${name}`, value]);
    }
    if (scalars.length === 0) return;
    const now = Date.now();
    this.push({ t: 'm', s: stream, step, time: now, wall: this.wall, v });
    this.eventWriter(stream).add(scalarsEvent(now / 1000, step, scalars));
    this.maybeFlush();
  }

  /** Records a progress event (at most one a second, and always the last one). */
  progress(p: { done: number; total: number; label: string; unit: string; info?: string }): void {
    const now = performance.now();
    if (now - this.lastProgress < 1000 && p.done < p.total) return;
    this.lastProgress = now;
    this.push({ t: 'progress', time: Date.now(), done: p.done, total: p.total, unit: p.unit, info: p.info });
    this.maybeFlush();
  }

  private maybeFlush(): void {
    if ((performance.now() - this.lastFlush) / 1000 >= FLUSH_SECONDS) this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), FLUSH_SECONDS * 1000);
      this.timer.unref();
    }
  }

  /** Writes every buffered line (one write call) and event. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastFlush = performance.now();
    if (this.closed) return;
    if (this.lines.length > 0) {
      writeSync(this.fd, this.lines.join('\n') + '\n');
      this.lines = [];
    }
    for (const w of this.events.values()) w.flush();
  }

  /** Ends the session: the end record and the hparams session end, then closes the files. */
  close(status: 'done' | 'failed', error?: string): void {
    if (this.closed) return;
    const now = Date.now();
    this.push({ t: 'end', time: now, status, ...(error !== undefined ? { error } : {}) });
    this.eventWriter('epoch').add(sessionEndEvent(now / 1000, status === 'done' ? 'success' : 'failure'));
    this.flush();
    this.closed = true;
    closeSync(this.fd);
    for (const w of this.events.values()) w.close();
  }
}

/** Appends the queue records of an experiment's jobs to `<logDir>/jobs.jsonl` (written by the pool only). */
export function appendQueue(logDir: string, records: Omit<QueueRecord, 't' | 'time' | 'pid'>[]): void {
  mkdirSync(logDir, { recursive: true });
  const time = Date.now();
  const text = records
    .map((r) => JSON.stringify({ t: 'queued', time, pid: process.pid, ...r } satisfies QueueRecord))
    .join('\n');
  if (text !== '') appendFileSync(join(logDir, QUEUE_FILE), text + '\n');
}

/** Reads `jobs.jsonl`: the latest queue record of each key (corrupt lines skipped, listed in problems). */
export function readQueue(logDir: string): { jobs: Map<string, QueueRecord>; problems: string[] } {
  const jobs = new Map<string, QueueRecord>();
  const problems: string[] = [];
  const path = join(logDir, QUEUE_FILE);
  if (!existsSync(path)) return { jobs, problems };
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.pop(); // the last line: empty, or torn by a killed writer
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const r = JSON.parse(line) as QueueRecord;
      if (r.t === 'queued' && typeof r.key === 'string' && typeof r.dir === 'string') jobs.set(r.key, r);
      else problems.push(`${path} line ${i + 1}: not a queue record`);
    } catch {
      problems.push(`${path} line ${i + 1}: not JSON`);
    }
  });
  return { jobs, problems };
}
