/**
 * LeNet-5 throughput measurements for `npm run bench`: the nn engineer's lenet5() trained with plain SGD on a
 * fixed random batch of 128 MNIST-shaped images (throughput does not depend on the pixel values), exactly
 * as bench/torch_bench.py runs the same nets in PyTorch.
 */
import { lenet5 } from '../nn/models/lenet5.js';
import type { Sequential } from '../nn/sequential.js';
import { SGD } from '../optim/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/rng.js';

export type LenetVariant = 'relu' | 'bn' | 'bn-dropout';
export const BATCH = 128;

/**
 * 'relu': the plain net; 'bn': BN after every hidden conv/dense layer (problem 4's variant 2); 'bn-dropout':
 * BN on the input and after every hidden layer plus dropout 0.2 on the input and 0.5 after each hidden block
 * (variant 5).
 */
export function buildLenet(variant: LenetVariant, seed = 1): Sequential {
  const model = lenet5({
    seed,
    batchNorm: variant !== 'relu',
    inputBatchNorm: variant === 'bn-dropout',
    dropout: variant === 'bn-dropout' ? { input: 0.2, hidden: 0.5 } : null,
  });
  model.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
  return model;
}

/** A random batch: pixels uniform in [0, 1), one-hot labels. */
export function randomBatch(model: Sequential, seed = 2): { x: Tensor; y: Tensor } {
  const rng = new Rng(seed);
  const x = Tensor.zeros([BATCH, 1, 28, 28], { backend: model.backend });
  for (let i = 0; i < x.size; i++) x.data[i] = rng.uniform();
  const y = Tensor.zeros([BATCH, 10], { backend: model.backend });
  for (let r = 0; r < BATCH; r++) y.data[r * 10 + rng.int(10)] = 1;
  return { x, y };
}

/** Best images per second over `reps` timed runs of `steps` calls each, after `warmup` untimed calls. */
export function bestRate(step: () => void, o: { warmup: number; steps: number; reps: number }): number {
  for (let i = 0; i < o.warmup; i++) step();
  let best = 0;
  for (let r = 0; r < o.reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < o.steps; i++) step();
    best = Math.max(best, (o.steps * BATCH) / ((performance.now() - t0) / 1000));
  }
  return best;
}

/** Training images per second (best of reps) of one LeNet-5 variant on this thread. */
export function trainRate(variant: LenetVariant, o = { warmup: 5, steps: 20, reps: 5 }): number {
  const model = buildLenet(variant);
  const { x, y } = randomBatch(model);
  return bestRate(() => model.trainOnBatch(x, y), o);
}

/** Inference images per second (best of reps) of the plain LeNet-5. */
export function inferRate(o = { warmup: 5, steps: 40, reps: 5 }): number {
  const model = buildLenet('relu');
  const { x } = randomBatch(model);
  return bestRate(() => model.predict(x, { batchSize: BATCH }).dispose(), o);
}
