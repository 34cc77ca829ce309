/**
 * Activation functions by name, as layers accept them: 'linear' | 'sigmoid' | 'scaledSigmoid' | 'tanh' |
 * 'relu' | 'leakyRelu' (slope 0.01) | { kind: 'leakyRelu', slope } | 'softmax' (output layer only: the model
 * fuses it into categorical cross-entropy and applies it itself in predict).
 */
import type { ActivationKind, Backend, DType, FloatArray } from '../kernels/backend.js';
import { BatchBuffer } from './buffers.js';

export type ActivationName = ActivationKind | 'softmax';
export type ActivationSpec = ActivationName | { kind: ActivationName; slope?: number };

export interface ResolvedActivation {
  kind: ActivationName;
  /** Negative-side slope of leakyRelu (0.01 unless given); 0 for the other kinds. */
  slope: number;
}

const NAMES: readonly ActivationName[] = [
  'linear',
  'sigmoid',
  'scaledSigmoid',
  'tanh',
  'relu',
  'leakyRelu',
  'softmax',
];

/** Checks an activation spec and fills in the default leakyRelu slope 0.01 (Keras' LeakyReLU uses 0.3; the study's 0.01). */
export function resolveActivation(spec: ActivationSpec | undefined, fn: string): ResolvedActivation {
  if (spec === undefined) return { kind: 'linear', slope: 0 };
  const kind = typeof spec === 'string' ? spec : spec?.kind;
  if (!NAMES.includes(kind)) {
    throw new Error(`${fn}: unknown activation ${JSON.stringify(spec)} (one of ${NAMES.join(', ')})`);
  }
  const given = typeof spec === 'string' ? undefined : spec.slope;
  if (given !== undefined && (kind !== 'leakyRelu' || !Number.isFinite(given))) {
    throw new Error(`${fn}: slope ${given} is only meaningful as a finite number for leakyRelu, not ${kind}`);
  }
  return { kind, slope: kind === 'leakyRelu' ? (given ?? 0.01) : 0 };
}

/**
 * The elementwise activation part of a layer: y = f(z) forward, dz = dy ⊙ f′(z) backward, with its own
 * batch-sized buffers. `skipped` (set by the model for a fused output activation) makes it the identity.
 */
export class ActivationStage {
  readonly spec: ResolvedActivation;
  skipped = false;
  private y: BatchBuffer | null = null;
  private dz: BatchBuffer | null = null;
  private z: FloatArray | null = null;
  private out: FloatArray | null = null;
  private backend!: Backend;

  constructor(spec: ResolvedActivation) {
    this.spec = spec;
  }

  build(backend: Backend, dtype: DType, perExample: number): void {
    this.backend = backend;
    if (this.spec.kind === 'linear' || this.spec.kind === 'softmax') return;
    this.y = new BatchBuffer(backend, dtype, perExample);
    this.dz = new BatchBuffer(backend, dtype, perExample);
  }

  get identity(): boolean {
    return this.skipped || this.spec.kind === 'linear';
  }

  forward(z: FloatArray, n: number, fn: string): FloatArray {
    if (this.identity) return z;
    if (this.spec.kind === 'softmax' || this.y === null) {
      throw new Error(`${fn}: softmax is only supported as the activation of the last layer`);
    }
    const y = this.y.get(n);
    this.backend.activation(this.spec.kind, this.spec.slope, z, y);
    this.z = z;
    this.out = y;
    return y;
  }

  backward(dy: FloatArray, n: number): FloatArray {
    if (this.identity) return dy;
    const dz = (this.dz as BatchBuffer).get(n);
    const kind = this.spec.kind as ActivationKind;
    this.backend.activationGrad(kind, this.spec.slope, this.z as FloatArray, this.out as FloatArray, dy, dz);
    return dz;
  }

  dispose(): void {
    this.y?.dispose();
    this.dz?.dispose();
  }
}
