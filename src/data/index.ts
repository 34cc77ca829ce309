// The data loaders, in one import.
export * from './idx.js';
export * from './idx-tensor.js';
export * from './mat.js';
export * from './ex4.js';
export * from './ball.js';
