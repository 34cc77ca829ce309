import type { FloatArray } from '../../kernels/backend.js';
import { ActivationStage, resolveActivation, type ActivationSpec } from '../activations.js';
import { Layer, type BuildContext } from '../layer.js';
import { shapeSize } from '../../tensor/tensor.js';

/** y = f(x) elementwise (see activations.ts for the functions); the shape is unchanged. */
export class Activation extends Layer {
  readonly kind = 'activation';
  readonly activation: ActivationStage;

  constructor(spec: ActivationSpec, options: { name?: string } = {}) {
    super(options.name);
    this.activation = new ActivationStage(resolveActivation(spec, 'Activation'));
  }

  override get outputActivation(): ActivationStage {
    return this.activation;
  }

  protected setup(inputShape: readonly number[], ctx: BuildContext): readonly number[] {
    this.activation.build(ctx.backend, ctx.dtype, shapeSize(inputShape, 'Activation'));
    return inputShape;
  }

  forward(x: FloatArray, n: number): FloatArray {
    return this.activation.forward(x, n, `Activation "${this.name}"`);
  }

  backward(dy: FloatArray, n: number, needInputGrad: boolean): FloatArray | null {
    return needInputGrad ? this.activation.backward(dy, n) : null;
  }

  protected disposeBuffers(): void {
    this.activation.dispose();
  }
}
