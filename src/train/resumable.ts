/**
 * The one resumable training loop of nnlab (next to fitModel, which it calls one epoch at a time): load the
 * last checkpoint, restore the model, then for each remaining epoch fit it, build the epoch's record, apply
 * the divergence rule (divergence.ts), save a checkpoint and report progress. A job killed at any moment
 * resumes from its last completed epoch with bit-identical numbers; a run that diverges ends with its records
 * so far and a Divergence record instead of an error, so the other runs of an experiment go on.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Callback, History } from './callbacks.js';
import { breaksBound, DivergenceGuard, divergenceRecord, type Divergence } from './divergence.js';
import { DivergenceError } from './errors.js';
import { fitModel } from './fit.js';
import type { TrainableModel } from './model.js';
import type { ModelState } from './state.js';

/** The checkpoint storage the loop needs (a job's CheckpointStore is one). */
export interface EpochCheckpoints {
  load<T>(key: string, check?: (value: unknown) => void): T | undefined;
  save<T>(key: string, value: T): void;
  discard(key: string, why: string): void;
}

/** What one epoch adds: the record to keep, and the evaluated losses the divergence rule also applies to. */
export interface EpochOutcome<R> {
  record: R;
  /** Losses measured after the epoch (validation, test): NaN, ±∞ or above the bound mean divergence. */
  losses?: number[];
}

export interface ResumableFitOptions<R, X> {
  checkpoints: EpochCheckpoints;
  /** The checkpoint key of this run (unique within its job). */
  key: string;
  /** Train until this many epochs are done. */
  epochs: number;
  /** The batch size, or the batch size of each epoch (index from 0). */
  batchSize: number | ((epoch: number) => number);
  /** Reshuffle every epoch (default true). */
  shuffle?: boolean;
  validationData?: [Tensor, Tensor];
  callbacks?: Callback[];
  /** Builds epoch `epoch`'s outcome from its one-epoch History (and anything it evaluates itself). */
  onEpoch(epoch: number, history: History): EpochOutcome<R>;
  /** Told after each completed epoch (after its checkpoint is saved), e.g. to report progress. */
  afterEpoch?(done: number, total: number, record: R): void;
  /** State of the caller's own (e.g. a schedule's iteration counter), saved and restored with the model. */
  extra?: { save(): X; restore(value: X): void };
}

export interface ResumableFitResult<R> {
  /** One record per completed epoch (on divergence: those before the diverged epoch). */
  records: R[];
  diverged: Divergence | null;
  /** Seconds spent training in earlier sessions of this run (0 for a run not resumed). */
  priorSeconds: number;
}

/** A checkpoint of the loop between epochs. */
interface ResumableCheckpoint<R, X> {
  epochsDone: number;
  /** Training seconds before this checkpoint, over every session of the run. */
  seconds: number;
  state: ModelState;
  records: R[];
  extra: X | null;
  /** The divergence rule's first batch loss (so a resumed run keeps the same bound). */
  reference: number | null;
  lastFiniteLoss: number | null;
}

/** Throws naming the first difference in shape between a saved model state and the model's own. */
export function checkStateFits(saved: ModelState, own: ModelState): void {
  if (!Array.isArray(saved.weights) || saved.weights.length !== own.weights.length)
    throw new Error(`it holds ${saved.weights?.length} weight arrays, the model has ${own.weights.length}`);
  saved.weights.forEach((w, i) => {
    const o = own.weights[i];
    if (!(w instanceof o.constructor) || w.length !== o.length)
      throw new Error(`weight array ${i} has ${w?.length} values, the model's has ${o.length}`);
  });
  if ((saved.optimizer === null) !== (own.optimizer === null))
    throw new Error('optimiser state present on one side only');
  if (saved.optimizer !== null && own.optimizer !== null && saved.optimizer.kind !== own.optimizer.kind)
    throw new Error(`optimiser state of a ${saved.optimizer.kind}, the model has a ${own.optimizer.kind}`);
  for (const k of ['noiseRng', 'shuffleRng'] as const)
    if (!Array.isArray(saved[k]) || saved[k].length !== 5)
      throw new Error(`${k} is not a random stream state`);
  for (const k of ['epoch', 'iteration'] as const)
    if (!Number.isSafeInteger(saved[k]) || saved[k] < 0) throw new Error(`${k} is ${saved[k]}`);
}

