import type { FloatArray } from '../../kernels/backend.js';
import { BatchBuffer } from '../buffers.js';
import { Layer, type BuildContext, type RandomSource } from '../layer.js';
import { shapeSize } from '../../tensor/tensor.js';

/**
 * Inverted dropout: in training y = x ⊙ m with m_i = 1/(1 − rate) with probability 1 − rate, else 0;
 * identity at inference, so no rescaling is needed there. ∂L/∂x = dy ⊙ m. The mask comes from the model's
 * noise stream, 16 bits per element (each 32-bit draw serves two elements: m_i = 0 iff u_i < round(rate·2¹⁶)),
 * which halves the cost of the mask, the one per-element JS loop of a training step; the drop probability
 * is rate to within 2⁻¹⁷.
 */
export class Dropout extends Layer {
  readonly kind = 'dropout';
  readonly rate: number;
  private noise!: RandomSource;
  private mask!: BatchBuffer;
  private y!: BatchBuffer;
  private dx!: BatchBuffer;
  private active = false;
  /** [kept value 1/(1 − rate), dropped value 0]. */
  private readonly table: Float64Array;

  constructor(o: { rate: number; name?: string }) {
    super(o.name);
    if (!(o.rate >= 0 && o.rate < 1)) throw new Error(`Dropout: rate must be in [0, 1), got ${o.rate}`);
    this.rate = o.rate;
    this.table = Float64Array.of(1 / (1 - o.rate), 0);
  }

  protected setup(inputShape: readonly number[], ctx: BuildContext): readonly number[] {
    const size = shapeSize(inputShape, 'Dropout');
    this.noise = ctx.noise;
    this.mask = new BatchBuffer(ctx.backend, ctx.dtype, size);
    this.y = new BatchBuffer(ctx.backend, ctx.dtype, size);
    this.dx = new BatchBuffer(ctx.backend, ctx.dtype, size);
    return inputShape;
  }

  forward(x: FloatArray, n: number, training: boolean): FloatArray {
    this.active = training && this.rate > 0;
    if (!this.active) return x;
    const mask = this.mask.get(n);
    const rng = this.noise.rng;
    const threshold = Math.round(this.rate * 65536);
    // Branch-free select: (u − threshold) >>> 31 is 1 exactly when u < threshold (drop), 0 otherwise; a
    // data-dependent branch here mispredicts half the time and costs 3× more.
    const table = this.table;
    const len = mask.length;
    let i = 0;
    for (; i + 1 < len; i += 2) {
      const u = rng.nextUint32();
      mask[i] = table[((u & 0xffff) - threshold) >>> 31];
      mask[i + 1] = table[((u >>> 16) - threshold) >>> 31];
    }
    if (i < len) mask[i] = table[((rng.nextUint32() & 0xffff) - threshold) >>> 31];
    const y = this.y.get(n);
    this.backend.mul(x, mask, y);
    return y;
  }

  backward(dy: FloatArray, n: number, needInputGrad: boolean): FloatArray | null {
    if (!needInputGrad) return null;
    if (!this.active) return dy;
    const dx = this.dx.get(n);
    this.backend.mul(dy, this.mask.get(n), dx);
    return dx;
  }

  protected disposeBuffers(): void {
    this.mask?.dispose();
    this.y?.dispose();
    this.dx?.dispose();
  }
}
