/**
 * A worker thread of the WorkerPool: runs one job at a time as the parent sends them and posts back
 * progress, the result or the error. Its module imports are its own (its own wasm kernels and memory).
 */
import { parentPort } from 'node:worker_threads';
import type { MemoryCheckpointStore } from './checkpoint.js';
import { jobCheckpoints, runJobHere, serializeError, type FromWorker, type ToWorker } from './pool.js';

if (parentPort === null) throw new Error('pool-worker: must run as a worker thread of WorkerPool');
const port = parentPort;
const memoryStores = new Map<string, MemoryCheckpointStore>();

port.on('message', (m: ToWorker) => {
  const post = (msg: FromWorker): void => port.postMessage(msg);
  runJobHere(
    m.spec,
    jobCheckpoints(m.spec.jobId, m.checkpointDir, memoryStores),
    (progress) => post({ type: 'progress', id: m.id, progress }),
    m.logDir,
  ).then(
    (value) => {
      try {
        post({ type: 'result', id: m.id, value });
      } catch (e) {
        // A result that structured clone refuses (a function, a class instance with methods) is a job bug.
        post({
          type: 'error',
          id: m.id,
          error: serializeError(
            new Error(`the result cannot be sent to the parent: ${(e as Error).message}`),
          ),
        });
      }
    },
    (e: unknown) => post({ type: 'error', id: m.id, error: serializeError(e) }),
  );
});
