/**
 * The cost of the metrics log (metrics/log.ts) next to training. Timing training with and without a log call
 * per batch and subtracting drowns a cost this small in the machine's noise, so the two are measured apart:
 * the best time of a LeNet-5 training batch of 128 on one thread, and the mean time of a per-batch log call
 * like P5's (loss, learning rate, batch size → one JSON line and one TensorBoard event record, written in bulk)
 * over 20,000 calls, flushes included. overhead = 100 · call / batch, in percent of training time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobLog } from '../metrics/log.js';
import { BATCH, buildLenet, randomBatch } from './lenet.js';

export function loggingOverhead(o = { warmup: 5, steps: 10, reps: 5, calls: 20_000 }): {
  percent: number;
  microsPerCall: number;
  microsPerBatch: number;
} {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-bench-log-'));
  try {
    const model = buildLenet('relu');
    const { x, y } = randomBatch(model);
    for (let i = 0; i < o.warmup; i++) model.trainOnBatch(x, y);
    let best = Infinity;
    let loss = 0;
    for (let r = 0; r < o.reps; r++) {
      const t0 = performance.now();
      for (let i = 0; i < o.steps; i++) loss = model.trainOnBatch(x, y).loss;
      best = Math.min(best, (performance.now() - t0) / o.steps);
    }
    const log = new JobLog(dir, { job: 'bench/log', key: 'bench', jobId: '0', args: { lr: 0.01 } });
    const t0 = performance.now();
    for (let i = 1; i <= o.calls; i++)
      log.log(i, { loss: loss + i, learningRate: 0.01, batchSize: BATCH }, 'batch');
    log.close('done');
    const microsPerCall = ((performance.now() - t0) * 1000) / o.calls;
    const microsPerBatch = best * 1000;
    return { percent: (100 * microsPerCall) / microsPerBatch, microsPerCall, microsPerBatch };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
