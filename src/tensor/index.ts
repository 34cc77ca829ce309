export { Tensor, defaultBackend, shapeSize, type TensorOptions } from './tensor.js';
