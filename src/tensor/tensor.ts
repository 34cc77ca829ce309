/**
 * Tensor: a shape and a dtype over a flat row-major array owned by a Backend (for the wasm backend the
 * array lives in the module's memory, so kernels can read it in place).
 */
import type { Backend, DType, FloatArray } from '../kernels/backend.js';
import { getBackend, referenceBackend } from '../kernels/index.js';

export interface TensorOptions {
  dtype?: DType;
  backend?: Backend;
}

/**
 * The backend a tensor or model uses when the caller names none: the process-wide fast backend for float32,
 * the reference backend for float64 (the fast one is float32-first; float64 is for exact checks).
 */
export function defaultBackend(dtype: DType): Backend {
  return dtype === 'float64' ? referenceBackend : getBackend();
}

/** Product of the dimensions; throws unless every dimension is a non-negative integer. */
export function shapeSize(shape: readonly number[], fn = 'Tensor'): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${fn}: invalid shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

function dtypeOf(a: FloatArray): DType {
  return a instanceof Float64Array ? 'float64' : 'float32';
}

export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly data: FloatArray;
  readonly backend: Backend;
  readonly size: number;
  /** False for views (reshape) and wrapped arrays: dispose() then leaves the memory to its owner. */
  private owned: boolean;

  /**
   * Wraps `data` (which must come from `backend.alloc`, or be a view into such an array) without copying.
   * `owned` says whether dispose() returns the array to the backend.
   */
  constructor(data: FloatArray, shape: readonly number[], backend: Backend, owned = false) {
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new Error(`Tensor: shape [${shape.join(', ')}] needs ${size} elements, data has ${data.length}`);
    }
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(data);
    this.data = data;
    this.backend = backend;
    this.size = size;
    this.owned = owned;
  }

  /** A zero-filled tensor (dtype float32 unless given; backend: defaultBackend(dtype) unless given). */
  static zeros(shape: readonly number[], opts: TensorOptions = {}): Tensor {
    const dtype = opts.dtype ?? 'float32';
    const backend = opts.backend ?? defaultBackend(dtype);
    return new Tensor(backend.alloc(dtype, shapeSize(shape, 'Tensor.zeros')), shape, backend, true);
  }

  /** A tensor holding a copy of `values` (row-major, length = product of `shape`). */
  static fromArray(values: ArrayLike<number>, shape: readonly number[], opts: TensorOptions = {}): Tensor {
    const size = shapeSize(shape, 'Tensor.fromArray');
    if (values.length !== size) {
      throw new Error(
        `Tensor.fromArray: shape [${shape.join(', ')}] needs ${size} values, got ${values.length}`,
      );
    }
    const t = Tensor.zeros(shape, opts);
    t.data.set(values);
    return t;
  }

  /** The same data under another shape; one dimension may be −1 (inferred). */
  reshape(shape: readonly number[]): Tensor {
    const free = shape.indexOf(-1);
    let resolved = [...shape];
    if (free >= 0) {
      const rest = shapeSize(
        shape.filter((_, i) => i !== free),
        'Tensor.reshape',
      );
      if (rest === 0 || this.size % rest !== 0) {
        throw new Error(`Tensor.reshape: cannot reshape [${this.shape.join(', ')}] to [${shape.join(', ')}]`);
      }
      resolved = shape.map((d, i) => (i === free ? this.size / rest : d));
    }
    if (shapeSize(resolved, 'Tensor.reshape') !== this.size) {
      throw new Error(`Tensor.reshape: cannot reshape [${this.shape.join(', ')}] to [${shape.join(', ')}]`);
    }
    return new Tensor(this.data, resolved, this.backend, false);
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  /** A copy in fresh memory of the same backend. */
  clone(): Tensor {
    const t = Tensor.zeros(this.shape, { dtype: this.dtype, backend: this.backend });
    t.data.set(this.data);
    return t;
  }

  /** Returns owned memory to the backend; the tensor must not be used afterwards. Views are left alone. */
  dispose(): void {
    if (this.owned) {
      this.owned = false;
      this.backend.free(this.data);
    }
  }
}
