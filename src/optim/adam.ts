import type { Param } from './param.js';
import { Optimizer } from './optimizer.js';

export interface AdamOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adam (Kingma & Ba; `adamStep` kernel), step t from 1: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 * w −= lr·(m/(1−β1^t))/(√(v/(1−β2^t)) + ε). Defaults as Keras: learningRate 0.001, β1 0.9, β2 0.999, ε 1e-7.
 */
export class Adam extends Optimizer {
  readonly kind = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  protected readonly slotsPerParam = 2;

  constructor({ learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7 }: AdamOptions = {}) {
    super(learningRate, 'Adam');
    for (const [k, b] of [
      ['beta1', beta1],
      ['beta2', beta2],
    ] as const) {
      if (!(b >= 0 && b < 1)) throw new Error(`Adam: ${k} must be in [0, 1), got ${b}`);
    }
    if (!(epsilon > 0) || !Number.isFinite(epsilon))
      throw new Error(`Adam: epsilon must be > 0, got ${epsilon}`);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
  }

  protected update(p: Param, i: number): void {
    p.value.backend.adamStep(
      p.value.data,
      p.grad.data,
      this.slots[2 * i],
      this.slots[2 * i + 1],
      this.learningRate,
      this.beta1,
      this.beta2,
      this.epsilon,
      this.iterations,
    );
  }
}
