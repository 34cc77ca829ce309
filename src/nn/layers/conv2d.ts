import type { ConvGeometry, FloatArray } from '../../kernels/backend.js';
import { ActivationStage, resolveActivation, type ActivationSpec } from '../activations.js';
import { BatchBuffer } from '../buffers.js';
import { resolveInitializer, type Initializer, type InitializerSpec } from '../initializers.js';
import { Layer, expectRank, type BuildContext } from '../layer.js';
import type { Tensor } from '../../tensor/tensor.js';

export type Padding = 'same' | 'valid';

export interface Conv2DOptions {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  /** Default 'valid'. */
  padding?: Padding;
  activation?: ActivationSpec;
  useBias?: boolean;
  /** Default 'glorotUniform' (as Keras). */
  kernelInitializer?: InitializerSpec;
  /** Default 'zeros'. */
  biasInitializer?: InitializerSpec;
  name?: string;
}

/** A positive integer pair from a number or [h, w], naming the option in errors. */
export function pair(fn: string, what: string, v: number | [number, number]): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v?.[0], v?.[1]];
  if (!p.every((d) => Number.isInteger(d) && d >= 1) || (Array.isArray(v) && v.length !== 2)) {
    throw new Error(`${fn}: ${what} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

/**
 * Output size and leading padding along one axis, as TensorFlow resolves them:
 * 'valid': out = ⌊(in − k)/s⌋ + 1, pad 0; 'same': out = ⌈in/s⌉, total pad = max((out−1)·s + k − in, 0),
 * of which ⌊total/2⌋ goes before (the extra one after).
 */
export function convAxis(
  fn: string,
  size: number,
  k: number,
  s: number,
  padding: Padding,
): { out: number; pad: number } {
  if (padding === 'same') {
    const out = Math.ceil(size / s);
    return { out, pad: Math.floor(Math.max((out - 1) * s + k - size, 0) / 2) };
  }
  if (size < k) throw new Error(`${fn}: 'valid' window ${k} is larger than the input size ${size}`);
  return { out: Math.floor((size - k) / s) + 1, pad: 0 };
}

/**
 * 2-D convolution over NCHW input [cIn, h, w] → [filters, outH, outW]:
 * y[co,i,j] = f(b[co] + Σ_{ci,u,v} W[co,ci,u,v]·x[ci, i·sh+u−pt, j·sw+v−pl]), zero outside x.
 * The kernel is stored [cOut, cIn, kh, kw] (the Backend's layout; Keras stores [kh, kw, cIn, cOut]); fans as
 * Keras: fanIn = cIn·kh·kw, fanOut = cOut·kh·kw.
 */
export class Conv2D extends Layer {
  readonly kind = 'conv2d';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly useBias: boolean;
  readonly activation: ActivationStage;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;
  private kernel!: Tensor;
  private bias: Tensor | null = null;
  private dKernel!: Tensor;
  private dBias: Tensor | null = null;
  private geometry!: ConvGeometry;
  private z!: BatchBuffer;
  private dx!: BatchBuffer;
  private x: FloatArray | null = null;

  constructor(o: Conv2DOptions) {
    super(o.name);
    if (!Number.isInteger(o.filters) || o.filters < 1) {
      throw new Error(`Conv2D: filters must be a positive integer, got ${o.filters}`);
    }
    this.filters = o.filters;
    this.kernelSize = pair('Conv2D', 'kernelSize', o.kernelSize);
    this.strides = pair('Conv2D', 'strides', o.strides ?? 1);
    this.padding = o.padding ?? 'valid';
    if (this.padding !== 'same' && this.padding !== 'valid') {
      throw new Error(`Conv2D: padding must be 'same' or 'valid', got ${JSON.stringify(o.padding)}`);
    }
    this.useBias = o.useBias ?? true;
    this.activation = new ActivationStage(resolveActivation(o.activation, 'Conv2D'));
    this.kernelInit = resolveInitializer(o.kernelInitializer ?? 'glorotUniform', 'Conv2D');
    this.biasInit = resolveInitializer(o.biasInitializer ?? 'zeros', 'Conv2D');
  }

  override get outputActivation(): ActivationStage {
    return this.activation;
  }

  protected setup(inputShape: readonly number[], ctx: BuildContext): readonly number[] {
    expectRank(this, inputShape, [3]);
    const [cIn, h, w] = inputShape;
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.strides;
    const fn = `Conv2D "${this.name}" on input [${inputShape.join(', ')}]`;
    const ah = convAxis(fn, h, kh, sh, this.padding);
    const aw = convAxis(fn, w, kw, sw, this.padding);
    this.geometry = {
      n: 0,
      cIn,
      h,
      w,
      cOut: this.filters,
      kh,
      kw,
      strideH: sh,
      strideW: sw,
      padTop: ah.pad,
      padLeft: aw.pad,
      outH: ah.out,
      outW: aw.out,
    };
    const fans = { fanIn: cIn * kh * kw, fanOut: this.filters * kh * kw };
    this.kernel = this.addWeight('kernel', [this.filters, cIn, kh, kw], true);
    this.kernelInit.fill(this.kernel.data, fans, ctx.initRng);
    this.dKernel = this.params[0].grad;
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.filters], true);
      this.biasInit.fill(this.bias.data, fans, ctx.initRng);
      this.dBias = this.params[1].grad;
    }
    const outSize = this.filters * ah.out * aw.out;
    this.z = new BatchBuffer(ctx.backend, ctx.dtype, outSize);
    this.dx = new BatchBuffer(ctx.backend, ctx.dtype, cIn * h * w);
    this.activation.build(ctx.backend, ctx.dtype, outSize);
    return [this.filters, ah.out, aw.out];
  }

  forward(x: FloatArray, n: number): FloatArray {
    const z = this.z.get(n);
    this.geometry.n = n;
    this.backend.conv2dForward(this.geometry, x, this.kernel.data, this.bias?.data ?? null, z);
    this.x = x;
    return this.activation.forward(z, n, `Conv2D "${this.name}"`);
  }

  backward(dy: FloatArray, n: number, needInputGrad: boolean): FloatArray | null {
    const dz = this.activation.backward(dy, n);
    this.geometry.n = n;
    this.backend.conv2dBackwardFilter(
      this.geometry,
      this.x as FloatArray,
      dz,
      this.dKernel.data,
      this.dBias?.data ?? null,
    );
    if (!needInputGrad) return null;
    const dx = this.dx.get(n);
    this.backend.conv2dBackwardInput(this.geometry, dz, this.kernel.data, dx);
    return dx;
  }

  protected disposeBuffers(): void {
    this.z?.dispose();
    this.dx?.dispose();
    this.activation.dispose();
  }
}
