/**
 * The epoch/batch loop behind Sequential.fit (over the TrainableModel interface, not a concrete network): shuffles with the model's shuffle stream, gathers each
 * minibatch with one copy per example row into the model's batch buffers, runs the train step, drives the
 * callbacks, validates, and records the History.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Callback, EpochLogs, History, TrainingContext } from './callbacks.js';
import { DivergenceError } from './errors.js';
import type { TrainableModel } from './model.js';

export interface FitOptions {
  /** Train until epoch index `epochs` is reached (Keras: epochs initialEpoch … epochs−1). */
  epochs: number;
  batchSize: number;
  /** Reshuffle the examples every epoch (default true). */
  shuffle?: boolean;
  validationData?: [Tensor, Tensor];
  callbacks?: Callback[];
  initialEpoch?: number;
  /** Print one line per epoch. */
  verbose?: boolean;
}

function checkPositiveInt(fn: string, what: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min)
    throw new Error(`${fn}: ${what} must be an integer ≥ ${min}, got ${v}`);
}

/** Copies rows order[start … start+n) of src (row length `width`) into dst, contiguous runs as one copy. */
export function gatherRows(
  src: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
  width: number,
  order: Int32Array | null,
  start: number,
  n: number,
  dst: { set(a: ArrayLike<number>, offset?: number): void },
): void {
  if (order === null) {
    dst.set(src.subarray(start * width, (start + n) * width), 0);
    return;
  }
  for (let i = 0; i < n; i++) {
    const r = order[start + i];
    dst.set(src.subarray(r * width, (r + 1) * width), i * width);
  }
}

/**
 * Trains `model` on (x, y) for epochs initialEpoch … epochs−1 (see the module comment); throws a
 * DivergenceError on a non-finite batch loss unless a callback has asked to stop.
 */
export async function fitModel(model: TrainableModel, x: Tensor, y: Tensor, o: FitOptions): Promise<History> {
  const fn = 'Sequential.fit';
  const compiled = model.requireCompiled(fn);
  checkPositiveInt(fn, 'epochs', o.epochs, 0);
  checkPositiveInt(fn, 'batchSize', o.batchSize, 1);
  const initialEpoch = o.initialEpoch ?? 0;
  checkPositiveInt(fn, 'initialEpoch', initialEpoch, 0);
  const count = model.checkData(fn, x, y);
  if (count === 0) throw new Error(`${fn}: no training examples`);
  if (o.validationData !== undefined) model.checkData(`${fn} (validationData)`, ...o.validationData);
  const callbacks = o.callbacks ?? [];
  const shuffle = o.shuffle ?? true;
  const inWidth = x.size / count;
  const outWidth = y.size / count;
  const order = shuffle ? new Int32Array(count) : null;
  const history: History = { epoch: [], loss: [], accuracy: [], valLoss: [], valAccuracy: [] };
  const ctx: TrainingContext = {
    model,
    optimizer: compiled.optimizer,
    iteration: model.iteration,
    epoch: initialEpoch,
    stopTraining: false,
  };

  for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
  for (let epoch = initialEpoch; epoch < o.epochs && !ctx.stopTraining; epoch++) {
    ctx.epoch = epoch;
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch, ctx);
    if (order !== null) {
      // Reset before shuffling so the permutation depends only on the stream state (exact resume).
      for (let i = 0; i < count; i++) order[i] = i;
      model.shuffleRng.shuffle(order);
    }
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let start = 0; start < count; start += o.batchSize) {
      const n = Math.min(o.batchSize, count - start);
      const iteration = model.iteration;
      ctx.iteration = iteration;
      for (const cb of callbacks) await cb.onBatchBegin?.(iteration, ctx);
      gatherRows(x.data, inWidth, order, start, n, model.batchInput(n));
      gatherRows(y.data, outWidth, order, start, n, model.batchTarget(n));
      const r = model.trainStep(n);
      const logs = compiled.accuracy
        ? { loss: r.loss, accuracy: r.correct / n, size: n }
        : { loss: r.loss, size: n };
      for (const cb of callbacks) await cb.onBatchEnd?.(iteration, logs, ctx);
      if (!Number.isFinite(r.loss)) {
        if (!ctx.stopTraining) throw new DivergenceError(epoch, iteration, r.loss);
        for (const cb of callbacks) await cb.onTrainEnd?.(ctx);
        return history;
      }
      lossSum += r.loss * n;
      correct += r.correct;
      seen += n;
      if (ctx.stopTraining) break;
    }
    const logs: EpochLogs = { loss: lossSum / seen };
    history.epoch.push(epoch);
    history.loss.push(logs.loss);
    if (compiled.accuracy) {
      logs.accuracy = correct / seen;
      history.accuracy.push(logs.accuracy);
    }
    if (o.validationData !== undefined) {
      const v = model.evaluate(o.validationData[0], o.validationData[1], {
        batchSize: Math.max(o.batchSize, 256),
      });
      logs.valLoss = v.loss;
      history.valLoss.push(v.loss);
      if (v.accuracy !== undefined) {
        logs.valAccuracy = v.accuracy;
        history.valAccuracy.push(v.accuracy);
      }
    }
    model.epoch = epoch + 1;
    if (o.verbose) {
      const parts = Object.entries(logs).map(([k, v]) => `${k} ${(v as number).toPrecision(4)}`);
      console.log(`epoch ${epoch + 1}/${o.epochs}: ${parts.join(', ')}`);
    }
    for (const cb of callbacks) await cb.onEpochEnd?.(epoch, logs, ctx);
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(ctx);
  return history;
}
