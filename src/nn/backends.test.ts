import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceBackend, wasmBackend } from '../kernels/index.js';
import type { Backend } from '../kernels/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../util/rng.js';
import { SGD } from '../optim/sgd.js';
import { lenet5 } from './models/lenet5.js';

/**
 * The layer wiring on the wasm backend against the reference backend: the same seed and data must give the
 * same loss, gradients and one-step weights up to float32 rounding (the kernels differ in summation order).
 */
test('lenet5 with BN and dropout: wasm and reference backends agree on loss, gradients, update and predictions', () => {
  const rng = new Rng(3);
  const xs = Float32Array.from({ length: 8 * 784 }, () => rng.normal());
  const ys = new Float32Array(80);
  for (let i = 0; i < 8; i++) ys[i * 10 + (i % 10)] = 1;
  const run = (
    backend: Backend,
  ): { loss: number; grads: Float32Array[]; weights: Float32Array[]; pred: number[] } => {
    const m = lenet5({
      seed: 5,
      batchNorm: true,
      inputBatchNorm: true,
      dropout: { input: 0.2, hidden: 0.5 },
      backend,
    });
    m.compile({ optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }), loss: 'categoricalCrossentropy' });
    const x = Tensor.fromArray(xs, [8, 1, 28, 28], { backend });
    const y = Tensor.fromArray(ys, [8, 10], { backend });
    const { loss } = m.trainOnBatch(x, y);
    // Per layer, all its gradients as one vector: the input BN's ∂L/∂γ alone is a sum of 6,272 float32 products
    // that cancels down to ~1e-3 of ∂L/∂β, so only its error relative to the layer's gradient scale is meaningful.
    const grads = m.layers
      .filter((l) => l.gradients.length > 0)
      .map((l) => Float32Array.from(l.gradients.flatMap((g) => Array.from(g.value.data))));
    const weights = m.getWeights() as Float32Array[];
    const pred = m.predict(x).toArray();
    m.dispose();
    x.dispose();
    y.dispose();
    return { loss, grads, weights, pred };
  };
  const w = run(wasmBackend);
  const r = run(referenceBackend);
  assert.ok(Math.abs(w.loss - r.loss) < 1e-5 * r.loss, `loss ${w.loss} vs ${r.loss}`);
  const rel = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
    let d = 0;
    let n = 0;
    for (let i = 0; i < a.length; i++) {
      d += (a[i] - b[i]) ** 2;
      n += b[i] ** 2;
    }
    return Math.sqrt(d / Math.max(n, 1e-30));
  };
  w.grads.forEach((g, i) =>
    assert.ok(
      rel(g, r.grads[i]) < 1e-4,
      `gradients of layer ${i}: relative difference ${rel(g, r.grads[i])}`,
    ),
  );
  w.weights.forEach((v, i) =>
    assert.ok(rel(v, r.weights[i]) < 1e-5, `weight ${i}: relative difference ${rel(v, r.weights[i])}`),
  );
  assert.ok(rel(w.pred, r.pred) < 1e-4, 'predictions');
});
