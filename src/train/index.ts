export type { BatchLogs, Callback, EpochLogs, History, TrainingContext } from './callbacks.js';
export { DivergenceError } from './errors.js';
export { fitModel, gatherRows, type FitOptions } from './fit.js';
export { countCorrect } from './metrics.js';
export type { ModelState } from './state.js';
