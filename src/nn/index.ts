/**
 * Keras-shaped layers and models. A typical run:
 *
 *   const model = new Sequential(
 *     [new Dense({ units: 100, activation: 'relu', kernelInitializer: 'heNormal' }), new Dense({ units: 10 })],
 *     { inputShape: [784], seed: 1 },
 *   );
 *   model.compile({ optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }), loss: 'categoricalCrossentropy',
 *                   metrics: ['accuracy'] });
 *   const history = await model.fit(x, y, { epochs: 10, batchSize: 128, validationData: [xTest, yTest] });
 *
 * x is a Tensor [N, ...inputShape], y one-hot [N, classes]; the linear last layer makes the loss work on logits.
 */
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
