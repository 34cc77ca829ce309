/**
 * Weight initialisers, by name ('zeros', 'ones', 'glorotNormal', 'glorotUniform', 'heNormal', 'heUniform',
 * 'lecunNormal') or as objects (new RandomNormal({ mean, stddev }), new GlorotNormal(), …), with Keras'
 * definitions. Fans as Keras computes them: a dense kernel [in, out] has fanIn = in, fanOut = out; a conv
 * kernel [cOut, cIn, kh, kw] has fanIn = cIn·kh·kw, fanOut = cOut·kh·kw.
 *
 * The variance-scaling normals (glorotNormal, heNormal, lecunNormal) follow Keras exactly: a normal truncated
 * at ±2σ whose σ is divided by 0.87962566103423978 (the std of a unit normal truncated at ±2), so the drawn
 * weights have exactly the target standard deviation, e.g. glorotNormal std = √(2/(fanIn+fanOut)) as
 * Problem 3 wants, with no outliers beyond 2.27·std. RandomNormal is not truncated (as in Keras).
 */
import type { FloatArray } from '../kernels/backend.js';
import type { Rng } from '../util/rng.js';

export interface Fans {
  fanIn: number;
  fanOut: number;
}

export interface Initializer {
  readonly name: string;
  /** Fills `out` (row-major, in the weight's layout) with draws from `rng`. */
  fill(out: FloatArray, fans: Fans, rng: Rng): void;
}

/** The standard deviation of a unit normal truncated to [−2, 2]. */
const TRUNCATED_STD = 0.87962566103423978;

function finite(fn: string, what: string, v: number): number {
  if (!Number.isFinite(v)) throw new Error(`${fn}: ${what} must be a finite number, got ${v}`);
  return v;
}

/** w ~ N(mean, stddev²), untruncated. */
export class RandomNormal implements Initializer {
  readonly name = 'randomNormal';
  readonly mean: number;
  readonly stddev: number;
  constructor({ mean = 0, stddev = 0.05 }: { mean?: number; stddev?: number } = {}) {
    this.mean = finite('RandomNormal', 'mean', mean);
    this.stddev = finite('RandomNormal', 'stddev', stddev);
    if (stddev < 0) throw new Error(`RandomNormal: stddev must be ≥ 0, got ${stddev}`);
  }
  fill(out: FloatArray, _fans: Fans, rng: Rng): void {
    for (let i = 0; i < out.length; i++) out[i] = rng.normal(this.mean, this.stddev);
  }
}

/** w ~ U[minval, maxval). */
export class RandomUniform implements Initializer {
  readonly name = 'randomUniform';
  readonly minval: number;
  readonly maxval: number;
  constructor({ minval = -0.05, maxval = 0.05 }: { minval?: number; maxval?: number } = {}) {
    this.minval = finite('RandomUniform', 'minval', minval);
    this.maxval = finite('RandomUniform', 'maxval', maxval);
    if (maxval < minval) throw new Error(`RandomUniform: need minval ≤ maxval, got ${minval} > ${maxval}`);
  }
  fill(out: FloatArray, _fans: Fans, rng: Rng): void {
    for (let i = 0; i < out.length; i++) out[i] = rng.uniformIn(this.minval, this.maxval);
  }
}

type FanMode = 'fanIn' | 'fanAvg';

function fanOf(mode: FanMode, f: Fans, fn: string): number {
  const fan = mode === 'fanIn' ? f.fanIn : (f.fanIn + f.fanOut) / 2;
  if (!(fan > 0)) throw new Error(`${fn}: fans must be positive, got fanIn ${f.fanIn}, fanOut ${f.fanOut}`);
  return fan;
}

/** Variance scaling, normal: w ~ N(0, σ²) truncated at ±2σ/0.8796…, σ² = scale/fan (the drawn std is exactly σ). */
class VarianceScalingNormal implements Initializer {
  constructor(
    readonly name: string,
    private readonly scale: number,
    private readonly mode: FanMode,
  ) {}
  fill(out: FloatArray, fans: Fans, rng: Rng): void {
    const std = Math.sqrt(this.scale / fanOf(this.mode, fans, this.name)) / TRUNCATED_STD;
    for (let i = 0; i < out.length; i++) out[i] = rng.truncatedNormal(0, std);
  }
}

/** Variance scaling, uniform: w ~ U[−l, l), l = √(3·scale/fan). */
class VarianceScalingUniform implements Initializer {
  constructor(
    readonly name: string,
    private readonly scale: number,
    private readonly mode: FanMode,
  ) {}
  fill(out: FloatArray, fans: Fans, rng: Rng): void {
    const limit = Math.sqrt((3 * this.scale) / fanOf(this.mode, fans, this.name));
    for (let i = 0; i < out.length; i++) out[i] = rng.uniformIn(-limit, limit);
  }
}

/** Glorot (Xavier) normal: std = √(2/(fanIn+fanOut)), truncated at ±2 (scaled) std as in Keras. */
export class GlorotNormal extends VarianceScalingNormal {
  constructor() {
    super('glorotNormal', 1, 'fanAvg');
  }
}
/** Glorot (Xavier) uniform: U[−l, l), l = √(6/(fanIn+fanOut)). */
export class GlorotUniform extends VarianceScalingUniform {
  constructor() {
    super('glorotUniform', 1, 'fanAvg');
  }
}
/** He normal: std = √(2/fanIn), truncated as in Keras. */
export class HeNormal extends VarianceScalingNormal {
  constructor() {
    super('heNormal', 2, 'fanIn');
  }
}
/** He uniform: U[−l, l), l = √(6/fanIn). */
export class HeUniform extends VarianceScalingUniform {
  constructor() {
    super('heUniform', 2, 'fanIn');
  }
}
/** LeCun normal: std = √(1/fanIn), truncated as in Keras. */
export class LeCunNormal extends VarianceScalingNormal {
  constructor() {
    super('lecunNormal', 1, 'fanIn');
  }
}
/** w = 0. */
export class Zeros implements Initializer {
  readonly name = 'zeros';
  fill(out: FloatArray): void {
    out.fill(0);
  }
}
/** w = 1. */
export class Ones implements Initializer {
  readonly name = 'ones';
  fill(out: FloatArray): void {
    out.fill(1);
  }
}

export type InitializerName =
  'zeros' | 'ones' | 'glorotNormal' | 'glorotUniform' | 'heNormal' | 'heUniform' | 'lecunNormal';
export type InitializerSpec = InitializerName | Initializer;

const BY_NAME: Record<InitializerName, () => Initializer> = {
  zeros: () => new Zeros(),
  ones: () => new Ones(),
  glorotNormal: () => new GlorotNormal(),
  glorotUniform: () => new GlorotUniform(),
  heNormal: () => new HeNormal(),
  heUniform: () => new HeUniform(),
  lecunNormal: () => new LeCunNormal(),
};

/** The initialiser for a name or object; throws naming `fn` for unknown names. */
export function resolveInitializer(spec: InitializerSpec, fn: string): Initializer {
  if (typeof spec === 'string') {
    const make = Object.hasOwn(BY_NAME, spec) ? BY_NAME[spec] : undefined;
    if (make === undefined) {
      throw new Error(`${fn}: unknown initializer "${spec}" (one of ${Object.keys(BY_NAME).join(', ')})`);
    }
    return make();
  }
  if (spec === null || typeof spec !== 'object' || typeof spec.fill !== 'function') {
    throw new Error(`${fn}: initializer must be a name or an object with fill(), got ${String(spec)}`);
  }
  return spec;
}
