/**
 * The wasm backend: AssemblyScript SIMD kernels (dist/kernels/kernels.wasm) over one fixed-size
 * WebAssembly.Memory per thread, with a JS-side allocator. float32 runs in wasm for every call; float64 runs
 * GEMM in wasm and falls through to the reference for the rest.
 *
 * The memory is reserved once (NNLAB_HEAP_MB, default 2048 MB of address space; pages are only committed
 * when touched) and never grown, so typed-array views into it never detach.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
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
import { referenceBackend as ref } from './reference.js';

interface Kernels {
  heapBase(): number;
  gemm_f32(
    ta: number,
    tb: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    b: number,
    beta: number,
    c: number,
    scratch: number,
  ): void;
  gemm_f64(
    ta: number,
    tb: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    b: number,
    beta: number,
    c: number,
    scratch: number,
  ): void;
  setConvGeometry(...g: number[]): void;
  setConvAlgorithm(mode: number): void;
  convScratchFloats(): number;
  conv2d_fwd_f32(x: number, w: number, b: number, y: number, col: number): void;
  conv2d_bwd_input_f32(dy: number, w: number, dx: number, scratch: number): void;
  conv2d_bwd_filter_f32(x: number, dy: number, dw: number, db: number, col: number): void;
  maxpool_fwd_f32(
    planes: number,
    h: number,
    w: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    oh: number,
    ow: number,
    x: number,
    y: number,
    am: number,
  ): void;
  maxpool_bwd_f32(total: number, xLen: number, dy: number, am: number, dx: number): void;
  avgpool_fwd_f32(
    planes: number,
    h: number,
    w: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    oh: number,
    ow: number,
    x: number,
    y: number,
  ): void;
  avgpool_bwd_f32(
    planes: number,
    h: number,
    w: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    oh: number,
    ow: number,
    dy: number,
    dx: number,
  ): void;
  activation_f32(kind: number, slope: number, x: number, y: number, len: number): void;
  activation_grad_f32(
    kind: number,
    slope: number,
    x: number,
    y: number,
    dy: number,
    dx: number,
    len: number,
  ): void;
  softmax_ce_f32(rows: number, cols: number, z: number, t: number, p: number, dz: number): number;
  bn_train_fwd_f32(
    n: number,
    c: number,
    s: number,
    x: number,
    gamma: number,
    beta: number,
    mMean: number,
    mVar: number,
    momentum: number,
    eps: number,
    y: number,
    sMean: number,
    sInv: number,
  ): void;
  bn_infer_fwd_f32(
    n: number,
    c: number,
    s: number,
    x: number,
    gamma: number,
    beta: number,
    mMean: number,
    mVar: number,
    eps: number,
    y: number,
  ): void;
  bn_bwd_f32(
    n: number,
    c: number,
    s: number,
    x: number,
    gamma: number,
    sMean: number,
    sInv: number,
    dy: number,
    dx: number,
    dgamma: number,
    dbeta: number,
  ): void;
  add_row_vector_f32(rows: number, cols: number, x: number, bias: number): void;
  sum_rows_f32(rows: number, cols: number, x: number, out: number): void;
  mul_f32(a: number, b: number, out: number, len: number): void;
  axpy_f32(alpha: number, x: number, y: number, len: number): void;
  sum_all_f32(x: number, len: number): number;
  sum_squares_f32(x: number, len: number): number;
  all_finite_f32(x: number, len: number): number;
  sgd_f32(
    w: number,
    g: number,
    v: number,
    len: number,
    lr: number,
    mu: number,
    nesterov: number,
    wd: number,
  ): void;
  adam_f32(
    w: number,
    g: number,
    m: number,
    v: number,
    len: number,
    lr: number,
    b1: number,
    b2: number,
    eps: number,
    c1: number,
    c2: number,
  ): void;
}

// lib ES2022 has no WebAssembly types and @types/node 20 declares none; these are the few pieces used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  validate(bytes: Uint8Array): boolean;
  Instance: new (module: object, imports: object) => { exports: object };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 65536;
const ALIGN = 64;
const ACTIVATION_CODE: Record<ActivationKind, number> = {
  linear: 0,
  sigmoid: 1,
  scaledSigmoid: 2,
  tanh: 3,
  relu: 4,
  leakyRelu: 5,
};

/**
 * Heap size in MB from NNLAB_HEAP_MB (default 2048, at most 4095: wasm32 addresses 4 GiB); throws for a bad
 * value (the CLI calls it before anything trains).
 */
