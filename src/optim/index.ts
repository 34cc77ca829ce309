export { Optimizer, type OptimizerState } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, type AdamOptions } from './adam.js';
export * from './schedules.js';
export * from './lr-finder.js';
export * from './tnc.js';
