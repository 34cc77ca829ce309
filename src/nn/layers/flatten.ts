import type { FloatArray } from '../../kernels/backend.js';
import { Layer } from '../layer.js';
import { shapeSize } from '../../tensor/tensor.js';

/** [n, c, h, w] → [n, c·h·w] in NCHW order; a free reshape (the same buffer goes through both ways). */
export class Flatten extends Layer {
  readonly kind = 'flatten';

  constructor(options: { name?: string } = {}) {
    super(options.name);
  }

  protected setup(inputShape: readonly number[]): readonly number[] {
    return [shapeSize(inputShape, 'Flatten')];
  }

  forward(x: FloatArray): FloatArray {
    return x;
  }

  backward(dy: FloatArray, _n: number, needInputGrad: boolean): FloatArray | null {
    return needInputGrad ? dy : null;
  }

  protected disposeBuffers(): void {}
}
