/**
 * Worker side of the 2-worker row: waits for 'go', trains its own plain LeNet-5 for `seconds`, and reports the
 * number of images it trained and the time it took.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BATCH, buildLenet, randomBatch } from './lenet.js';

const { seconds, warmup, index } = workerData as { seconds: number; warmup: number; index: number };
const model = buildLenet('relu', 1 + index);
const { x, y } = randomBatch(model);
for (let i = 0; i < warmup; i++) model.trainOnBatch(x, y);
const port = parentPort;
if (port === null) throw new Error('bench worker: must run as a worker thread');
port.postMessage({ ready: true });
port.once('message', () => {
  const t0 = performance.now();
  let images = 0;
  while (performance.now() - t0 < seconds * 1000) {
    model.trainOnBatch(x, y);
    images += BATCH;
  }
  port.postMessage({ images, ms: performance.now() - t0 });
});
