/**
 * Problem 3.1/3.2: kernel gradients dLoss/dW of every hidden layer at initialisation, for the 5×100 MLP of
 * Godoy's DeepReplay example on the ball set, with the nnlab model API (Sequential + Dense + computeGradients).
 */
import {
  type BallDataset,
  Dense,
  type FloatArray,
  GlorotNormal,
  type Initializer,
  RandomNormal,
  Sequential,
  SGD,
  Tensor,
} from 'nnlab';
import type { P3GradientLayer, P3GradientRun } from './spec.js';
import { quantileSample, summarise } from './stats.js';

export interface GradientStudyOptions {
  activation: 'tanh' | 'sigmoid';
  /** RandomNormal std, or null for Glorot normal. */
  std: number | null;
  hiddenLayers: number;
  units: number;
  /** Model seed; the same seed for every configuration, so RandomNormal runs differ only by the scale of the draws. */
  seed: number;
  samples: number;
  /** After the initial gradients, train this many epochs (SGD, Keras' 'sgd' defaults) and measure again; 0 skips. */
  trainEpochs: number;
  trainBatchSize: number;
  trainLearningRate: number;
}

/**
 * The DeepReplay model: hidden layers h1…hH = Dense(units, activation), output o = Dense(1, sigmoid), every
 * kernel from `initializer`, zero biases; binary cross-entropy (the optimizer is irrelevant: no step is taken).
 */
function buildGradientModel(o: GradientStudyOptions, inputs: number): Sequential {
  const init = (): Initializer =>
    o.std === null ? new GlorotNormal() : new RandomNormal({ mean: 0, stddev: o.std });
  const layers = Array.from(
    { length: o.hiddenLayers },
    (_, i) =>
      new Dense({ units: o.units, activation: o.activation, kernelInitializer: init(), name: `h${i + 1}` }),
  );
  layers.push(new Dense({ units: 1, activation: 'sigmoid', kernelInitializer: init(), name: 'o' }));
  const model = new Sequential(layers, { inputShape: [inputs], dtype: 'float64', seed: o.seed });
  model.compile({ optimizer: new SGD({ learningRate: o.trainLearningRate }), loss: 'binaryCrossentropy' });
  return model;
}

/** Looks up a layer's weight or gradient named "<layer>/<suffix>", naming what exists when it is missing. */
function named(list: readonly { name: string; value: Tensor }[], layer: string, suffix: string): Tensor {
  const hit = list.find((w) => w.name === `${layer}/${suffix}`);
  if (hit === undefined)
    throw new Error(
      `gradientStudy: layer ${layer} has no ${suffix} (has ${list.map((w) => w.name).join(', ')})`,
    );
  return hit.value;
}

/** Full-batch kernel gradients of the hidden layers (loss = mean BCE over all points), summarised. */
function hiddenGradients(model: Sequential, o: GradientStudyOptions): P3GradientLayer['summary'][] {
  return model.layers
    .slice(0, o.hiddenLayers)
    .map((layer) => summarise(named(layer.gradients, layer.name, 'kernel').toArray()));
}

/**
 * Full-batch gradients at initialisation: loss = mean BCE over all points, g_l = dLoss/dW_l for each hidden
 * kernel W_l (biases excluded), summarised (std, mean |g|, …) and kept as a quantile sample for violins; then,
 * when trainEpochs > 0, the same summaries after that much minibatch SGD.
 */
export async function gradientStudy(data: BallDataset, o: GradientStudyOptions): Promise<P3GradientRun> {
  const model = buildGradientModel(o, data.dims);
  const x = Tensor.fromArray(data.x, [data.points, data.dims], { dtype: 'float64', backend: model.backend });
  const y = Tensor.fromArray(data.y, [data.points, 1], { dtype: 'float64', backend: model.backend });
  const loss = model.computeGradients(x, y);
  // Hidden activations by running the layers one by one in inference mode (no dropout/BN here, so identical).
  const activationStd: number[] = [];
  let a: FloatArray = x.data;
  for (let i = 0; i < o.hiddenLayers; i++) {
    a = model.layers[i].forward(a, data.points, false);
    activationStd.push(summarise(a).std);
  }
  const layers: P3GradientLayer[] = model.layers.slice(0, o.hiddenLayers).map((layer, i) => {
    const g = named(layer.gradients, layer.name, 'kernel').toArray();
    const w = named(layer.weights, layer.name, 'kernel').toArray();
    return {
      layer: layer.name,
      fanIn: layer.inputShape[0],
      fanOut: layer.outputShape[0],
      weightStd: summarise(w).std,
      activationStd: activationStd[i],
      summary: summarise(g),
      quantiles: quantileSample(g, o.samples),
    };
  });
  let trained: P3GradientRun['trained'] = null;
  if (o.trainEpochs > 0) {
    const history = await model.fit(x, y, {
      epochs: o.trainEpochs,
      batchSize: o.trainBatchSize,
      shuffle: true,
    });
    const after = model.computeGradients(x, y);
    trained = {
      epochs: o.trainEpochs,
      trainLoss: history.loss,
      loss: after,
      layers: hiddenGradients(model, o),
    };
  }
  x.dispose();
  y.dispose();
  model.dispose();
  const init = o.std === null ? 'Glorot normal' : `RandomNormal σ = ${o.std}`;
  return {
    activation: o.activation,
    initializer: o.std === null ? 'glorotNormal' : 'randomNormal',
    std: o.std,
    label: `${o.activation}, ${init}`,
    loss,
    layers,
    trained,
  };
}
