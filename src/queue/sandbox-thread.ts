/**
 * A sandbox thread of a queue worker (see sandbox.ts): imports the study once, so every job is registered
 * in this thread, then runs the jobs the worker sends by name only: a name the registry does not know is
 * refused, never imported. Checkpoints are kept here and relayed to the worker, which stores them in Redis.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { jobId, lookupJob, type CheckpointStore, type JobContext } from '../jobs/job.js';
import { serializeError } from '../jobs/pool.js';
import { decodeJson, encodeJson } from '../util/json-codec.js';
import { loadStudy } from '../experiment/study.js';
import type { FromSandbox, ToSandbox } from './sandbox.js';

if (parentPort === null) throw new Error('queue/sandbox-thread: must run as a worker thread of Sandbox');
const port = parentPort;
const { studyModule } = workerData as { studyModule: string };
const loaded = loadStudy(studyModule);

/** Checkpoints of one job: loads from what Redis held at the start, saves relayed to the worker. */
class RelayedCheckpoints implements CheckpointStore {
  private readonly entries: Map<string, string>;
  constructor(
    initial: [string, string][],
    private readonly relay: (key: string, text: string) => void,
  ) {
    this.entries = new Map(initial);
  }
  load<T>(key: string): T | undefined {
    const text = this.entries.get(key);
    return text === undefined ? undefined : decodeJson<T>(text);
  }
  save<T>(key: string, value: T): void {
    if (typeof key !== 'string' || key === '') {
      throw new Error(`CheckpointStore.save: a key must be a non-empty string, got ${JSON.stringify(key)}`);
    }
    const text = encodeJson(value);
    this.entries.set(key, text);
    this.relay(key, text);
  }
  /** Drops a checkpoint the job found unusable (it restarts that work); relayed as an empty text = delete. */
  discard(key: string): void {
    this.entries.delete(key);
    this.relay(key, '');
  }
}

port.on('message', (m: ToSandbox) => {
  const post = (msg: FromSandbox): void => port.postMessage(msg);
  const final = (e: unknown): void =>
    post({ type: 'error', id: m.id, error: serializeError(e), final: true });
  void (async () => {
    try {
      await loaded;
    } catch (e) {
      post({ type: 'error', id: m.id, error: serializeError(e), final: false });
      return;
    }
    const { spec } = m;
    const job = lookupJob(spec.job);
    if (job === undefined) {
      final(new Error(`no job named "${spec.job}" is registered by this worker's study (${studyModule})`));
      return;
    }
    let args: unknown;
    try {
      args = decodeJson(spec.args);
    } catch (e) {
      final(new Error(`the args of job "${spec.key}" are not readable: ${(e as Error).message}`));
      return;
    }
    if (jobId(spec.job, args) !== spec.jobId) {
      final(
        new Error(`job "${spec.key}": its args do not hash to its jobId ${spec.jobId} (a corrupted message)`),
      );
      return;
    }
    const ctx: JobContext = {
      progress: (progress) => post({ type: 'progress', id: m.id, progress }),
      checkpoints: new RelayedCheckpoints(spec.checkpoints, (key, text) =>
        post({ type: 'checkpoint', id: m.id, key, text }),
      ),
    };
    let text: string;
    try {
      text = encodeJson(await job.run(args as never, ctx));
    } catch (e) {
      final(e);
      return;
    }
    post({ type: 'result', id: m.id, text });
  })();
});
