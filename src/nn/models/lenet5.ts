import type { Backend, DType } from '../../kernels/backend.js';
import type { ActivationKind } from '../../kernels/backend.js';
import type { Layer } from '../layer.js';
import { Activation } from '../layers/activation.js';
import { BatchNormalization } from '../layers/batchnorm.js';
import { Conv2D } from '../layers/conv2d.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import { Flatten } from '../layers/flatten.js';
import { AveragePooling2D, MaxPooling2D } from '../layers/pooling.js';
import { Sequential } from '../sequential.js';

export interface LeNet5Options {
  /** Hidden activation, default 'relu'. */
  activation?: Extract<ActivationKind, 'relu' | 'tanh'>;
  /** Default 'max'. */
  pooling?: 'max' | 'avg';
  /** BN after every hidden conv/dense layer, before its activation. */
  batchNorm?: boolean;
  /** BN as the very first layer, over the single input channel (instead of standardising the input). */
  inputBatchNorm?: boolean;
  /** Input dropout first, hidden dropout after each hidden block (after the pooling for conv blocks). */
  dropout?: { input: number; hidden: number } | null;
  seed: number;
  dtype?: DType;
  backend?: Backend;
}

/**
 * LeNet-5 for 1×28×28 input, outputting 10 logits (train with categoricalCrossentropy, from logits):
 * conv 6@5×5 'same' → pool 2 → conv 16@5×5 'valid' → pool 2 → flatten 400 → dense 120 → dense 84 → dense 10,
 * 61,706 parameters without BN. Choices (Keras defaults unless said): Glorot-uniform kernels, zero biases;
 * ReLU and max pooling by default (tanh / average pooling as options, as in the 1998 net). With batchNorm,
 * the hidden conv/dense layers drop their bias (β plays its role: a bias before BN is cancelled by the mean)
 * and BN sits between the linear part and the activation. Hidden dropout follows each hidden block: after the
 * pooling of the two conv blocks and after the activations of dense 120 and dense 84.
 *
 * With max pooling the conv blocks apply the activation after the pooling: for a non-decreasing f (ReLU,
 * tanh) max(f(a), f(b)) = f(max(a, b)), so conv → f → pool and conv → pool → f give identical outputs and
 * gradients, and the second evaluates f and f′ on 4× fewer values. (Average pooling keeps conv → f → pool.)
 */
export function lenet5(o: LeNet5Options): Sequential {
  const act = o.activation ?? 'relu';
  if (act !== 'relu' && act !== 'tanh')
    throw new Error(`lenet5: activation must be 'relu' or 'tanh', got ${String(act)}`);
  const pooling = o.pooling ?? 'max';
  if (pooling !== 'max' && pooling !== 'avg')
    throw new Error(`lenet5: pooling must be 'max' or 'avg', got ${String(pooling)}`);
  const bn = o.batchNorm ?? false;
  const drop = o.dropout ?? null;
  if (drop !== null) {
    for (const [k, v] of Object.entries(drop)) {
      if (!(v >= 0 && v < 1)) throw new Error(`lenet5: dropout.${k} must be in [0, 1), got ${v}`);
    }
  }
  const pool = (): Layer =>
    pooling === 'max' ? new MaxPooling2D({ poolSize: 2 }) : new AveragePooling2D({ poolSize: 2 });
  const hiddenDropout = (): Layer[] =>
    drop !== null && drop.hidden > 0 ? [new Dropout({ rate: drop.hidden })] : [];
  /** A linear layer + (BN) + activation. */
  const block = (linear: Layer): Layer[] =>
    bn ? [linear, new BatchNormalization(), new Activation(act)] : [linear];
  /** conv + (BN) + activation + pooling, the activation moved behind a max pooling (see above). */
  const convBlock = (filters: number, padding: 'same' | 'valid'): Layer[] => {
    const lateAct = pooling === 'max';
    const conv = new Conv2D({
      filters,
      kernelSize: 5,
      padding,
      activation: bn || lateAct ? 'linear' : act,
      useBias: !bn,
    });
    const norm = bn ? [new BatchNormalization()] : [];
    return lateAct
      ? [conv, ...norm, pool(), new Activation(act)]
      : [conv, ...norm, ...(bn ? [new Activation(act)] : []), pool()];
  };
  const dense = (units: number): Layer => new Dense({ units, activation: bn ? 'linear' : act, useBias: !bn });

  const layers: Layer[] = [];
  if (o.inputBatchNorm) layers.push(new BatchNormalization());
  if (drop !== null && drop.input > 0) layers.push(new Dropout({ rate: drop.input }));
  layers.push(...convBlock(6, 'same'), ...hiddenDropout());
  layers.push(...convBlock(16, 'valid'), ...hiddenDropout());
  layers.push(new Flatten());
  layers.push(...block(dense(120)), ...hiddenDropout());
  layers.push(...block(dense(84)), ...hiddenDropout());
  layers.push(new Dense({ units: 10 }));
  return new Sequential(layers, {
    inputShape: [1, 28, 28],
    seed: o.seed,
    dtype: o.dtype,
    backend: o.backend,
  });
}
