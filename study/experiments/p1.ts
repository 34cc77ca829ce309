/**
 * Problem 1: the softmax Jacobian ∂o_i/∂v_j = o_i(δ_ij − o_j) and the cross-entropy gradient
 * ∂L/∂v = o − y, checked numerically in float64 by central finite differences, over random logits of
 * several sizes and spreads and over extreme logits (|v| up to 10⁵) where only the max-subtracted softmax
 * stays finite. Nothing is trained; the run takes well under a second.
 */
import { type Experiment, referenceBackend, Rng, type RunContext } from 'nnlab';

export interface P1Config {
  [k: string]: number | number[];
  /** Numbers of classes k tried. */
  dims: number[];
  /** Random logit vectors per (k, spread). */
  trials: number;
  /** Standard deviations of the normal random logits. */
  scales: number[];
  /** Magnitudes M of the extreme cases (logits uniform in [−M, M], ties at M, a constant M vector, …). */
  extremeMagnitudes: number[];
  /**
   * Finite-difference step: h = relStep for the softmax (shift-invariant, O(1) values) and
   * h = relStep·max(1, |L|)^(1/3) for the loss, whose rounding noise grows with |L| (∛ε ≈ 6.06e−6 balances
   * truncation h² against rounding ε/h). Steps are made exactly representable at each v_j.
   */
  relStep: number;
}

/** The errors of one group of logit vectors, maxima over its vectors and entries. */
export interface P1Case {
  name: string;
  kind: 'random' | 'extreme';
  k: number;
  vectors: number;
  /** Largest |v_j| in the group. */
  maxAbsLogit: number;
  /**
   * max |J_fd − J|, and that divided by the largest |J_ij| of the group (floored at 1e−6: saturated vectors
   * have derivatives that round to 0, and dividing by them would say nothing), J_ij = o_i(δ_ij − o_j).
   */
  jacobianAbsErr: number;
  jacobianRelErr: number;
  /** max |∇_fd L − (o − y)| and the same relative to the group's largest |o − y| (same floor), y one-hot with a random class. */
  gradAbsErr: number;
  gradRelErr: number;
  /** Largest loss L = −log o_label in the group. */
  maxLoss: number;
  /** Rounding noise of the loss differences, max of ε·max(1, |L|)/h: what finite differences can resolve. */
  gradNoiseFloor: number;
  /** max |dz − (o − y)| of nnlab's fused softmaxCrossEntropy kernel (reference backend, float64). */
  kernelAbsErr: number;
  /** Whether the softmax without max subtraction, e^v/Σe^v, stayed finite for every vector of the group. */
  naiveFinite: boolean;
}

export interface P1Result {
  config: P1Config;
  seed: number;
  cases: P1Case[];
  /** A small worked example: v, o = softmax(v), the Jacobian rows, and o − y for y = e_label. */
  example: { v: number[]; o: number[]; jacobian: number[][]; label: number; grad: number[] };
  /** Maxima over all cases. */
  maxJacobianAbsErr: number;
  maxGradAbsErr: number;
  wallSeconds: number;
}

/** softmax(v)_i = e^(v_i − m) / Σ_j e^(v_j − m) with m = max_j v_j (equal to e^v_i/Σe^v_j, but never overflows). */
export function softmax(v: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]);
  const o = new Float64Array(v.length);
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    o[i] = Math.exp(v[i] - m);
    s += o[i];
  }
  for (let i = 0; i < v.length; i++) o[i] /= s;
  return o;
}

/** The textbook softmax e^(v_i)/Σ_j e^(v_j) without the shift; overflows (∞/∞ = NaN) once some v_j > 709. */
export function softmaxNaive(v: ArrayLike<number>): Float64Array {
  const o = new Float64Array(v.length);
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    o[i] = Math.exp(v[i]);
    s += o[i];
  }
  for (let i = 0; i < v.length; i++) o[i] /= s;
  return o;
}

/** J_ij = ∂o_i/∂v_j = o_i(δ_ij − o_j): o_i(1 − o_i) on the diagonal, −o_i·o_j off it (row-major k×k). */
export function softmaxJacobian(o: ArrayLike<number>): Float64Array {
  const k = o.length;
  const J = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) J[i * k + j] = o[i] * ((i === j ? 1 : 0) - o[j]);
  return J;
}

/**
 * L(v) = −Σ_i y_i·log o_i computed as Σ_i y_i·(log s − (v_i − m)), m = max_j v_j, s = Σ_j e^(v_j − m):
 * log o_i is never log 0 even when o_i underflows, and no intermediate is as large as v itself, so L is
 * accurate relative to |L| even at |v| = 10⁵.
 */
export function crossEntropy(v: ArrayLike<number>, y: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]);
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(v[i] - m);
  const logS = Math.log(s);
  let L = 0;
  for (let i = 0; i < v.length; i++) if (y[i] !== 0) L += y[i] * (logS - (v[i] - m));
  return L;
}

