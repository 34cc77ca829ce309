/**
 * What a person sees while a study runs. On a terminal: one line per experiment as it starts and ends, and
 * one updating line per active job (label, bar, done/total, elapsed, ETA, the job's numbers). Elsewhere
 * (a log file, CI): plain lines, at most one per job every `throttleSeconds`, plus each job's completion.
 */
import type { Progress } from '../jobs/job.js';

/** Events of a run, sent from the runner thread to the view. `key` names a job, or the experiment itself. */
export type RunEvent =
  | { type: 'experiment-start'; id: string; title: string; index: number; count: number; checkpoints: number }
  | { type: 'experiment-end'; id: string; seconds: number }
  | { type: 'job-start'; id: string; key: string }
  /** A job ended; `failed` when it threw (it is then shown as failed, not done). */
  | { type: 'job-end'; id: string; key: string; failed?: boolean }
  | { type: 'progress'; id: string; key: string; progress: Progress }
  | { type: 'message'; text: string };

/** The part of a stream the view writes to (process.stdout, or a fake in tests). */
export interface Sink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** fmtDuration(s): "42s", "3m05s", "2h07m". */
export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

interface Job {
  label: string;
  start: number;
  last?: Progress;
  /** First progress seen and when: the rate is measured from there once a second event arrives. */
  first?: { done: number; at: number };
  /** The experiment started from checkpoints, so this job's first `done` may include earlier work. */
  resumed: boolean;
  printedAt: number;
}

/**
 * ETA = remaining · (time per unit). The time per unit is measured between the first progress event and
 * this one; at the first event, from the job's start, over all `done` units — unless the job may have
 * resumed from a checkpoint, whose first event says nothing of the rate.
 */
export function eta(
  job: { start: number; first?: { done: number; at: number }; resumed: boolean },
  p: Progress,
  now: number,
): number {
  if (p.done >= p.total) return 0;
  if (job.first === undefined) return NaN;
  let units = p.done - job.first.done;
  let from = job.first.at;
  if (units <= 0) {
    if (job.resumed || p.done <= 0) return NaN;
    units = p.done;
    from = job.start;
  }
  return ((now - from) / 1000 / units) * (p.total - p.done);
}

export class ProgressView {
  private readonly jobs = new Map<string, Job>();
  private readonly quietJobs = new Map<string, number>();
  /** Experiments that started from checkpoints. */
  private readonly resumed = new Set<string>();
  private drawn = 0;
  private drawnAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private readonly tty: boolean;

  constructor(
    private readonly out: Sink,
    private readonly opts: { throttleSeconds?: number; now?: () => number } = {},
  ) {
    this.tty = out.isTTY === true;
    if (this.tty) {
      // Elapsed times and ETAs keep moving between events.
      this.timer = setInterval(() => this.redraw(), 1000);
      this.timer.unref();
    }
  }

  private newJob(id: string, label: string): Job {
    return { label, start: this.now(), resumed: this.resumed.has(id), printedAt: -Infinity };
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : performance.now();
  }

