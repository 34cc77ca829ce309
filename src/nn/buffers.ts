/**
 * Batch-sized work buffers: allocated from the backend once for the largest batch seen, then handed out as
 * exact-length views, so the training hot path allocates nothing (a smaller last batch gets a prefix view).
 */
import type { Backend, DType, FloatArray } from '../kernels/backend.js';

export class BatchBuffer {
  private full: FloatArray | null = null;
  private capacity = 0;
  private lastN = -1;
  private lastView: FloatArray | null = null;

  constructor(
    private readonly backend: Backend,
    private readonly dtype: DType,
    readonly perExample: number,
  ) {}

  /** A view of n·perExample elements (contents unspecified: whatever the last use left). */
  get(n: number): FloatArray {
    if (n === this.lastN) return this.lastView as FloatArray;
    if (n > this.capacity) {
      if (this.full !== null) this.backend.free(this.full);
      this.full = this.backend.alloc(this.dtype, n * this.perExample);
      this.capacity = n;
    }
    const full = this.full as FloatArray;
    this.lastView = n === this.capacity ? full : full.subarray(0, n * this.perExample);
    this.lastN = n;
    return this.lastView;
  }

  dispose(): void {
    if (this.full !== null) this.backend.free(this.full);
    this.full = null;
    this.capacity = 0;
    this.lastN = -1;
    this.lastView = null;
  }
}

/**
 * Int32 buffers (max-pool argmax) in backend memory: a float32 allocation of the same element size seen as
 * Int32Array, because `Backend.alloc` hands out float arrays only and the wasm kernels need module memory.
 */
export class IndexBuffer {
  private readonly floats: BatchBuffer;
  private lastSource: FloatArray | null = null;
  private lastView: Int32Array | null = null;

  constructor(backend: Backend, perExample: number) {
    this.floats = new BatchBuffer(backend, 'float32', perExample);
  }

  get(n: number): Int32Array {
    const f = this.floats.get(n);
    if (f !== this.lastSource) {
      this.lastSource = f;
      this.lastView = new Int32Array(f.buffer, f.byteOffset, f.length);
    }
    return this.lastView as Int32Array;
  }

  dispose(): void {
    this.floats.dispose();
    this.lastSource = null;
    this.lastView = null;
  }
}
