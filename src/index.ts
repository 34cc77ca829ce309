/** The public API of nnlab. */
export * from './tensor/index.js';
export * from './kernels/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './train/index.js';
export * from './data/index.js';
export { Rng, type RngState } from './util/rng.js';
export * from './experiments/index.js';
