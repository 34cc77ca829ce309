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
export { Conv2D, convAxis, type Conv2DOptions, type Padding } from './layers/conv2d.js';
export { AveragePooling2D, MaxPooling2D, type PoolingOptions } from './layers/pooling.js';
export { BatchNormalization, type BatchNormalizationOptions } from './layers/batchnorm.js';
export { Dropout } from './layers/dropout.js';
export { lenet5, type LeNet5Options } from './models/lenet5.js';
export * from './ensemble.js';