export function heapMegabytes(): number {
  const raw = process.env.NNLAB_HEAP_MB;
  if (raw === undefined || raw === '') return 2048;
  const mb = Number(raw);
  if (!Number.isInteger(mb) || mb < 16 || mb > 4095) {
    throw new Error(`wasm backend: NNLAB_HEAP_MB must be an integer in [16, 4095], got "${raw}"`);
  }
  return mb;
}

/**
 * Size classes: requests are rounded up to 64 bytes, then to a quarter of their power of two, so a freed
 * block is reused by any later request of the same class (layers allocate the same shapes every step).
 */
function roundSize(bytes: number): number {
  if (bytes <= ALIGN) return ALIGN;
  const p = 2 ** Math.floor(Math.log2(bytes - 1));
  const step = Math.max(ALIGN, p / 4);
  return Math.ceil(bytes / step) * step;
}

/** Which build of the kernels runs: with fused multiply-add (relaxed SIMD) or plain SIMD. */
export type KernelVariant = 'simd+fma' | 'simd';

function readKernel(name: string): Uint8Array {
  const url = new URL(name, import.meta.url);
  try {
    return readFileSync(url);
  } catch (e) {
    throw new Error(`wasm backend: cannot read ${url.pathname} (run npm run build): ${(e as Error).message}`);
  }
}

/**
 * The FMA build where the engine accepts relaxed SIMD (Node 20 needs its flag, which only widens the set of
 * accepted instructions), else the plain build; NNLAB_FMA=0 forces the plain one.
 */
function loadModule(): { module: object; variant: KernelVariant } {
  if (process.env.NNLAB_FMA !== '0') {
    const fma = readKernel('./kernels-fma.wasm');
    if (!WebAssembly.validate(fma)) setFlagsFromString('--experimental-wasm-relaxed-simd');
    if (WebAssembly.validate(fma)) return { module: new WebAssembly.Module(fma), variant: 'simd+fma' };
  }
  return { module: new WebAssembly.Module(readKernel('./kernels.wasm')), variant: 'simd' };
}

class Heap {
  readonly memory: WasmMemory;
  readonly kernels: Kernels;
  readonly megabytes: number;
  readonly variant: KernelVariant;
  private top: number;
  private readonly end: number;
  private readonly live = new Map<number, number>();
  private readonly freeLists = new Map<number, number[]>();
  private inUse = 0;

  constructor() {
    this.megabytes = heapMegabytes();
    const pages = Math.floor((this.megabytes * 1024 * 1024) / PAGE);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const { module, variant } = loadModule();
    this.variant = variant;
    const instance = new WebAssembly.Instance(module, {
      env: {
        memory: this.memory,
        abort: (_msg: number, _file: number, line: number, col: number) => {
          throw new Error(`wasm kernels: abort at ${line}:${col}`);
        },
      },
    });
    this.kernels = instance.exports as unknown as Kernels;
    this.top = Math.ceil(this.kernels.heapBase() / ALIGN) * ALIGN;
    this.end = pages * PAGE;
  }

  /** A zero-filled block of at least `bytes` bytes; returns its byte offset. */
  allocBytes(bytes: number, what: string): number {
    const size = roundSize(bytes);
    let off = this.freeLists.get(size)?.pop();
    if (off === undefined) {
      if (this.top + size <= this.end) {
        off = this.top;
        this.top += size;
      } else {
        off = this.takeLarger(size);
        if (off === undefined) {
          throw new Error(
            `wasm.alloc: out of kernel memory allocating ${what} (${bytes} bytes): ` +
              `${(this.inUse / 2 ** 20).toFixed(1)} MB of ${this.megabytes} MB in use. ` +
              `Free unused arrays (Tensor.dispose) or raise NNLAB_HEAP_MB.`,
          );
        }
        new Uint8Array(this.memory.buffer, off, size).fill(0);
      }
    } else {
      new Uint8Array(this.memory.buffer, off, size).fill(0);
    }
    this.live.set(off, size);
    this.inUse += size;
    return off;
  }

  /** When the bump region is used up, reuse the smallest free block that is large enough. */
  private takeLarger(size: number): number | undefined {
    let best: number | undefined;
    for (const [s, list] of this.freeLists)
      if (s >= size && list.length > 0 && (best === undefined || s < best)) best = s;
    if (best === undefined) return undefined;
    const off = this.freeLists.get(best)!.pop()!;
    // The block keeps its real class so that free() returns it to the right list.
    this.live.set(off, best);
    this.inUse += best - size;
    return off;
  }

  freeBytes(off: number): void {
    const size = this.live.get(off);
    if (size === undefined) {
      throw new Error(
        `wasm.free: offset ${off} is not a live allocation of the wasm backend (freed twice, or a view?)`,
      );
    }
    this.live.delete(off);
    this.inUse -= size;
    let list = this.freeLists.get(size);
    if (!list) this.freeLists.set(size, (list = []));
    list.push(off);
  }