/** ∂L/∂v_i = o_i − y_i (for Σ y = 1). */
export function crossEntropyGrad(v: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  const o = softmax(v);
  for (let i = 0; i < o.length; i++) o[i] -= y[i];
  return o;
}

/**
 * Central difference (f(v⁺) − f(v⁻))/(v⁺_j − v⁻_j) with v^± = v ± h·e_j, column j of the Jacobian of f;
 * dividing by the difference of the rounded points (not by 2h) keeps the step exact even at |v_j| = 10⁵.
 */
function centralDiff(
  f: (v: Float64Array) => ArrayLike<number>,
  v: Float64Array,
  j: number,
  h: number,
): Float64Array {
  const keep = v[j];
  const hi = keep + h;
  const lo = keep - h;
  v[j] = hi;
  const plus = Float64Array.from(f(v));
  v[j] = lo;
  const minus = f(v);
  v[j] = keep;
  for (let i = 0; i < plus.length; i++) plus[i] = (plus[i] - minus[i]) / (hi - lo);
  return plus;
}

/** Finite-difference errors of one logit vector v with target class `label`. */
export function checkVector(
  v: Float64Array,
  label: number,
  relStep: number,
): {
  jacAbs: number;
  jacNorm: number;
  gradAbs: number;
  gradNorm: number;
  loss: number;
  noiseFloor: number;
  kernelAbs: number;
  naiveFinite: boolean;
} {
  const k = v.length;
  const h = relStep;
  const o = softmax(v);
  const J = softmaxJacobian(o);
  let jacAbs = 0;
  let jNorm = 0;
  for (let j = 0; j < k; j++) {
    const col = centralDiff(softmax, v, j, h);
    for (let i = 0; i < k; i++) {
      jacAbs = Math.max(jacAbs, Math.abs(col[i] - J[i * k + j]));
      jNorm = Math.max(jNorm, Math.abs(J[i * k + j]));
    }
  }
  const y = new Float64Array(k);
  y[label] = 1;
  const g = crossEntropyGrad(v, y);
  const loss = crossEntropy(v, y);
  const hL = relStep * Math.cbrt(Math.max(1, Math.abs(loss)));
  let gradAbs = 0;
  let gNorm = 0;
  for (let j = 0; j < k; j++) {
    const d = centralDiff((w) => [crossEntropy(w, y)], v, j, hL)[0];
    gradAbs = Math.max(gradAbs, Math.abs(d - g[j]));
    gNorm = Math.max(gNorm, Math.abs(g[j]));
  }
  const p = new Float64Array(k);
  const dz = new Float64Array(k);
  referenceBackend.softmaxCrossEntropy(1, k, v, y, p, dz);
  let kernelAbs = 0;
  for (let j = 0; j < k; j++) kernelAbs = Math.max(kernelAbs, Math.abs(dz[j] - g[j]));
  const naiveFinite = softmaxNaive(v).every(Number.isFinite);
  return {
    jacAbs,
    jacNorm: jNorm,
    gradAbs,
    gradNorm: gNorm,
    loss,
    noiseFloor: (Number.EPSILON * Math.max(1, Math.abs(loss))) / hL,
    kernelAbs,
    naiveFinite,
  };
}

/** The extreme logit vectors of magnitude M for k classes: wide uniform, one dominant, a tie at the top, constant, all very negative. */
function extremeVectors(k: number, M: number, rng: Rng): { name: string; v: Float64Array }[] {
  const uniform = Float64Array.from({ length: k }, () => rng.uniformIn(-M, M));
  const dominant = Float64Array.from({ length: k }, (_, i) => (i === 0 ? M : rng.uniformIn(-1, 1)));
  const tie = Float64Array.from({ length: k }, (_, i) => (i < 2 ? M : M - 5 - i));
  const constant = new Float64Array(k).fill(M);
  const negative = Float64Array.from({ length: k }, () => -M + rng.uniformIn(-3, 3));
  return [
    { name: `uniform in [−M, M]`, v: uniform },
    { name: `one logit at M, rest in [−1, 1]`, v: dominant },
    { name: `two tied at M, rest M − 5 − i`, v: tie },
    { name: `all equal to M`, v: constant },
    { name: `all near −M`, v: negative },
  ];
}

/** Denominator floor of the relative errors (derivatives below it are saturated to ~0). */
const REL_FLOOR = 1e-6;

