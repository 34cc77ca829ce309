/** The public API of nnlab. */
export * from './tensor/index.js';
export * from './kernels/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './train/index.js';
export * from './data/index.js';
export { Rng, type RngState } from './util/rng.js';
export * from './experiments/index.js';
// The homework's hand-written pieces, which the notebook's code cells call by name.
export { softmax, softmaxJacobian, crossEntropyGrad } from './experiments/p1.js';
export {
  Ex4Network,
  NET_ORIGINAL,
  NET_TWO_HIDDEN,
  sigmoid,
  sigmoidGradient,
  initParams,
} from './experiments/p2/network.js';
