/**
 * The sandbox of a queue worker: `slots` long-lived worker threads, each with the study loaded (so every job
 * is registered) and its own wasm kernels, one job at a time per thread. Jobs compute off the worker's main
 * thread, so however long a job blocks its own event loop, the main thread keeps renewing the job's lock in
 * Redis and a healthy job never looks stalled. A thread that dies is replaced; its job fails as an
 * infrastructure fault (retried), while an error thrown by the job itself is final.
 */
import { Worker } from 'node:worker_threads';
import type { Progress } from '../jobs/job.js';
import { deserializeError, type SerializedError } from '../jobs/pool.js';

/** One job for a sandbox thread: the registered name and encoded args, and the checkpoints found for it. */
export interface SandboxJob {
  job: string;
  args: string;
  key: string;
  jobId: string;
  /** Checkpoints already stored for this job: [key, encodeJson text]. */
  checkpoints: [string, string][];
}

export type ToSandbox = { type: 'run'; id: number; spec: SandboxJob };
export type FromSandbox =
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'checkpoint'; id: number; key: string; text: string }
  | { type: 'result'; id: number; text: string }
  | { type: 'error'; id: number; error: SerializedError; final: boolean };

/** A job's failure: `final` when the job itself failed (retrying gives the same), else an infrastructure fault. */
export class SandboxError extends Error {
  constructor(
    message: string,
    readonly final: boolean,
    readonly original?: Error,
  ) {
    super(message);
    this.name = 'SandboxError';
    if (original?.stack !== undefined) this.stack = `${this.name}: ${message}\n  original: ${original.stack}`;
  }
}

interface Running {
  id: number;
  onProgress(p: Progress): void;
  onCheckpoint(key: string, text: string): void;
  resolve(text: string): void;
  reject(e: SandboxError): void;
}

interface Slot {
  worker: Worker;
  running: Running | null;
}

export class Sandbox {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private closed = false;

  /** `studyModule`: the module URL every thread imports to register the jobs (see experiment/study.ts). */
  constructor(
    readonly size: number,
    private readonly studyModule: string,
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new Error(`Sandbox: size must be an integer ≥ 1, got ${size}`);
  }

  /** Runs one job on a free thread (the caller never runs more than `size` at once); resolves to the result text. */
  run(
    spec: SandboxJob,
    onProgress: (p: Progress) => void,
    onCheckpoint: (key: string, text: string) => void,
  ): Promise<string> {
    if (this.closed) return Promise.reject(new SandboxError('Sandbox.run: the sandbox is closed', false));
    let slot = this.slots.find((s) => s.running === null);
    if (slot === undefined) {
      if (this.slots.length >= this.size) {
        return Promise.reject(
          new SandboxError(
            `Sandbox.run: all ${this.size} threads are busy (the worker took too many jobs)`,
            false,
          ),
        );
      }
      slot = this.spawn();
    }
    const id = this.nextId++;
    const s = slot;
    return new Promise<string>((resolve, reject) => {
      s.running = { id, onProgress, onCheckpoint, resolve, reject };
      const msg: ToSandbox = { type: 'run', id, spec };
      s.worker.postMessage(msg);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const s of slots) s.running?.reject(new SandboxError('the worker is shutting down', false));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./sandbox-thread.js', import.meta.url), {
      workerData: { studyModule: this.studyModule },
    });
    const slot: Slot = { worker, running: null };
    this.slots.push(slot);
    worker.on('message', (m: FromSandbox) => {
      const r = slot.running;
      if (r === null || r.id !== m.id) return;
      if (m.type === 'progress') r.onProgress(m.progress);
      else if (m.type === 'checkpoint') r.onCheckpoint(m.key, m.text);
      else {
        slot.running = null;
        if (m.type === 'result') r.resolve(m.text);
        else {
          const e = deserializeError(m.error);
          r.reject(new SandboxError(e.message, m.final, e));
        }
      }
    });
    const fail = (e: Error): void => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      const r = slot.running;
      slot.running = null;
      r?.reject(new SandboxError(`the job's sandbox thread died: ${e.message}`, false, e));
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`thread exited with code ${code}`)));
    return slot;
  }
}
