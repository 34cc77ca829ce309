/**
 * The wasm backend: the Backend contract (backend.ts) over this thread's AssemblyScript SIMD kernels
 * (loader.ts). Each call checks shapes (check.ts), turns arrays into byte offsets of the wasm memory and calls
 * one export. float32 runs in wasm for every call; float64 runs GEMM in wasm and falls through to the reference
 * for the rest.
 */
import type {
  ActivationKind,
  Backend,
  BatchNormGeometry,
  ConvGeometry,
  DType,
  FloatArray,
  PoolGeometry,
} from './backend.js';
import { bnSizes, convSizes, needLength, poolSizes, sameLength } from './check.js';
import { Scratch } from './heap.js';
import { loadKernels, type KernelVariant, type Kernels, type LoadedKernels } from './loader.js';
import { referenceBackend as ref } from './reference.js';

export type { KernelVariant } from './loader.js';

/** The kinds' codes in src/kernels/as/activation.ts. */
const ACTIVATION_CODE: Record<ActivationKind, number> = {
  linear: 0,
  sigmoid: 1,
  scaledSigmoid: 2,
  tanh: 3,
  relu: 4,
  leakyRelu: 5,
};

/** This thread's kernels with their heap and the scratch blocks of the calls below. */
interface Thread extends LoadedKernels {
  readonly work: Scratch;
  readonly indices: Scratch;
}

let thread: Thread | null = null;
/** The kernels of the calling thread, loaded on first use. */
function current(): Thread {
  if (thread === null) {
    const loaded = loadKernels();
    thread = {
      ...loaded,
      work: new Scratch(loaded.heap, 'kernel'),
      indices: new Scratch(loaded.heap, 'argmax'),
    };
  }
  return thread;
}

function ptr(fn: string, name: string, a: FloatArray): number {
  if (a.buffer !== current().heap.memory.buffer) {
    throw new Error(
      `wasm.${fn}: ${name} is not in the wasm memory; allocate it with the wasm backend's alloc()`,
    );
  }
  return a.byteOffset;
}
function ptr32(fn: string, name: string, a: FloatArray): number {
  if (!(a instanceof Float32Array))
    throw new Error(`wasm.${fn}: ${name} must be a Float32Array like the other operands`);
  return ptr(fn, name, a);
}

function isF32(a: FloatArray): boolean {
  return a instanceof Float32Array;
}

function setConv(g: ConvGeometry): Kernels {
  const k = current().kernels;
  k.setConvGeometry(
    g.n,
    g.cIn,
    g.h,
    g.w,
    g.cOut,
    g.kh,
    g.kw,
    g.strideH,
    g.strideW,
    g.padTop,
    g.padLeft,
    g.outH,
    g.outW,
  );
  return k;
}

/** The pooling kernels' leading arguments: planes (n·c), h, w, kh, kw, strides, outH, outW. */
function poolDims(g: PoolGeometry): [number, number, number, number, number, number, number, number, number] {
  return [g.n * g.c, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.outH, g.outW];
}

/** Runs `fn` with an Int32Array in wasm memory standing for `am` (copied in/out when `am` lives elsewhere). */
function withIndices(
  am: Int32Array,
  len: number,
  copyIn: boolean,
  copyOut: boolean,
  fn: (p: number) => void,
): void {
  const { heap, indices } = current();
  if (am.buffer === heap.memory.buffer) {
    fn(am.byteOffset);
    return;
  }
  const p = indices.get(len * 4);
  const view = new Int32Array(heap.memory.buffer, p, len);
  if (copyIn) view.set(am.subarray(0, len));
  fn(p);
  if (copyOut) am.set(view);
}

