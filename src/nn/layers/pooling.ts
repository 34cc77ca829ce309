import type { FloatArray, PoolGeometry } from '../../kernels/backend.js';
import { BatchBuffer, IndexBuffer } from '../buffers.js';
import { Layer, expectRank, type BuildContext } from '../layer.js';
import { convAxis, pair } from './conv2d.js';

export interface PoolingOptions {
  /** Default 2. */
  poolSize?: number | [number, number];
  /** Default: poolSize. */
  strides?: number | [number, number];
  name?: string;
}

/** Shared geometry of the 2-D poolings ('valid' windows: out = ⌊(in − k)/s⌋ + 1), NCHW [c, h, w]. */
abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  protected geometry!: PoolGeometry;
  protected y!: BatchBuffer;
  protected dx!: BatchBuffer;

  constructor(fn: string, o: PoolingOptions) {
    super(o.name);
    this.poolSize = pair(fn, 'poolSize', o.poolSize ?? 2);
    this.strides = pair(fn, 'strides', o.strides ?? this.poolSize);
  }

  protected setup(inputShape: readonly number[], ctx: BuildContext): readonly number[] {
    expectRank(this, inputShape, [3]);
    const [c, h, w] = inputShape;
    const [kh, kw] = this.poolSize;
    const [sh, sw] = this.strides;
    const fn = `${this.kind} "${this.name}" on input [${inputShape.join(', ')}]`;
    const outH = convAxis(fn, h, kh, sh, 'valid').out;
    const outW = convAxis(fn, w, kw, sw, 'valid').out;
    this.geometry = { n: 0, c, h, w, kh, kw, strideH: sh, strideW: sw, outH, outW };
    this.y = new BatchBuffer(ctx.backend, ctx.dtype, c * outH * outW);
    this.dx = new BatchBuffer(ctx.backend, ctx.dtype, c * h * w);
    this.setupExtra(ctx, c * outH * outW);
    return [c, outH, outW];
  }

  protected setupExtra(_ctx: BuildContext, _outSize: number): void {}

  protected disposeBuffers(): void {
    this.y?.dispose();
    this.dx?.dispose();
  }
}

/** y = max over each poolSize window (stride = poolSize unless given); ∂L/∂x routes dy to the argmax. */
export class MaxPooling2D extends Pooling2D {
  readonly kind = 'max_pooling2d';
  private argmax!: IndexBuffer;

  constructor(o: PoolingOptions = {}) {
    super('MaxPooling2D', o);
  }

  protected override setupExtra(ctx: BuildContext, outSize: number): void {
    this.argmax = new IndexBuffer(ctx.backend, outSize);
  }

  forward(x: FloatArray, n: number): FloatArray {
    const y = this.y.get(n);
    this.geometry.n = n;
    this.backend.maxPool2dForward(this.geometry, x, y, this.argmax.get(n));
    return y;
  }

  backward(dy: FloatArray, n: number, needInputGrad: boolean): FloatArray | null {
    if (!needInputGrad) return null;
    const dx = this.dx.get(n);
    this.geometry.n = n;
    this.backend.maxPool2dBackward(this.geometry, dy, this.argmax.get(n), dx);
    return dx;
  }

  protected override disposeBuffers(): void {
    super.disposeBuffers();
    this.argmax?.dispose();
  }
}

/** y = mean over each poolSize window; ∂L/∂x spreads dy/(kh·kw) over the window. */
export class AveragePooling2D extends Pooling2D {
  readonly kind = 'average_pooling2d';

  constructor(o: PoolingOptions = {}) {
    super('AveragePooling2D', o);
  }

  forward(x: FloatArray, n: number): FloatArray {
    const y = this.y.get(n);
    this.geometry.n = n;
    this.backend.avgPool2dForward(this.geometry, x, y);
    return y;
  }

  backward(dy: FloatArray, n: number, needInputGrad: boolean): FloatArray | null {
    if (!needInputGrad) return null;
    const dx = this.dx.get(n);
    this.geometry.n = n;
    this.backend.avgPool2dBackward(this.geometry, dy, dx);
    return dx;
  }
}
