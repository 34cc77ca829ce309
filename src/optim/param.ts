/** A trainable weight with its gradient buffer, as optimisers see it (layers own them, optimisers update them). */
import type { Tensor } from '../tensor/tensor.js';

export interface Param {
  value: Tensor;
  grad: Tensor;
}
