export type { BatchLogs, Callback, EpochLogs, History, TrainingContext } from './callbacks.js';
export { DivergenceError } from './errors.js';
export { fitModel, gatherRows, type FitOptions } from './fit.js';
export { countCorrect } from './metrics.js';
export { measureTrainingMemory, megabytes, trainingBytes, type TrainingMemory } from './memory.js';
export type { ModelState } from './state.js';
export {
  breaksBound,
  DIVERGENCE_FACTOR,
  divergenceBound,
  DivergenceGuard,
  divergenceRecord,
  type Divergence,
} from './divergence.js';
export type { TrainableModel } from './model.js';
export {
  checkStateFits,
  fitResumable,
  type EpochCheckpoints,
  type EpochOutcome,
  type ResumableFitOptions,
  type ResumableFitResult,
} from './resumable.js';