function runP1(config: P1Config, seed: number, ctx?: RunContext): P1Result {
  const t0 = performance.now();
  const rng = new Rng(seed);
  const cases: P1Case[] = [];
  const add = (name: string, kind: 'random' | 'extreme', vs: Float64Array[]): void => {
    const c: P1Case = {
      name,
      kind,
      k: vs[0].length,
      vectors: vs.length,
      maxAbsLogit: 0,
      jacobianAbsErr: 0,
      jacobianRelErr: 0,
      gradAbsErr: 0,
      gradRelErr: 0,
      maxLoss: 0,
      gradNoiseFloor: 0,
      kernelAbsErr: 0,
      naiveFinite: true,
    };
    let jacNorm = 0;
    let gradNorm = 0;
    for (const v of vs) {
      for (const x of v) c.maxAbsLogit = Math.max(c.maxAbsLogit, Math.abs(x));
      const r = checkVector(v, rng.int(v.length), config.relStep);
      c.jacobianAbsErr = Math.max(c.jacobianAbsErr, r.jacAbs);
      c.gradAbsErr = Math.max(c.gradAbsErr, r.gradAbs);
      jacNorm = Math.max(jacNorm, r.jacNorm);
      gradNorm = Math.max(gradNorm, r.gradNorm);
      c.maxLoss = Math.max(c.maxLoss, r.loss);
      c.gradNoiseFloor = Math.max(c.gradNoiseFloor, r.noiseFloor);
      c.kernelAbsErr = Math.max(c.kernelAbsErr, r.kernelAbs);
      c.naiveFinite &&= r.naiveFinite;
    }
    c.jacobianRelErr = c.jacobianAbsErr / Math.max(jacNorm, REL_FLOOR);
    c.gradRelErr = c.gradAbsErr / Math.max(gradNorm, REL_FLOOR);
    cases.push(c);
  };
  const total = config.dims.length * (config.scales.length + config.extremeMagnitudes.length);
  let done = 0;
  for (const k of config.dims) {
    for (const s of config.scales) {
      const vs = Array.from({ length: config.trials }, () =>
        Float64Array.from({ length: k }, () => rng.normal(0, s)),
      );
      add(`v ~ N(0, ${s}²)`, 'random', vs);
      ctx?.progress({ label: 'p1', done: ++done, total, unit: 'groups' });
    }
    for (const M of config.extremeMagnitudes) {
      for (const { name, v } of extremeVectors(k, M, rng)) add(`${name}, M = ${M}`, 'extreme', [v]);
      ctx?.progress({ label: 'p1', done: ++done, total, unit: 'groups' });
    }
  }
  const v = [1, 2, 0.5, -1];
  const o = softmax(v);
  const J = softmaxJacobian(o);
  const label = 1;
  const y = v.map((_, i) => (i === label ? 1 : 0));
  const example = {
    v,
    o: [...o],
    jacobian: v.map((_, i) => [...J.subarray(i * v.length, (i + 1) * v.length)]),
    label,
    grad: [...crossEntropyGrad(v, y)],
  };
  return {
    config,
    seed,
    cases,
    example,
    maxJacobianAbsErr: Math.max(...cases.map((c) => c.jacobianAbsErr)),
    maxGradAbsErr: Math.max(...cases.map((c) => c.gradAbsErr)),
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

export const p1: Experiment<P1Config, P1Result> = {
  id: 'p1',
  title: 'Problem 1 — Softmax activation function',
  defaults: {
    dims: [2, 3, 10, 100],
    trials: 20,
    scales: [1, 5, 30],
    extremeMagnitudes: [1000, 100000],
    relStep: Math.cbrt(Number.EPSILON),
  },
  quick: { dims: [3, 10], trials: 3 },
  fields: [
    { name: 'dims', description: 'numbers of classes k of the logit vectors' },
    { name: 'trials', description: 'random logit vectors per (k, spread)' },
    { name: 'scales', description: 'standard deviations of the normal random logits' },
    {
      name: 'extremeMagnitudes',
      description: 'magnitudes M of the extreme logit vectors (naive e^v overflows beyond 709)',
    },
    {
      name: 'relStep',
      description: 'central-difference step (softmax); the loss uses relStep·max(1,|L|)^(1/3)',
    },
  ],
  validate(c) {
    const errs: string[] = [];
    if (c.dims.length === 0 || c.dims.some((k) => !Number.isInteger(k) || k < 2 || k > 1000))
      errs.push(`dims must be integers in 2..1000, got [${c.dims.join(', ')}]`);
    if (!Number.isInteger(c.trials) || c.trials < 1)
      errs.push(`trials must be a positive integer, got ${c.trials}`);
    if (c.scales.some((s) => !(s > 0))) errs.push(`scales must be positive, got [${c.scales.join(', ')}]`);
    if (c.extremeMagnitudes.some((m) => !(m > 0)))
      errs.push(`extremeMagnitudes must be positive, got [${c.extremeMagnitudes.join(', ')}]`);
    if (!(c.relStep > 0 && c.relStep < 0.1)) errs.push(`relStep must be in (0, 0.1), got ${c.relStep}`);
    return errs;
  },
  run: async (config, seed, ctx) => runP1(config, seed, ctx),
};
