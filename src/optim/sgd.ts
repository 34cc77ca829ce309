import type { Param } from './param.js';
import { Optimizer } from './optimizer.js';

export interface SGDOptions {
  learningRate?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/**
 * Stochastic gradient descent (Keras/PyTorch semantics, `sgdStep` kernel): g′ = g + wd·w;
 * plain: w −= lr·g′; momentum μ: v = μ·v − lr·g′, w += v; Nesterov: w += μ·v − lr·g′.
 * Defaults: learningRate 0.01, momentum 0, nesterov false, weightDecay 0.
 */
export class SGD extends Optimizer {
  readonly kind = 'sgd';
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  protected readonly slotsPerParam: number;

  constructor({ learningRate = 0.01, momentum = 0, nesterov = false, weightDecay = 0 }: SGDOptions = {}) {
    super(learningRate, 'SGD');
    if (!(momentum >= 0 && momentum < 1)) throw new Error(`SGD: momentum must be in [0, 1), got ${momentum}`);
    if (nesterov && momentum === 0) throw new Error('SGD: nesterov needs momentum > 0');
    if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) {
      throw new Error(`SGD: weightDecay must be a finite number ≥ 0, got ${weightDecay}`);
    }
    this.momentum = momentum;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
    this.slotsPerParam = momentum > 0 ? 1 : 0;
  }

  protected update(p: Param, i: number): void {
    const v = this.momentum > 0 ? this.slots[i] : p.grad.data;
    p.value.backend.sgdStep(
      p.value.data,
      p.grad.data,
      v,
      this.learningRate,
      this.momentum,
      this.nesterov,
      this.weightDecay,
    );
  }
}