/** The AssemblyScript SIMD backend of this thread (instantiated on first use). */
export const wasmBackend: Backend = {
  name: 'wasm',

  alloc(dtype: DType, length: number): FloatArray {
    if (!(Number.isInteger(length) && length >= 0)) {
      throw new Error(`wasm.alloc: length must be a non-negative integer, got ${length}`);
    }
    if (dtype !== 'float32' && dtype !== 'float64')
      throw new Error(`wasm.alloc: unknown dtype ${String(dtype)}`);
    const es = dtype === 'float32' ? 4 : 8;
    const { heap } = current();
    const off = heap.allocBytes(Math.max(1, length) * es, `${length} × ${dtype}`);
    return dtype === 'float32'
      ? new Float32Array(heap.memory.buffer, off, length)
      : new Float64Array(heap.memory.buffer, off, length);
  },

  free(array: FloatArray): void {
    current().heap.freeBytes(ptr('free', 'the array', array));
  },

  gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
    needLength('gemm', 'A', a, m * k);
    needLength('gemm', 'B', b, k * n);
    needLength('gemm', 'C', c, m * n);
    const f32 = isF32(c);
    if (!f32 && !(a instanceof Float64Array && b instanceof Float64Array))
      throw new Error('wasm.gemm: A, B and C must share a dtype');
    const { kernels, work } = current();
    const es = f32 ? 4 : 8;
    // Scratch for the transposes: Aᵀ (m·k) and Bᵀ (k·n) elements, plus Bᵀ's alignment.
    const s = transA || transB ? work.get((m * k + k * n) * es + (f32 ? 128 : 64)) : 0;
    const p = f32 ? ptr32 : ptr;
    (f32 ? kernels.gemm_f32 : kernels.gemm_f64)(
      +transA,
      +transB,
      m,
      n,
      k,
      alpha,
      p('gemm', 'A', a),
      p('gemm', 'B', b),
      beta,
      p('gemm', 'C', c),
      s,
    );
  },

  conv2dForward(g: ConvGeometry, x, w, b, y) {
    if (!isF32(y)) return ref.conv2dForward(g, x, w, b, y);
    convSizes('conv2dForward', g, x, w, y);
    if (b) needLength('conv2dForward', 'b', b, g.cOut);
    const k = setConv(g);
    const col = current().work.get(k.convScratchFloats() * 4);
    const f = 'conv2dForward';
    k.conv2d_fwd_f32(ptr32(f, 'x', x), ptr32(f, 'w', w), b ? ptr32(f, 'b', b) : 0, ptr32(f, 'y', y), col);
  },

  conv2dBackwardInput(g, dy, w, dx) {
    if (!isF32(dx)) return ref.conv2dBackwardInput(g, dy, w, dx);
    convSizes('conv2dBackwardInput', g, dx, w, dy);
    const k = setConv(g);
    const s = current().work.get(k.convScratchFloats() * 4);
    const f = 'conv2dBackwardInput';
    k.conv2d_bwd_input_f32(ptr32(f, 'dy', dy), ptr32(f, 'w', w), ptr32(f, 'dx', dx), s);
  },

  conv2dBackwardFilter(g, x, dy, dw, db) {
    if (!isF32(dw)) return ref.conv2dBackwardFilter(g, x, dy, dw, db);
    convSizes('conv2dBackwardFilter', g, x, dw, dy);
    if (db) needLength('conv2dBackwardFilter', 'db', db, g.cOut);
    const k = setConv(g);
    const col = current().work.get(k.convScratchFloats() * 4);
    const f = 'conv2dBackwardFilter';
    k.conv2d_bwd_filter_f32(
      ptr32(f, 'x', x),
      ptr32(f, 'dy', dy),
      ptr32(f, 'dw', dw),
      db ? ptr32(f, 'db', db) : 0,
      col,
    );
  },

  maxPool2dForward(g: PoolGeometry, x, y, argmax) {
    if (!isF32(y)) return ref.maxPool2dForward(g, x, y, argmax);
    poolSizes('maxPool2dForward', g, x, y);
    const total = g.n * g.c * g.outH * g.outW;
    needLength('maxPool2dForward', 'argmax', argmax, total);
    const k = current().kernels;
    const f = 'maxPool2dForward';
    const px = ptr32(f, 'x', x);
    const py = ptr32(f, 'y', y);
    withIndices(argmax, total, false, true, (pa) => k.maxpool_fwd_f32(...poolDims(g), px, py, pa));
  },

  maxPool2dBackward(g, dy, argmax, dx) {
    if (!isF32(dx)) return ref.maxPool2dBackward(g, dy, argmax, dx);
    poolSizes('maxPool2dBackward', g, dx, dy);
    const total = g.n * g.c * g.outH * g.outW;
    needLength('maxPool2dBackward', 'argmax', argmax, total);
    const k = current().kernels;
    const f = 'maxPool2dBackward';
    const pdy = ptr32(f, 'dy', dy);
    const pdx = ptr32(f, 'dx', dx);
    withIndices(argmax, total, true, false, (pa) =>
      k.maxpool_bwd_f32(total, g.n * g.c * g.h * g.w, pdy, pa, pdx),
    );
  },

  avgPool2dForward(g, x, y) {
    if (!isF32(y)) return ref.avgPool2dForward(g, x, y);
    poolSizes('avgPool2dForward', g, x, y);
    const f = 'avgPool2dForward';
    current().kernels.avgpool_fwd_f32(...poolDims(g), ptr32(f, 'x', x), ptr32(f, 'y', y));
  },

  avgPool2dBackward(g, dy, dx) {
    if (!isF32(dx)) return ref.avgPool2dBackward(g, dy, dx);
    poolSizes('avgPool2dBackward', g, dx, dy);
    const f = 'avgPool2dBackward';
    current().kernels.avgpool_bwd_f32(...poolDims(g), ptr32(f, 'dy', dy), ptr32(f, 'dx', dx));
  },

  activation(kind, slope, x, y) {
    if (!isF32(y)) return ref.activation(kind, slope, x, y);
    sameLength('activation', x, y, 'x and y');
    const code = ACTIVATION_CODE[kind];
    if (code === undefined) throw new Error(`activation: unknown kind ${String(kind)}`);
    current().kernels.activation_f32(
      code,
      slope,
      ptr32('activation', 'x', x),
      ptr32('activation', 'y', y),
      x.length,
    );
  },

  activationGrad(kind, slope, x, y, dy, dx) {
    if (!isF32(dx)) return ref.activationGrad(kind, slope, x, y, dy, dx);
    const f = 'activationGrad';
    sameLength(f, x, dy, 'x and dy');
    sameLength(f, y, dy, 'y and dy');
    sameLength(f, dx, dy, 'dx and dy');
    const code = ACTIVATION_CODE[kind];
    if (code === undefined) throw new Error(`activationGrad: unknown kind ${String(kind)}`);
    current().kernels.activation_grad_f32(
      code,
      slope,
      ptr32(f, 'x', x),
      ptr32(f, 'y', y),
      ptr32(f, 'dy', dy),
      ptr32(f, 'dx', dx),
      dy.length,
    );
  },

  softmaxCrossEntropy(rows, cols, z, t, p, dz) {
    if (!isF32(z)) return ref.softmaxCrossEntropy(rows, cols, z, t, p, dz);
    const f = 'softmaxCrossEntropy';
    for (const [name, arr] of [
      ['z', z],
      ['t', t],
      ['p', p],
      ['dz', dz],
    ] as const)
      needLength(f, name, arr, rows * cols);
    return current().kernels.softmax_ce_f32(
      rows,
      cols,
      ptr32(f, 'z', z),
      ptr32(f, 't', t),
      ptr32(f, 'p', p),
      ptr32(f, 'dz', dz),
    );
  },

  batchNormTrainForward(
    g: BatchNormGeometry,
    x,
    gamma,
    beta,
    movingMean,
    movingVar,
    momentum,
    eps,
    y,
    saveMean,
    saveInvStd,
  ) {
    if (!isF32(y)) {
      return ref.batchNormTrainForward(
        g,
        x,
        gamma,
        beta,
        movingMean,
        movingVar,
        momentum,
        eps,
        y,
        saveMean,
        saveInvStd,
      );
    }
    const f = 'batchNormTrainForward';
    bnSizes(f, g, x, y, [gamma, beta, movingMean, movingVar, saveMean, saveInvStd]);
    current().kernels.bn_train_fwd_f32(
      g.n,
      g.c,
      g.s,
      ptr32(f, 'x', x),
      ptr32(f, 'gamma', gamma),
      ptr32(f, 'beta', beta),
      ptr32(f, 'movingMean', movingMean),
      ptr32(f, 'movingVar', movingVar),
      momentum,
      eps,
      ptr32(f, 'y', y),
      ptr32(f, 'saveMean', saveMean),
      ptr32(f, 'saveInvStd', saveInvStd),
    );
  },

  batchNormInferForward(g, x, gamma, beta, movingMean, movingVar, eps, y) {
    if (!isF32(y)) return ref.batchNormInferForward(g, x, gamma, beta, movingMean, movingVar, eps, y);
    const f = 'batchNormInferForward';
    bnSizes(f, g, x, y, [gamma, beta, movingMean, movingVar]);
    current().kernels.bn_infer_fwd_f32(
      g.n,
      g.c,
      g.s,
      ptr32(f, 'x', x),
      ptr32(f, 'gamma', gamma),
      ptr32(f, 'beta', beta),
      ptr32(f, 'movingMean', movingMean),
      ptr32(f, 'movingVar', movingVar),
      eps,
      ptr32(f, 'y', y),
    );
  },

  batchNormBackward(g, x, gamma, saveMean, saveInvStd, dy, dx, dgamma, dbeta) {
    if (!isF32(dx)) return ref.batchNormBackward(g, x, gamma, saveMean, saveInvStd, dy, dx, dgamma, dbeta);
    const f = 'batchNormBackward';
    bnSizes(f, g, x, dx, [gamma, saveMean, saveInvStd, dgamma, dbeta]);
    needLength(f, 'dy', dy, g.n * g.c * g.s);
    current().kernels.bn_bwd_f32(
      g.n,
      g.c,
      g.s,
      ptr32(f, 'x', x),
      ptr32(f, 'gamma', gamma),
      ptr32(f, 'saveMean', saveMean),
      ptr32(f, 'saveInvStd', saveInvStd),
      ptr32(f, 'dy', dy),
      ptr32(f, 'dx', dx),
      ptr32(f, 'dgamma', dgamma),
      ptr32(f, 'dbeta', dbeta),
    );
  },

  addRowVector(rows, cols, x, bias) {
    if (!isF32(x)) return ref.addRowVector(rows, cols, x, bias);
    needLength('addRowVector', 'x', x, rows * cols);
    needLength('addRowVector', 'bias', bias, cols);
    current().kernels.add_row_vector_f32(
      rows,
      cols,
      ptr32('addRowVector', 'x', x),
      ptr32('addRowVector', 'bias', bias),
    );
  },

  sumRows(rows, cols, x, out) {
    if (!isF32(x)) return ref.sumRows(rows, cols, x, out);
    needLength('sumRows', 'x', x, rows * cols);
    needLength('sumRows', 'out', out, cols);
    current().kernels.sum_rows_f32(rows, cols, ptr32('sumRows', 'x', x), ptr32('sumRows', 'out', out));
  },

  mul(a, b, out) {
    if (!isF32(out)) return ref.mul(a, b, out);
    sameLength('mul', a, b, 'a and b');
    sameLength('mul', a, out, 'a and out');
    current().kernels.mul_f32(ptr32('mul', 'a', a), ptr32('mul', 'b', b), ptr32('mul', 'out', out), a.length);
  },

  axpy(alpha, x, y) {
    if (!isF32(y)) return ref.axpy(alpha, x, y);
    sameLength('axpy', x, y, 'x and y');
    current().kernels.axpy_f32(alpha, ptr32('axpy', 'x', x), ptr32('axpy', 'y', y), x.length);
  },

  sum(x) {
    if (!isF32(x)) return ref.sum(x);
    return current().kernels.sum_all_f32(ptr32('sum', 'x', x), x.length);
  },

  sumSquares(x) {
    if (!isF32(x)) return ref.sumSquares(x);
    return current().kernels.sum_squares_f32(ptr32('sumSquares', 'x', x), x.length);
  },

  allFinite(x) {
    if (!isF32(x)) return ref.allFinite(x);
    return current().kernels.all_finite_f32(ptr32('allFinite', 'x', x), x.length) === 1;
  },

  sgdStep(w, g, v, lr, momentum, nesterov, weightDecay) {
    if (!isF32(w)) return ref.sgdStep(w, g, v, lr, momentum, nesterov, weightDecay);
    sameLength('sgdStep', w, g, 'w and g');
    if (momentum !== 0) sameLength('sgdStep', w, v, 'w and v');
    const pv = momentum !== 0 ? ptr32('sgdStep', 'v', v) : 0;
    current().kernels.sgd_f32(
      ptr32('sgdStep', 'w', w),
      ptr32('sgdStep', 'g', g),
      pv,
      w.length,
      lr,
      momentum,
      +nesterov,
      weightDecay,
    );
  },

  adamStep(w, g, m, v, lr, beta1, beta2, eps, t) {
    if (!isF32(w)) return ref.adamStep(w, g, m, v, lr, beta1, beta2, eps, t);
    const f = 'adamStep';
    sameLength(f, w, g, 'w and g');
    sameLength(f, w, m, 'w and m');
    sameLength(f, w, v, 'w and v');
    if (!(Number.isInteger(t) && t >= 1))
      throw new Error(`adamStep: step t must be an integer ≥ 1, got ${t}`);
    current().kernels.adam_f32(
      ptr32(f, 'w', w),
      ptr32(f, 'g', g),
      ptr32(f, 'm', m),
      ptr32(f, 'v', v),
      w.length,
      lr,
      beta1,
      beta2,
      eps,
      1 - Math.pow(beta1, t),
      1 - Math.pow(beta2, t),
    );
  },
};