  handle(e: RunEvent): void {
    const id = 'id' in e ? e.id : '';
    // The experiment's own progress (RunContext.progress) arrives with key = its id.
    const jobId = `${id}:${'key' in e ? e.key : id}`;
    switch (e.type) {
      case 'experiment-start': {
        const resume =
          e.checkpoints > 0
            ? ` (resuming from ${e.checkpoints} checkpoint${e.checkpoints > 1 ? 's' : ''})`
            : '';
        this.print(`[${e.index}/${e.count}] ${e.id}: ${e.title}${resume}`);
        if (e.checkpoints > 0) this.resumed.add(e.id);
        this.jobs.set(jobId, this.newJob(e.id, e.id));
        this.quietJobs.set(e.id, 0);
        return;
      }
      case 'experiment-end': {
        this.jobs.delete(jobId);
        const quiet = this.quietJobs.get(e.id) ?? 0;
        this.print(
          `${e.id} finished in ${fmtDuration(e.seconds)}${quiet > 0 ? ` (${quiet} short job${quiet === 1 ? '' : 's'} not listed)` : ''}`,
        );
        return;
      }
      case 'job-start':
        this.jobs.set(jobId, this.newJob(e.id, e.key));
        this.redraw();
        return;
      case 'job-end': {
        const job = this.jobs.get(jobId);
        this.jobs.delete(jobId);
        if (job?.last === undefined) {
          // Jobs that never reported progress are counted, not listed: an experiment may run hundreds.
          this.quietJobs.set(e.id, (this.quietJobs.get(e.id) ?? 0) + 1);
          this.redraw();
          return;
        }
        const p = job.last;
        const info = p.info ? `  ${p.info}` : '';
        const took = fmtDuration((this.now() - job.start) / 1000);
        this.print(
          e.failed === true
            ? `  FAILED ${job.label} after ${p.done}/${p.total} ${p.unit} (${took})`
            : `  done ${job.label}: ${p.done}/${p.total} ${p.unit} in ${took}${info}`,
        );
        return;
      }
      case 'progress': {
        const now = this.now();
        let job = this.jobs.get(jobId);
        if (job === undefined) {
          job = this.newJob(e.id, e.key);
          this.jobs.set(jobId, job);
        }
        const p = e.progress;
        if (e.key === e.id && p.done >= p.total) {
          // A phase of the experiment's own work ended (jobs end with job-end instead): say so, and
          // measure the next phase from now.
          const info = p.info ? `  ${p.info}` : '';
          this.print(
            `  done ${p.label}: ${p.done}/${p.total} ${p.unit} in ${fmtDuration((now - job.start) / 1000)}${info}`,
          );
          Object.assign(job, {
            label: e.id,
            start: now,
            last: undefined,
            first: undefined,
            printedAt: -Infinity,
          });
          this.redraw();
          return;
        }
        job.label = p.label;
        job.last = p;
        job.first ??= { done: p.done, at: now };
        if (this.tty) {
          // Events may come many times a second; the 1 s timer redraws what this skips.
          if (now - this.drawnAt >= 100) this.redraw();
        } else if (
          now - job.printedAt >= (this.opts.throttleSeconds ?? 5) * 1000 &&
          e.progress.done < e.progress.total
        ) {
          job.printedAt = now;
          this.out.write(`  ${this.line(job, now)}\n`);
        }
        return;
      }
      case 'message':
        this.print(e.text);
        return;
    }
  }

  /** Removes the live lines (before the program prints its last words). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.erase();
  }

  private line(job: Job, now: number): string {
    const p = job.last;
    const elapsed = fmtDuration((now - job.start) / 1000);
    if (p === undefined) return `${job.label}  running  ${elapsed}`;
    const left = eta(job, p, now);
    const bar = this.tty ? `${barOf(p.done / p.total)} ` : '';
    const info = p.info ? `  ${p.info}` : '';
    return `${job.label}  ${bar}${p.done}/${p.total} ${p.unit}  ${elapsed} elapsed, ETA ${fmtDuration(left)}${info}`;
  }

  private print(text: string): void {
    this.erase();
    this.out.write(`${text}\n`);
    this.draw();
  }

  private erase(): void {
    if (this.tty && this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    if (!this.tty) return;
    const now = this.now();
    const width = Math.max(20, (this.out.columns || 100) - 1);
    const lines = [...this.jobs.values()].map((j) => `  ${this.line(j, now)}`.slice(0, width));
    if (lines.length > 0) this.out.write(lines.join('\n') + '\n');
    this.drawn = lines.length;
    this.drawnAt = now;
  }

  private redraw(): void {
    if (!this.tty) return;
    this.erase();
    this.draw();
  }
}

/** A 16-cell bar of the fraction done. */
function barOf(fraction: number): string {
  const cells = 16;
  const n = Math.max(0, Math.min(cells, Math.round(fraction * cells)));
  return `[${'#'.repeat(n)}${'.'.repeat(cells - n)}]`;
}