  /** Bytes currently handed out. */
  get bytesInUse(): number {
    return this.inUse;
  }
}

let heap: Heap | null = null;
function getHeap(): Heap {
  return (heap ??= new Heap());
}

/** Scratch blocks that grow on demand and are reused across calls (im2col columns, transposes, indices). */
class Scratch {
  private off = 0;
  private bytes = 0;
  constructor(private readonly name: string) {}
  get(bytes: number): number {
    if (bytes > this.bytes) {
      const h = getHeap();
      if (this.bytes > 0) h.freeBytes(this.off);
      this.off = h.allocBytes(bytes, `${this.name} scratch`);
      this.bytes = roundSize(bytes);
    }
    return this.off;
  }
}
const work = new Scratch('kernel');
const indexScratch = new Scratch('argmax');

function ptr(fn: string, name: string, a: FloatArray): number {
  if (a.buffer !== getHeap().memory.buffer) {
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
  const k = getHeap().kernels;
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

/** Runs `fn` with an Int32Array in wasm memory standing for `am` (copied in/out when `am` lives elsewhere). */
function withIndices(
  am: Int32Array,
  len: number,
  copyIn: boolean,
  copyOut: boolean,
  fn: (p: number) => void,
): void {
  const h = getHeap();
  if (am.buffer === h.memory.buffer) {
    fn(am.byteOffset);
    return;
  }
  const p = indexScratch.get(len * 4);
  const view = new Int32Array(h.memory.buffer, p, len);
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
    const h = getHeap();
    const off = h.allocBytes(Math.max(1, length) * es, `${length} × ${dtype}`);
    return dtype === 'float32'
      ? new Float32Array(h.memory.buffer, off, length)
      : new Float64Array(h.memory.buffer, off, length);
  },

  free(array: FloatArray): void {
    getHeap().freeBytes(ptr('free', 'the array', array));
  },

  gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
    needLength('gemm', 'A', a, m * k);
    needLength('gemm', 'B', b, k * n);
    needLength('gemm', 'C', c, m * n);
    const kern = getHeap().kernels;
    if (isF32(c)) {
      const s = transA || transB ? work.get((m * k + k * n) * 4 + 128) : 0;
      kern.gemm_f32(
        +transA,
        +transB,
        m,
        n,
        k,
        alpha,
        ptr32('gemm', 'A', a),
        ptr32('gemm', 'B', b),
        beta,
        ptr32('gemm', 'C', c),
        s,
      );
    } else {
      if (!(a instanceof Float64Array && b instanceof Float64Array))
        throw new Error('wasm.gemm: A, B and C must share a dtype');
      const s = transA || transB ? work.get((m * k + k * n) * 8 + 64) : 0;
      kern.gemm_f64(
        +transA,
        +transB,
        m,
        n,
        k,
        alpha,
        ptr('gemm', 'A', a),
        ptr('gemm', 'B', b),
        beta,
        ptr('gemm', 'C', c),
        s,
      );
    }
  },

  conv2dForward(g: ConvGeometry, x, w, b, y) {
    if (!isF32(y)) return ref.conv2dForward(g, x, w, b, y);
    convSizes('conv2dForward', g, x, w, y);
    if (b) needLength('conv2dForward', 'b', b, g.cOut);
    const k = setConv(g);
    const col = work.get(k.convScratchFloats() * 4);
    const f = 'conv2dForward';
    k.conv2d_fwd_f32(ptr32(f, 'x', x), ptr32(f, 'w', w), b ? ptr32(f, 'b', b) : 0, ptr32(f, 'y', y), col);
  },

  conv2dBackwardInput(g, dy, w, dx) {
    if (!isF32(dx)) return ref.conv2dBackwardInput(g, dy, w, dx);
    convSizes('conv2dBackwardInput', g, dx, w, dy);
    const k = setConv(g);
    const s = work.get(k.convScratchFloats() * 4);
    const f = 'conv2dBackwardInput';
    k.conv2d_bwd_input_f32(ptr32(f, 'dy', dy), ptr32(f, 'w', w), ptr32(f, 'dx', dx), s);
  },

  conv2dBackwardFilter(g, x, dy, dw, db) {
    if (!isF32(dw)) return ref.conv2dBackwardFilter(g, x, dy, dw, db);
    convSizes('conv2dBackwardFilter', g, x, dw, dy);
    if (db) needLength('conv2dBackwardFilter', 'db', db, g.cOut);
    const k = setConv(g);
    const col = work.get(k.convScratchFloats() * 4);
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
    const k = getHeap().kernels;
    const f = 'maxPool2dForward';
    const px = ptr32(f, 'x', x);
    const py = ptr32(f, 'y', y);
    withIndices(argmax, total, false, true, (pa) =>
      k.maxpool_fwd_f32(g.n * g.c, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.outH, g.outW, px, py, pa),
    );
  },

  maxPool2dBackward(g, dy, argmax, dx) {
    if (!isF32(dx)) return ref.maxPool2dBackward(g, dy, argmax, dx);
    poolSizes('maxPool2dBackward', g, dx, dy);
    const total = g.n * g.c * g.outH * g.outW;
    needLength('maxPool2dBackward', 'argmax', argmax, total);
    const k = getHeap().kernels;
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
    getHeap().kernels.avgpool_fwd_f32(
      g.n * g.c,
      g.h,
      g.w,
      g.kh,
      g.kw,
      g.strideH,
      g.strideW,
      g.outH,
      g.outW,
      ptr32(f, 'x', x),
      ptr32(f, 'y', y),
    );
  },

  avgPool2dBackward(g, dy, dx) {
    if (!isF32(dx)) return ref.avgPool2dBackward(g, dy, dx);
    poolSizes('avgPool2dBackward', g, dx, dy);
    const f = 'avgPool2dBackward';
    getHeap().kernels.avgpool_bwd_f32(
      g.n * g.c,
      g.h,
      g.w,
      g.kh,
      g.kw,
      g.strideH,
      g.strideW,
      g.outH,
      g.outW,
      ptr32(f, 'dy', dy),
      ptr32(f, 'dx', dx),
    );
  },

  activation(kind, slope, x, y) {
    if (!isF32(y)) return ref.activation(kind, slope, x, y);
    sameLength('activation', x, y, 'x and y');
    const code = ACTIVATION_CODE[kind];
    if (code === undefined) throw new Error(`activation: unknown kind ${String(kind)}`);
    getHeap().kernels.activation_f32(
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
    getHeap().kernels.activation_grad_f32(
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
    return getHeap().kernels.softmax_ce_f32(
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
    getHeap().kernels.bn_train_fwd_f32(
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
    getHeap().kernels.bn_infer_fwd_f32(
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
    getHeap().kernels.bn_bwd_f32(
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
    getHeap().kernels.add_row_vector_f32(
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
    getHeap().kernels.sum_rows_f32(rows, cols, ptr32('sumRows', 'x', x), ptr32('sumRows', 'out', out));
  },

  mul(a, b, out) {
    if (!isF32(out)) return ref.mul(a, b, out);
    sameLength('mul', a, b, 'a and b');
    sameLength('mul', a, out, 'a and out');
    getHeap().kernels.mul_f32(ptr32('mul', 'a', a), ptr32('mul', 'b', b), ptr32('mul', 'out', out), a.length);
  },

  axpy(alpha, x, y) {
    if (!isF32(y)) return ref.axpy(alpha, x, y);
    sameLength('axpy', x, y, 'x and y');
    getHeap().kernels.axpy_f32(alpha, ptr32('axpy', 'x', x), ptr32('axpy', 'y', y), x.length);
  },

  sum(x) {
    if (!isF32(x)) return ref.sum(x);
    return getHeap().kernels.sum_all_f32(ptr32('sum', 'x', x), x.length);
  },

  sumSquares(x) {
    if (!isF32(x)) return ref.sumSquares(x);
    return getHeap().kernels.sum_squares_f32(ptr32('sumSquares', 'x', x), x.length);
  },

  allFinite(x) {
    if (!isF32(x)) return ref.allFinite(x);
    return getHeap().kernels.all_finite_f32(ptr32('allFinite', 'x', x), x.length) === 1;
  },

  sgdStep(w, g, v, lr, momentum, nesterov, weightDecay) {
    if (!isF32(w)) return ref.sgdStep(w, g, v, lr, momentum, nesterov, weightDecay);
    sameLength('sgdStep', w, g, 'w and g');
    if (momentum !== 0) sameLength('sgdStep', w, v, 'w and v');
    const pv = momentum !== 0 ? ptr32('sgdStep', 'v', v) : 0;
    getHeap().kernels.sgd_f32(
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
    getHeap().kernels.adam_f32(
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
  getHeap().kernels.setConvAlgorithm({ auto: 0, im2col: 1, direct: 2, channels: 3 }[mode]);
}

/** The kernel build this thread runs. */
export function wasmKernelVariant(): KernelVariant {
  return getHeap().variant;
}

/** Bytes of wasm memory currently handed out by this thread's allocator (for leak checks and benchmarks). */
export function wasmBytesInUse(): number {
  return getHeap().bytesInUse;
}