/**
 * Forces this thread's convolution algorithm: 'auto' (by shape: direct over padded wide rows for stride 1
 * when few extra columns are computed, else im2col + GEMM), 'im2col', 'direct' (wide rows, stride 1) or
 * 'channels' (vectors over output channels: stride 1, cOut a multiple of 4; else as 'direct'). For tests
 * and measurements; results agree to rounding.
 */
export function wasmConvAlgorithm(mode: 'auto' | 'im2col' | 'direct' | 'channels'): void {
  current().kernels.setConvAlgorithm({ auto: 0, im2col: 1, direct: 2, channels: 3 }[mode]);
}

/** The kernel build this thread runs. */
export function wasmKernelVariant(): KernelVariant {
  return current().variant;
}

/** Bytes of wasm memory currently handed out by this thread's allocator (for leak checks and benchmarks). */
export function wasmBytesInUse(): number {
  return current().heap.bytesInUse;
}

/** The most bytes of wasm memory this thread's allocator handed out at once since wasmResetPeak(). */
export function wasmPeakBytes(): number {
  return current().heap.peakBytes;
}

/**
 * Starts a new peak measurement of this thread's wasm memory (wasmPeakBytes) from the bytes in use now, after
 * freeing the kernels' scratch blocks, so that the scratch a measured computation needs counts in its peak
 * whatever ran on the thread before.
 */
export function wasmResetPeak(): void {
  const t = current();
  t.work.release();
  t.indices.release();
  t.heap.resetPeak();
}
