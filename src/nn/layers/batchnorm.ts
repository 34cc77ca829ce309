import type { BatchNormGeometry, FloatArray } from '../../kernels/backend.js';
import { BatchBuffer } from '../buffers.js';
import { Layer, expectRank, type BuildContext } from '../layer.js';
import type { Tensor } from '../../tensor/tensor.js';

export interface BatchNormalizationOptions {
  /** Moving-average momentum: moving = momentum·moving + (1 − momentum)·batch. Default 0.99 (Keras). */
  momentum?: number;
  /** Default 1e-3 (Keras). */
  epsilon?: number;
  name?: string;
}

/**
 * Batch normalisation (Ioffe & Szegedy), per channel for NCHW input [c, h, w] (statistics over n·h·w) and
 * per feature for dense input [c]: training y = γ·(x − μ_B)/√(σ²_B + ε) + β with the batch mean and biased
 * variance, updating moving = momentum·moving + (1 − momentum)·batch (unbiased variance); inference uses the
 * moving statistics. γ starts at 1, β at 0, movingMean at 0, movingVariance at 1 (as Keras). Weights, in
 * Keras' order: gamma, beta (trainable), moving_mean, moving_variance.
 */
export class BatchNormalization extends Layer {
  readonly kind = 'batch_normalization';
  readonly momentum: number;
  readonly epsilon: number;
  gamma!: Tensor;
  beta!: Tensor;
  movingMean!: Tensor;
  movingVariance!: Tensor;
  private geometry!: BatchNormGeometry;
  private saveMean!: FloatArray;
  private saveInvStd!: FloatArray;
  private y!: BatchBuffer;
  private dx!: BatchBuffer;
  private x: FloatArray | null = null;

  constructor(o: BatchNormalizationOptions = {}) {
    super(o.name);
    this.momentum = o.momentum ?? 0.99;
    this.epsilon = o.epsilon ?? 1e-3;
    if (!(this.momentum >= 0 && this.momentum <= 1)) {
      throw new Error(`BatchNormalization: momentum must be in [0, 1], got ${o.momentum}`);
    }
    if (!(this.epsilon > 0) || !Number.isFinite(this.epsilon)) {
      throw new Error(`BatchNormalization: epsilon must be a finite number > 0, got ${o.epsilon}`);
    }
  }

  protected setup(inputShape: readonly number[], ctx: BuildContext): readonly number[] {
    expectRank(this, inputShape, [1, 3]);
    const c = inputShape[0];
    const s = inputShape.length === 3 ? inputShape[1] * inputShape[2] : 1;
    this.geometry = { n: 0, c, s };
    this.gamma = this.addWeight('gamma', [c], true);
    this.beta = this.addWeight('beta', [c], true);
    this.movingMean = this.addWeight('moving_mean', [c], false);
    this.movingVariance = this.addWeight('moving_variance', [c], false);
    this.gamma.data.fill(1);
    this.movingVariance.data.fill(1);
    this.saveMean = ctx.backend.alloc(ctx.dtype, c);
    this.saveInvStd = ctx.backend.alloc(ctx.dtype, c);
    this.y = new BatchBuffer(ctx.backend, ctx.dtype, c * s);
    this.dx = new BatchBuffer(ctx.backend, ctx.dtype, c * s);
    return inputShape;
  }

  forward(x: FloatArray, n: number, training: boolean): FloatArray {
    const y = this.y.get(n);
    this.geometry.n = n;
    if (training) {
      if (n * this.geometry.s < 2) {
        throw new Error(
          `BatchNormalization "${this.name}": training needs at least 2 values per channel, got ${n * this.geometry.s}`,
        );
      }
      this.backend.batchNormTrainForward(
        this.geometry,
        x,
        this.gamma.data,
        this.beta.data,
        this.movingMean.data,
        this.movingVariance.data,
        this.momentum,
        this.epsilon,
        y,
        this.saveMean,
        this.saveInvStd,
      );
      this.x = x;
    } else {
      this.backend.batchNormInferForward(
        this.geometry,
        x,
        this.gamma.data,
        this.beta.data,
        this.movingMean.data,
        this.movingVariance.data,
        this.epsilon,
        y,
      );
      this.x = null;
    }
    return y;
  }

  backward(dy: FloatArray, n: number): FloatArray {
    if (this.x === null)
      throw new Error(`BatchNormalization "${this.name}": backward needs a training-mode forward`);
    const dx = this.dx.get(n);
    this.geometry.n = n;
    this.backend.batchNormBackward(
      this.geometry,
      this.x,
      this.gamma.data,
      this.saveMean,
      this.saveInvStd,
      dy,
      dx,
      this.params[0].grad.data,
      this.params[1].grad.data,
    );
    return dx;
  }

  protected disposeBuffers(): void {
    if (this.saveMean !== undefined) {
      this.backend.free(this.saveMean);
      this.backend.free(this.saveInvStd);
    }
    this.y?.dispose();
    this.dx?.dispose();
  }
}
