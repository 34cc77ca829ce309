/**
 * Turns decoded IDX sets into the Tensors that models train on: NCHW float images and one-hot targets.
 */
import type { Backend, DType } from '../kernels/backend.js';
import { Tensor } from '../tensor/tensor.js';

export interface ImageTensorOptions {
  /** 'unit': u = x/255 ∈ [0, 1]; 'standardize': (x/255 − mean)/std. */
  normalize: 'unit' | 'standardize';
  /** Unit-scale mean and std for 'standardize' (use the training set's, from pixelStats, for every split). */
  mean?: number;
  std?: number;
  rows?: number;
  cols?: number;
  dtype?: DType;
  backend?: Backend;
}

/**
 * The first `count` images of `images` (uint8, row-major rows×cols each, 28×28 by default) as an
 * N×1×rows×cols tensor: unit scaling u = x/255, or standardisation z = (x/255 − mean)/std.
 */
export function toImageTensor(images: Uint8Array, count: number, opts: ImageTensorOptions): Tensor {
  const rows = opts.rows ?? 28;
  const cols = opts.cols ?? 28;
  const px = rows * cols;
  if (!Number.isInteger(count) || count < 0 || count * px > images.length) {
    throw new Error(`toImageTensor: ${count} images of ${rows}×${cols} do not fit in ${images.length} bytes`);
  }
  let scale = 1 / 255;
  let shift = 0;
  if (opts.normalize === 'standardize') {
    const { mean, std } = opts;
    if (mean === undefined || std === undefined || !Number.isFinite(mean) || !(std > 0)) {
      throw new Error(`toImageTensor: 'standardize' needs a finite mean and std > 0, got mean ${mean}, std ${std}`);
    }
    scale = 1 / (255 * std);
    shift = -mean / std;
  } else if (opts.normalize !== 'unit') {
    throw new Error(`toImageTensor: normalize must be 'unit' or 'standardize', got ${String(opts.normalize)}`);
  }
  const t = Tensor.zeros([count, 1, rows, cols], { dtype: opts.dtype, backend: opts.backend });
  // A 256-entry table: every pixel value maps to the same float, computed once.
  const lut = new Float64Array(256);
  for (let v = 0; v < 256; v++) lut[v] = v * scale + shift;
  const out = t.data;
  const n = count * px;
  for (let i = 0; i < n; i++) out[i] = lut[images[i]];
  return t;
}

/** Bytes of `count` float32 images of side × side (toImageTensor) and their one-hot targets (oneHot). */
export function labelledImageBytes(count: number, side = 28, classes = 10): number {
  return 4 * count * (side * side + classes);
}

/** One-hot targets: y[i, labels[i]] = 1, zeros elsewhere, an N×classes tensor. */
export function oneHot(
  labels: ArrayLike<number>,
  classes: number,
  opts: { dtype?: DType; backend?: Backend } = {},
): Tensor {
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`oneHot: classes must be a positive integer, got ${classes}`);
  const t = Tensor.zeros([labels.length, classes], opts);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      t.dispose();
      throw new Error(`oneHot: label ${c} at index ${i} is outside 0..${classes - 1}`);
    }
    t.data[i * classes + c] = 1;
  }
  return t;
}
