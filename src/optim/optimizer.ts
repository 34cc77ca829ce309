/**
 * Optimisers update the trainable weights of a model from their gradients through the Backend's fused
 * step kernels. Slot arrays (velocity, moments) are allocated on the first step, one per parameter, in the
 * backend that owns the parameter.
 */
import type { FloatArray } from '../kernels/backend.js';
import type { Param } from './param.js';

/** A snapshot of an optimiser (copies, safe to store in checkpoints: typed arrays round-trip exactly). */
export interface OptimizerState {
  kind: string;
  learningRate: number;
  /** Number of steps taken. */
  iterations: number;
  /** Slot arrays per parameter, `slotsPerParam` consecutive entries each. */
  slots: (Float32Array | Float64Array)[];
}

export abstract class Optimizer {
  abstract readonly kind: string;
  /** Settable at any time, e.g. per batch by a schedule callback. */
  learningRate: number;
  /** Number of steps taken. */
  iterations = 0;
  protected slots: FloatArray[] = [];
  private bound: readonly Param[] | null = null;
  protected abstract readonly slotsPerParam: number;

  constructor(learningRate: number, fn: string) {
    if (!(learningRate >= 0) || !Number.isFinite(learningRate)) {
      throw new Error(`${fn}: learningRate must be a finite number ≥ 0, got ${learningRate}`);
    }
    this.learningRate = learningRate;
  }

  /** Applies one update to every parameter from its current gradient. */
  step(params: readonly Param[]): void {
    if (!Number.isFinite(this.learningRate) || this.learningRate < 0) {
      throw new Error(
        `${this.kind}.step: learningRate must be a finite number ≥ 0, got ${this.learningRate}`,
      );
    }
    this.bind(params);
    this.iterations++;
    for (let i = 0; i < params.length; i++) this.update(params[i], i);
  }

  protected abstract update(p: Param, index: number): void;

  /** Ties the optimiser to one parameter list (allocating slots), refusing a different one later. */
  private bind(params: readonly Param[]): void {
    if (this.bound === params) return;
    if (this.bound !== null) {
      const same =
        this.bound.length === params.length && this.bound.every((p, i) => p.value === params[i].value);
      if (!same) throw new Error(`${this.kind}: this optimizer already updates another model's parameters`);
      this.bound = params;
      return;
    }
    const restored = this.slots;
    const expected = params.length * this.slotsPerParam;
    if (restored.length !== 0 && restored.length !== expected) {
      throw new Error(`${this.kind}: state has ${restored.length} slot arrays, the model needs ${expected}`);
    }
    this.slots = [];
    for (let i = 0; i < params.length; i++) {
      const v = params[i].value;
      for (let k = 0; k < this.slotsPerParam; k++) {
        const slot = v.backend.alloc(v.dtype, v.size);
        const src = restored[i * this.slotsPerParam + k];
        if (src !== undefined) {
          if (src.length !== v.size) {
            throw new Error(
              `${this.kind}: state slot ${i}.${k} has ${src.length} elements, parameter has ${v.size}`,
            );
          }
          slot.set(src);
        }
        this.slots.push(slot);
      }
    }
    this.bound = params;
  }

  getState(): OptimizerState {
    return {
      kind: this.kind,
      learningRate: this.learningRate,
      iterations: this.iterations,
      slots: this.slots.map((s) => s.slice()),
    };
  }

  /** Restores getState()'s snapshot (into the bound slots, or kept until the first step binds them). */
  setState(s: OptimizerState): void {
    if (s.kind !== this.kind) throw new Error(`${this.kind}.setState: state is for a ${s.kind} optimizer`);
    this.learningRate = s.learningRate;
    this.iterations = s.iterations;
    if (this.bound === null) {
      this.slots = s.slots.map((a) => a.slice());
      return;
    }
    if (s.slots.length !== this.slots.length) {
      throw new Error(
        `${this.kind}.setState: state has ${s.slots.length} slot arrays, expected ${this.slots.length}`,
      );
    }
    this.slots.forEach((slot, i) => {
      if (s.slots[i].length !== slot.length) {
        throw new Error(
          `${this.kind}.setState: slot ${i} has ${s.slots[i].length} elements, expected ${slot.length}`,
        );
      }
      slot.set(s.slots[i]);
    });
  }

  /** Returns the slot memory to the backend. */
  dispose(): void {
    if (this.bound !== null)
      this.bound.forEach((p, i) => {
        for (let k = 0; k < this.slotsPerParam; k++)
          p.value.backend.free(this.slots[i * this.slotsPerParam + k]);
      });
    this.slots = [];
    this.bound = null;
  }
}
