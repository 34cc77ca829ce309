import type { FloatArray } from '../../kernels/backend.js';
import { ActivationStage, resolveActivation, type ActivationSpec } from '../activations.js';
import { BatchBuffer } from '../buffers.js';
import { resolveInitializer, type Initializer, type InitializerSpec } from '../initializers.js';
import { Layer, expectRank, type BuildContext } from '../layer.js';
import type { Tensor } from '../../tensor/tensor.js';

export interface DenseOptions {
  units: number;
  activation?: ActivationSpec;
  useBias?: boolean;
  /** Default 'glorotUniform' (as Keras). */
  kernelInitializer?: InitializerSpec;
  /** Default 'zeros'. */
  biasInitializer?: InitializerSpec;
  name?: string;
}

/**
 * Fully connected layer: y = f(x·W + b) with kernel W [inputs, units] (Keras' layout) and bias b [units];
 * input [n, inputs]. Backward: dW = xᵀ·dz, db = Σ_rows dz, dx = dz·Wᵀ with dz = dy ⊙ f′.
 */
export class Dense extends Layer {
  readonly kind = 'dense';
  readonly units: number;
  readonly useBias: boolean;
  readonly activation: ActivationStage;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;
  private inputs = 0;
  private kernel!: Tensor;
  private bias: Tensor | null = null;
  private dKernel!: Tensor;
  private dBias: Tensor | null = null;
  private z!: BatchBuffer;
  private dx!: BatchBuffer;
  private x: FloatArray | null = null;

  constructor(o: DenseOptions) {
    super(o.name);
    if (!Number.isInteger(o.units) || o.units < 1) {
      throw new Error(`Dense: units must be a positive integer, got ${o.units}`);
    }
    this.units = o.units;
    this.useBias = o.useBias ?? true;
    this.activation = new ActivationStage(resolveActivation(o.activation, 'Dense'));
    this.kernelInit = resolveInitializer(o.kernelInitializer ?? 'glorotUniform', 'Dense');
    this.biasInit = resolveInitializer(o.biasInitializer ?? 'zeros', 'Dense');
  }

  override get outputActivation(): ActivationStage {
    return this.activation;
  }

  protected setup(inputShape: readonly number[], ctx: BuildContext): readonly number[] {
    expectRank(this, inputShape, [1]);
    this.inputs = inputShape[0];
    const fans = { fanIn: this.inputs, fanOut: this.units };
    this.kernel = this.addWeight('kernel', [this.inputs, this.units], true);
    this.kernelInit.fill(this.kernel.data, fans, ctx.initRng);
    this.dKernel = this.params[0].grad;
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.units], true);
      this.biasInit.fill(this.bias.data, fans, ctx.initRng);
      this.dBias = this.params[1].grad;
    }
    this.z = new BatchBuffer(ctx.backend, ctx.dtype, this.units);
    this.dx = new BatchBuffer(ctx.backend, ctx.dtype, this.inputs);
    this.activation.build(ctx.backend, ctx.dtype, this.units);
    return [this.units];
  }

  forward(x: FloatArray, n: number): FloatArray {
    const z = this.z.get(n);
    this.backend.gemm(false, false, n, this.units, this.inputs, 1, x, this.kernel.data, 0, z);
    if (this.bias !== null) this.backend.addRowVector(n, this.units, z, this.bias.data);
    this.x = x;
    return this.activation.forward(z, n, `Dense "${this.name}"`);
  }

  backward(dy: FloatArray, n: number, needInputGrad: boolean): FloatArray | null {
    const x = this.x as FloatArray;
    const dz = this.activation.backward(dy, n);
    this.backend.gemm(true, false, this.inputs, this.units, n, 1, x, dz, 0, this.dKernel.data);
    if (this.dBias !== null) this.backend.sumRows(n, this.units, dz, this.dBias.data);
    if (!needInputGrad) return null;
    const dx = this.dx.get(n);
    this.backend.gemm(false, true, n, this.inputs, this.units, 1, dz, this.kernel.data, 0, dx);
    return dx;
  }

  protected disposeBuffers(): void {
    this.z?.dispose();
    this.dx?.dispose();
    this.activation.dispose();
  }
}
