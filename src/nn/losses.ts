/**
 * Losses, as the mean over the batch (Keras' reduction), each with its gradient ∂L/∂out:
 * - categoricalCrossentropy: L = −(1/n)·Σ_rows Σ_j t_j·log p_j. From logits z (p = softmax(z), the fused
 *   `softmaxCrossEntropy` kernel; ∂L/∂z = (p − t)/n) or from probabilities p, clipped to [1e-7, 1 − 1e-7]
 *   like Keras (∂L/∂p = −t/(n·p) inside the clip range, 0 outside; p is not renormalised).
 * - binaryCrossentropy: L = −mean(t·log p + (1−t)·log(1−p)) over all n·k outputs. From logits z in the stable
 *   form max(z,0) − z·t + log(1 + e^−|z|) with ∂L/∂z = (σ(z) − t)/(n·k); from probabilities clipped to
 *   [1e-7, 1 − 1e-7] with ∂L/∂p = (p − t)/(p(1−p)·n·k).
 * - meanSquaredError: L = mean((y − t)²) over all n·k outputs, ∂L/∂y = 2(y − t)/(n·k).
 */
import type { Backend, DType, FloatArray } from '../kernels/backend.js';
import { BatchBuffer } from './buffers.js';

export type LossName = 'categoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError';
export type LossSpec = LossName | { name: LossName; fromLogits?: boolean };

export const LOSS_NAMES: readonly LossName[] = [
  'categoricalCrossentropy',
  'binaryCrossentropy',
  'meanSquaredError',
];

const EPS = 1e-7;

/** Checks a loss spec; returns the name and the explicit fromLogits (undefined: decided by the model). */
export function parseLoss(spec: LossSpec, fn: string): { name: LossName; fromLogits: boolean | undefined } {
  const name = typeof spec === 'string' ? spec : spec?.name;
  if (!LOSS_NAMES.includes(name)) {
    throw new Error(`${fn}: unknown loss ${JSON.stringify(spec)} (one of ${LOSS_NAMES.join(', ')})`);
  }
  const fromLogits = typeof spec === 'string' ? undefined : spec.fromLogits;
  if (fromLogits !== undefined && typeof fromLogits !== 'boolean') {
    throw new Error(`${fn}: fromLogits must be a boolean, got ${String(fromLogits)}`);
  }
  if (name === 'meanSquaredError' && fromLogits === true) {
    throw new Error(`${fn}: meanSquaredError has no fromLogits form`);
  }
  return { name, fromLogits };
}

/** A loss bound to a backend, with its scratch buffer (softmax probabilities). */
export class Loss {
  private readonly p: BatchBuffer | null;

  constructor(
    readonly name: LossName,
    readonly fromLogits: boolean,
    private readonly backend: Backend,
    dtype: DType,
    cols: number,
  ) {
    this.p = name === 'categoricalCrossentropy' && fromLogits ? new BatchBuffer(backend, dtype, cols) : null;
  }

  /** The batch-mean loss of outputs `out` (rows×cols) against targets `t`; writes ∂L/∂out into `dOut`. */
  compute(rows: number, cols: number, out: FloatArray, t: FloatArray, dOut: FloatArray): number {
    const m = rows * cols;
    if (this.name === 'categoricalCrossentropy') {
      if (this.fromLogits) {
        const total = this.backend.softmaxCrossEntropy(
          rows,
          cols,
          out,
          t,
          (this.p as BatchBuffer).get(rows),
          dOut,
        );
        const s = 1 / rows;
        for (let i = 0; i < m; i++) dOut[i] *= s;
        return total / rows;
      }
      let total = 0;
      for (let i = 0; i < m; i++) {
        const p = out[i];
        const inside = p > EPS && p < 1 - EPS;
        const pc = inside ? p : p <= EPS ? EPS : 1 - EPS;
        if (t[i] !== 0) total -= t[i] * Math.log(pc);
        dOut[i] = inside ? -t[i] / (rows * p) : 0;
      }
      return total / rows;
    }
    let total = 0;
    if (this.name === 'binaryCrossentropy') {
      if (this.fromLogits) {
        for (let i = 0; i < m; i++) {
          const z = out[i];
          const e = Math.exp(-Math.abs(z));
          total += Math.max(z, 0) - z * t[i] + Math.log1p(e);
          const sig = z >= 0 ? 1 / (1 + e) : e / (1 + e);
          dOut[i] = (sig - t[i]) / m;
        }
        return total / m;
      }
      for (let i = 0; i < m; i++) {
        const p = out[i];
        const inside = p > EPS && p < 1 - EPS;
        const pc = inside ? p : p <= EPS ? EPS : 1 - EPS;
        total -= t[i] * Math.log(pc) + (1 - t[i]) * Math.log(1 - pc);
        dOut[i] = inside ? (p - t[i]) / (p * (1 - p) * m) : 0;
      }
      return total / m;
    }
    for (let i = 0; i < m; i++) {
      const d = out[i] - t[i];
      total += d * d;
      dOut[i] = (2 * d) / m;
    }
    return total / m;
  }

  dispose(): void {
    this.p?.dispose();
  }
}

/** Row-wise softmax in place, max subtracted: p_j = e^(z_j − max z)/Σ_i e^(z_i − max z). */
export function softmaxRows(rows: number, cols: number, z: FloatArray): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (z[o + j] > max) max = z[o + j];
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(z[o + j] - max);
      z[o + j] = e;
      s += e;
    }
    for (let j = 0; j < cols; j++) z[o + j] /= s;
  }
}
