/**
 * The allocator of a thread's kernel memory: the JS side hands out blocks of the wasm memory, the kernels
 * only read and write them. Blocks are 64-byte aligned (a cache line; every SIMD load is aligned within it)
 * and zero-filled.
 *
 * Requests are rounded up to size classes (a quarter of a power of two), and a freed block goes on the free
 * list of its class: layers allocate the same shapes every step, so a step after the first reuses the
 * blocks of the one before. New blocks are taken from a bump region; once that is used up, the smallest free
 * block of a larger class is reused whole. Blocks are never split or coalesced.
 */

/** Alignment and smallest block, in bytes. */
export const ALIGN = 64;

/** The memory the heap manages: its buffer must never be replaced (a fixed-size WebAssembly.Memory). */
export interface HeapMemory {
  readonly buffer: ArrayBuffer;
}

/**
 * The size class of a request: bytes rounded up to 64, then to a multiple of p/4 where p is the largest
 * power of two below bytes (so at most 25% is wasted).
 */
export function roundSize(bytes: number): number {
  if (bytes <= ALIGN) return ALIGN;
  const p = 2 ** Math.floor(Math.log2(bytes - 1));
  const step = Math.max(ALIGN, p / 4);
  return Math.ceil(bytes / step) * step;
}

/** A free-list allocator over [base, memory.buffer.byteLength) of a fixed-size memory. */
export class Heap {
  private top: number;
  private readonly end: number;
  private readonly live = new Map<number, number>();
  private readonly freeLists = new Map<number, number[]>();
  private inUse = 0;
  private peakInUse = 0;

  /**
   * @param memory the memory whose bytes from `base` on are handed out
   * @param base the first free byte (after the module's static data); rounded up to ALIGN
   * @param megabytes the configured size, quoted in the exhaustion message
   */
  constructor(
    readonly memory: HeapMemory,
    base: number,
    readonly megabytes: number,
  ) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
    this.end = memory.buffer.byteLength;
  }

  /** A zero-filled block of at least `bytes` bytes; returns its byte offset. `what` names it in errors. */
  allocBytes(bytes: number, what: string): number {
    let size = roundSize(bytes);
    let off = this.freeLists.get(size)?.pop();
    if (off === undefined) {
      if (this.top + size <= this.end) {
        off = this.top;
        this.top += size;
      } else {
        // The bump region is used up: the smallest free block that is large enough, whole. It keeps its
        // own class, so that free() returns it to the right list.
        const larger = this.smallestFreeClass(size);
        if (larger === undefined) {
          throw new Error(
            `wasm.alloc: out of kernel memory allocating ${what} (${bytes} bytes): ` +
              `${(this.inUse / 2 ** 20).toFixed(1)} MB of ${this.megabytes} MB in use. ` +
              `Free unused arrays (Tensor.dispose) or raise NNLAB_HEAP_MB.`,
          );
        }
        size = larger;
        off = this.freeLists.get(size)!.pop()!;
        new Uint8Array(this.memory.buffer, off, size).fill(0);
      }
    } else {
      new Uint8Array(this.memory.buffer, off, size).fill(0);
    }
    this.live.set(off, size);
    this.inUse += size;
    if (this.inUse > this.peakInUse) this.peakInUse = this.inUse;
    return off;
  }

  /** The smallest class ≥ size with a free block. */
  private smallestFreeClass(size: number): number | undefined {
    let best: number | undefined;
    for (const [s, list] of this.freeLists)
      if (s >= size && list.length > 0 && (best === undefined || s < best)) best = s;
    return best;
  }

  /** Returns the block at `off` to the free list of its class. */
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

  /** Bytes currently handed out (whole size classes). */
  get bytesInUse(): number {
    return this.inUse;
  }

  /** The most bytes handed out at once since the heap was made or resetPeak() was called. */
  get peakBytes(): number {
    return this.peakInUse;
  }

  /** Starts a new peak measurement from the bytes in use now. */
  resetPeak(): void {
    this.peakInUse = this.inUse;
  }
}

/** A block that grows on demand and is reused across calls (im2col columns, transposes, argmax indices). */
export class Scratch {
  private off = 0;
  private bytes = 0;

  constructor(
    private readonly heap: Heap,
    private readonly name: string,
  ) {}

  /** The block's offset, first replaced by a larger one if it holds fewer than `bytes` bytes. */
  get(bytes: number): number {
    if (bytes > this.bytes) {
      if (this.bytes > 0) this.heap.freeBytes(this.off);
      this.off = this.heap.allocBytes(bytes, `${this.name} scratch`);
      this.bytes = roundSize(bytes);
    }
    return this.off;
  }

  /** Frees the block (the next get() allocates one of the size it asks for). */
  release(): void {
    if (this.bytes > 0) this.heap.freeBytes(this.off);
    this.bytes = 0;
  }
}
