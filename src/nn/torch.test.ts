// fixtures/torch-convnet.json was written by PyTorch 1.13 in float64 (fixtures/torch_convnet.py): the same
// conv net with weights and inputs given by formulas, so nnlab's layer semantics (same padding, per-channel
// BN with Keras' momentum/epsilon and unbiased moving variance, max pooling, NCHW flatten, dense, fused
// softmax cross-entropy, SGD momentum) are checked against an independent framework.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Tensor } from '../tensor/tensor.js';
import { SGD } from '../optim/sgd.js';
import { Activation } from './layers/activation.js';
import { BatchNormalization } from './layers/batchnorm.js';
import { Conv2D } from './layers/conv2d.js';
import { Dense } from './layers/dense.js';
import { Flatten } from './layers/flatten.js';
import { MaxPooling2D } from './layers/pooling.js';
import { Sequential } from './sequential.js';

interface Fixture {
  x: number[];
  labels: number[];
  initialWeights: number[][];
  loss: number;
  gradients: number[][];
  secondLoss: number;
  weightsAfterTwoSteps: number[][];
  evalLogits: number[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../../src/nn/fixtures/torch-convnet.json', import.meta.url), 'utf8'),
) as Fixture;

function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    assert.ok(
      Math.abs(a[i] - b[i]) <= 1e-10 * Math.max(1, Math.abs(b[i])),
      `${what}[${i}]: ${a[i]} vs ${b[i]}`,
    );
  }
}

test('a conv net matches PyTorch (float64): loss, gradients, two SGD-momentum steps, BN moving statistics, eval logits', () => {
  const model = new Sequential(
    [
      new Conv2D({ filters: 2, kernelSize: 3, padding: 'same' }),
      new BatchNormalization(),
      new Activation('relu'),
      new MaxPooling2D(),
      new Flatten(),
      new Dense({ units: 4, activation: 'tanh' }),
      new Dense({ units: 3 }),
    ],
    { inputShape: [1, 6, 6], dtype: 'float64', seed: 1 },
  );
  model.compile({
    optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }),
    loss: 'categoricalCrossentropy',
  });
  model.setWeights(fixture.initialWeights);
  const x = Tensor.fromArray(fixture.x, [4, 1, 6, 6], { dtype: 'float64' });
  const y = Tensor.zeros([4, 3], { dtype: 'float64' });
  fixture.labels.forEach((c, i) => (y.data[i * 3 + c] = 1));

  const { loss } = model.trainOnBatch(x, y);
  close([loss], [fixture.loss], 'loss');
  const grads = model.layers.flatMap((l) => l.gradients.map((g) => g.value.data));
  grads.forEach((g, i) => close(g, fixture.gradients[i], `gradient ${i}`));
  close([model.trainOnBatch(x, y).loss], [fixture.secondLoss], 'second loss');
  model.getWeights().forEach((w, i) => close(w, fixture.weightsAfterTwoSteps[i], `weight ${i}`));
  close(model.predict(x).data, fixture.evalLogits, 'eval logits');
});
