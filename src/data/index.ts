// The data loaders, in one import.
export * from './idx.js';
export * from './idx-tensor.js';
