/**
 * Argument checks shared by every backend. The wasm kernels write through raw pointers, so a too-short
 * array would silently overwrite a neighbour in the module's memory; these checks turn that into an error
 * naming the kernel and the shapes.
 */
import type { BatchNormGeometry, ConvGeometry, FloatArray, PoolGeometry } from './backend.js';

interface Sized {
  readonly length: number;
}

/** Throws unless `arr.length >= need`. */
export function needLength(fn: string, what: string, arr: Sized, need: number): void {
  if (arr.length < need) throw new Error(`${fn}: ${what} has length ${arr.length}, needs at least ${need}`);
}

/** Throws unless two elementwise operands have the same length. */
export function sameLength(fn: string, a: Sized, b: Sized, what = 'operands'): void {
  if (a.length !== b.length) throw new Error(`${fn}: ${what} differ in length (${a.length} vs ${b.length})`);
}

function positiveInts(fn: string, obj: object): void {
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'number' && !(Number.isInteger(v) && v >= 0)) {
      throw new Error(`${fn}: geometry field ${k} must be a non-negative integer, got ${v}`);
    }
  }
}

/** Checks a conv geometry for consistency: outH = ⌊(h + padding − kh)/sh⌋ + 1 must hold for some padding ≥ 0. */
export function checkConv(fn: string, g: ConvGeometry): void {
  positiveInts(fn, g);
  if (g.strideH < 1 || g.strideW < 1 || g.kh < 1 || g.kw < 1) {
    throw new Error(`${fn}: kernel ${g.kh}×${g.kw} and strides ${g.strideH}×${g.strideW} must be ≥ 1`);
  }
  // The last output window must start inside the padded input: (outH−1)·sh − pt ≤ h − 1 + (kh − 1) ... and
  // windows must overlap x at least partially; anything else means the caller resolved padding wrongly.
  if ((g.outH - 1) * g.strideH - g.padTop > g.h - 1 || (g.outW - 1) * g.strideW - g.padLeft > g.w - 1) {
    throw new Error(
      `${fn}: output ${g.outH}×${g.outW} does not fit input ${g.h}×${g.w} with kernel ${g.kh}×${g.kw}, ` +
        `stride ${g.strideH}×${g.strideW}, padding ${g.padTop},${g.padLeft}`,
    );
  }
}

/** Checks a pooling geometry: every window lies inside the input (no padding). */
export function checkPool(fn: string, g: PoolGeometry): void {
  positiveInts(fn, g);
  if (g.strideH < 1 || g.strideW < 1 || g.kh < 1 || g.kw < 1) {
    throw new Error(`${fn}: window ${g.kh}×${g.kw} and strides ${g.strideH}×${g.strideW} must be ≥ 1`);
  }
  if (
    g.outH > 0 &&
    g.outW > 0 &&
    ((g.outH - 1) * g.strideH + g.kh > g.h || (g.outW - 1) * g.strideW + g.kw > g.w)
  ) {
    throw new Error(
      `${fn}: output ${g.outH}×${g.outW} with window ${g.kh}×${g.kw} stride ${g.strideH}×${g.strideW} ` +
        `exceeds input ${g.h}×${g.w}`,
    );
  }
}

/** Checks a batch-norm geometry. */
export function checkBatchNorm(fn: string, g: BatchNormGeometry): void {
  positiveInts(fn, g);
}

/** Conv geometry plus lengths of x (or dx), w (or dw) and y (or dy). */
export function convSizes(fn: string, g: ConvGeometry, x: FloatArray, w: FloatArray, y: FloatArray): void {
  checkConv(fn, g);
  needLength(fn, 'x', x, g.n * g.cIn * g.h * g.w);
  needLength(fn, 'w', w, g.cOut * g.cIn * g.kh * g.kw);
  needLength(fn, 'y/dy', y, g.n * g.cOut * g.outH * g.outW);
}

/** Pool geometry plus lengths of x (or dx) and y (or dy). */
export function poolSizes(fn: string, g: PoolGeometry, x: FloatArray, y: FloatArray): void {
  checkPool(fn, g);
  needLength(fn, 'x/dx', x, g.n * g.c * g.h * g.w);
  needLength(fn, 'y/dy', y, g.n * g.c * g.outH * g.outW);
}

/** Batch-norm geometry plus lengths of x, y (or dx) and the per-channel arrays. */
export function bnSizes(
  fn: string,
  g: BatchNormGeometry,
  x: FloatArray,
  y: FloatArray,
  perChannel: FloatArray[],
): void {
  checkBatchNorm(fn, g);
  needLength(fn, 'x', x, g.n * g.c * g.s);
  needLength(fn, 'y/dx', y, g.n * g.c * g.s);
  for (const a of perChannel) needLength(fn, 'a per-channel array', a, g.c);
}
