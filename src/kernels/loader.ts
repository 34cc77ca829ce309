/**
 * Instantiates the AssemblyScript kernels for the calling thread: one fixed-size WebAssembly.Memory, the
 * module built for it (dist/kernels/kernels-fma.wasm or kernels.wasm), and the heap over that memory. Each
 * worker thread loads its own; nothing is shared between threads.
 *
 * The memory is reserved once (NNLAB_HEAP_MB, default 2048 MB of address space; pages are only committed
 * when touched) and never grown, so typed-array views into it never detach.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { Kernels } from './exports.js';
import { Heap } from './heap.js';

export type { Kernels } from './exports.js';

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

/** Which build of the kernels runs: with fused multiply-add (relaxed SIMD) or plain SIMD. */
export type KernelVariant = 'simd+fma' | 'simd';

/** One thread's instance of the kernels. */
export interface LoadedKernels {
  readonly kernels: Kernels;
  readonly heap: Heap;
  readonly variant: KernelVariant;
}

/** Heap size in MB from NNLAB_HEAP_MB (default 2048, at most 4095: wasm32 addresses 4 GiB). */
function heapMegabytes(): number {
  const raw = process.env.NNLAB_HEAP_MB;
  if (raw === undefined || raw === '') return 2048;
  const mb = Number(raw);
  if (!Number.isInteger(mb) || mb < 16 || mb > 4095) {
    throw new Error(`wasm backend: NNLAB_HEAP_MB must be an integer in [16, 4095], got "${raw}"`);
  }
  return mb;
}

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

/** Reserves the memory, instantiates the kernels on it and puts the heap after their static data. */
export function loadKernels(): LoadedKernels {
  const megabytes = heapMegabytes();
  const pages = Math.floor((megabytes * 1024 * 1024) / PAGE);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const { module, variant } = loadModule();
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: (_msg: number, _file: number, line: number, col: number) => {
        throw new Error(`wasm kernels: abort at ${line}:${col}`);
      },
    },
  });
  const kernels = instance.exports as Kernels;
  return { kernels, heap: new Heap(memory, kernels.heapBase(), megabytes), variant };
}
