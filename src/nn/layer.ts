/**
 * The layer protocol Sequential drives. Layers work on flat batch arrays (row-major, NCHW for images) in
 * backend memory: forward returns the layer's own output buffer (valid until its next forward), backward
 * receives ∂L/∂y and returns ∂L/∂x (or null when the model says nothing upstream needs it).
 */
import type { Backend, DType, FloatArray } from '../kernels/backend.js';
import { Tensor, shapeSize } from '../tensor/tensor.js';
import type { Rng } from '../util/rng.js';
import type { ActivationStage } from './activations.js';
import type { Param } from '../optim/param.js';

/** A named weight of a layer, e.g. { name: 'dense_1/kernel', value }. */
export interface WeightRef {
  name: string;
  value: Tensor;
}

export type { Param } from '../optim/param.js';

/** A mutable holder of the model's dropout Rng, so restoring a model state re-points every layer at once. */
export interface RandomSource {
  rng: Rng;
}

export interface BuildContext {
  backend: Backend;
  dtype: DType;
  /** This layer's own initialisation stream. */
  initRng: Rng;
  /** The model's stream for training-time noise (dropout masks). */
  noise: RandomSource;
}

export abstract class Layer {
  /** 'dense', 'conv2d', … (Keras' snake_case class names; the default name is derived from it). */
  abstract readonly kind: string;
  name: string;
  /** Every weight, trainable or not (BN's moving statistics too), in Keras' get_weights() order. */
  readonly weights: WeightRef[] = [];
  /** ∂L/∂w of the last backward pass for each trainable weight, named like the weight. */
  readonly gradients: WeightRef[] = [];
  /** Trainable weights with their gradients (same order as `gradients`). */
  readonly params: Param[] = [];
  inputShape: readonly number[] = [];
  outputShape: readonly number[] = [];
  protected backend!: Backend;
  protected dtype: DType = 'float32';
  private built = false;

  constructor(name: string | undefined) {
    this.name = name ?? '';
  }

  /** The activation applied last by this layer (Dense, Conv2D, Activation), for output fusion; else null. */
  get outputActivation(): ActivationStage | null {
    return null;
  }

  /** Allocates weights (drawn from ctx.initRng) and returns the output shape (without the batch dimension). */
  build(inputShape: readonly number[], ctx: BuildContext): readonly number[] {
    if (this.built)
      throw new Error(`${this.kind} layer "${this.name}": already built (a layer belongs to one model)`);
    this.built = true;
    this.backend = ctx.backend;
    this.dtype = ctx.dtype;
    this.inputShape = Object.freeze([...inputShape]);
    this.outputShape = Object.freeze([...this.setup(inputShape, ctx)]);
    return this.outputShape;
  }

  protected abstract setup(inputShape: readonly number[], ctx: BuildContext): readonly number[];

  /** y = layer(x) for a batch of n; `training` selects batch statistics and dropout. */
  abstract forward(x: FloatArray, n: number, training: boolean): FloatArray;

  /** Fills the gradients of the trainable weights from dy (∂L/∂y) and returns ∂L/∂x if `needInputGrad`. */
  abstract backward(dy: FloatArray, n: number, needInputGrad: boolean): FloatArray | null;

  /** Number of scalars in all weights (trainable and not, as Keras counts). */
  get countParams(): number {
    return this.weights.reduce((s, w) => s + w.value.size, 0);
  }

  /** Adds a weight; trainable ones get a gradient tensor of the same shape. */
  protected addWeight(suffix: string, shape: readonly number[], trainable: boolean): Tensor {
    const value = Tensor.zeros(shape, { dtype: this.dtype, backend: this.backend });
    this.weights.push({ name: `${this.name}/${suffix}`, value });
    if (trainable) {
      const grad = Tensor.zeros(shape, { dtype: this.dtype, backend: this.backend });
      this.gradients.push({ name: `${this.name}/${suffix}`, value: grad });
      this.params.push({ value, grad });
    }
    return value;
  }

  /** Returns this layer's memory to the backend. */
  dispose(): void {
    for (const w of this.weights) w.value.dispose();
    for (const g of this.gradients) g.value.dispose();
    this.disposeBuffers();
  }

  protected abstract disposeBuffers(): void;
}

/** Checks that an input shape has the expected rank, naming the layer. */
export function expectRank(layer: Layer, shape: readonly number[], ranks: number[]): void {
  if (!ranks.includes(shape.length) || shapeSize(shape, layer.kind) === 0) {
    throw new Error(
      `${layer.kind} layer "${layer.name}": input shape [${shape.join(', ')}] must have rank ${ranks.join(' or ')} ` +
        `(without the batch dimension) and no zero dimension`,
    );
  }
}
