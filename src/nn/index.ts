export { Sequential, type CompileOptions, type SequentialOptions } from './sequential.js';
export { Layer, type BuildContext, type Param, type RandomSource, type WeightRef } from './layer.js';
export { Dense, type DenseOptions } from './layers/dense.js';
export { Activation } from './layers/activation.js';
export { Flatten } from './layers/flatten.js';
export {
  resolveActivation,
  type ActivationName,
  type ActivationSpec,
  type ResolvedActivation,
} from './activations.js';
export {
  GlorotNormal,
  GlorotUniform,
  HeNormal,
  HeUniform,
  LeCunNormal,
  Ones,
  RandomNormal,
  RandomUniform,
  Zeros,
  resolveInitializer,
  type Fans,
  type Initializer,
  type InitializerName,
  type InitializerSpec,
} from './initializers.js';
export { LOSS_NAMES, Loss, parseLoss, softmaxRows, type LossName, type LossSpec } from './losses.js';