/** The structure every checkpoint of the loop has (epochs done within [0, epochs], one record each). */
function checkCheckpoint(v: unknown, epochs: number): void {
  const c = v as Partial<ResumableCheckpoint<unknown, unknown>> | null;
  if (c === null || typeof c !== 'object') throw new Error('not a record');
  if (!Number.isSafeInteger(c.epochsDone) || c.epochsDone! < 0 || c.epochsDone! > epochs)
    throw new Error(`epochsDone is ${c.epochsDone}, expected an integer in [0, ${epochs}]`);
  if (!Array.isArray(c.records) || c.records.length !== c.epochsDone)
    throw new Error(`${c.records?.length} records for ${c.epochsDone} epochs`);
  if (typeof c.seconds !== 'number') throw new Error('no seconds');
  if (c.state === null || typeof c.state !== 'object') throw new Error('no model state');
}

/**
 * Trains `model` epoch by epoch up to `o.epochs`, resuming from checkpoint `o.key` (see the module comment).
 * A checkpoint that does not fit the model (another architecture, a wrong structure) is quarantined and the
 * run starts afresh; a damaged or changed one never gets here (the store verifies its checksum).
 */
export async function fitResumable<R, X = null>(
  model: TrainableModel,
  x: Tensor,
  y: Tensor,
  o: ResumableFitOptions<R, X>,
): Promise<ResumableFitResult<R>> {
  const t0 = performance.now();
  const guard = new DivergenceGuard();
  let records: R[] = [];
  let start = 0;
  let priorSeconds = 0;
  const saved = o.checkpoints.load<ResumableCheckpoint<R, X>>(o.key, (v) => checkCheckpoint(v, o.epochs));
  if (saved !== undefined) {
    let fits = true;
    try {
      checkStateFits(saved.state, model.getState());
    } catch (e) {
      fits = false;
      o.checkpoints.discard(o.key, `does not fit the model (${(e as Error).message})`);
    }
    if (fits) {
      model.setState(saved.state);
      records = saved.records;
      start = saved.epochsDone;
      priorSeconds = saved.seconds;
      guard.reference = saved.reference;
      guard.lastFiniteLoss = saved.lastFiniteLoss;
      if (saved.extra !== null) o.extra?.restore(saved.extra);
    }
  }
  const batchSizeAt = typeof o.batchSize === 'number' ? () => o.batchSize as number : o.batchSize;
  for (let e = start; e < o.epochs; e++) {
    let outcome: EpochOutcome<R>;
    try {
      const h = await fitModel(model, x, y, {
        epochs: e + 1,
        initialEpoch: e,
        batchSize: batchSizeAt(e),
        shuffle: o.shuffle ?? true,
        validationData: o.validationData,
        callbacks: [guard, ...(o.callbacks ?? [])],
        verbose: false,
      });
      outcome = o.onEpoch(e, h);
    } catch (err) {
      if (!(err instanceof DivergenceError)) throw err;
      const d = divergenceRecord(
        Number.isFinite(err.bound)
          ? err
          : new DivergenceError(err.epoch, err.iteration, err.loss, guard.bound, guard.lastFiniteLoss),
      );
      return { records, diverged: d, priorSeconds };
    }
    const bad = (outcome.losses ?? []).find((l) => breaksBound(l, guard.bound));
    if (bad !== undefined) {
      const err = new DivergenceError(e, model.iteration - 1, bad, guard.bound, guard.lastFiniteLoss);
      return { records, diverged: divergenceRecord(err), priorSeconds };
    }
    records.push(outcome.record);
    o.checkpoints.save<ResumableCheckpoint<R, X>>(o.key, {
      epochsDone: e + 1,
      seconds: priorSeconds + (performance.now() - t0) / 1000,
      state: model.getState(),
      records,
      extra: o.extra?.save() ?? null,
      reference: guard.reference,
      lastFiniteLoss: guard.lastFiniteLoss,
    });
    o.afterEpoch?.(e + 1, o.epochs, outcome.record);
  }
  return { records, diverged: null, priorSeconds };
}
