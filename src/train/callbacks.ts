/**
 * The fit loop's callback protocol. Every hook receives the one mutable TrainingContext of the fit call:
 * a callback may set `ctx.optimizer.learningRate` (e.g. per batch) and `ctx.stopTraining = true` (honoured
 * after the current batch).
 */
import type { Optimizer } from '../optim/optimizer.js';
import type { TrainableModel } from './model.js';

export interface TrainingContext {
  model: TrainableModel;
  optimizer: Optimizer;
  /** Global batch iteration, counted from 0 over the model's life (it survives getState/setState). */
  iteration: number;
  /** Epoch index, from 0 (fit's initialEpoch first). */
  epoch: number;
  stopTraining: boolean;
}

export interface BatchLogs {
  /** Mean loss of the batch (NaN/∞ on the batch that diverged). */
  loss: number;
  accuracy?: number;
  /** Number of examples in the batch. */
  size: number;
}

export interface EpochLogs {
  /** Mean training loss over the epoch's batches (weighted by batch size), as Keras reports it. */
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
}

type Hook<A extends unknown[]> = (...args: [...A, TrainingContext]) => void | Promise<void>;

export interface Callback {
  onTrainBegin?: Hook<[]>;
  onEpochBegin?: Hook<[epoch: number]>;
  onBatchBegin?: Hook<[iteration: number]>;
  onBatchEnd?: Hook<[iteration: number, logs: BatchLogs]>;
  onEpochEnd?: Hook<[epoch: number, logs: EpochLogs]>;
  onTrainEnd?: Hook<[]>;
}

/** Per-epoch records of a fit call (accuracy arrays stay empty without the metric, val* without validation data). */
export interface History {
  epoch: number[];
  loss: number[];
  accuracy: number[];
  valLoss: number[];
  valAccuracy: number[];
}
