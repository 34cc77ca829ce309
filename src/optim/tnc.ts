/**
 * TNC: Stephen G. Nash's truncated-Newton method with simple bounds, as scipy ships it (Jean-Sébastien Roy's
 * C translation `scipy/optimize/tnc/tnc.c` behind `scipy.optimize.minimize(method='TNC')`). This is our own
 * TypeScript port of that algorithm, written to reproduce scipy 1.10's iterates: the same defaults, the same
 * order of floating-point operations where it matters, the same return codes and the same `nfev` accounting
 * (scipy memoises the objective on the last point and re-evaluates it at the returned x).
 *
 * Outline of one outer iteration (x, g scaled by x ↦ (x − offset)/scale, f by a running factor fscale):
 * 1. a search direction p from at most maxCGit preconditioned conjugate-gradient steps on H·p = −g, where every
 *    Hessian-vector product is a forward difference of gradients, H·v ≈ (∇f(x + δv) − ∇f(x))/δ with
 *    δ = accuracy·(‖x‖ + 1) (one function evaluation each); CG stops on Nash's quadratic-model test
 *    (k+1)·(1 − q_{k−1}/q_k) ≤ 1/2; the preconditioner is a diagonal BFGS scaling refined by a two-step
 *    self-scaled BFGS update from the last steps;
 * 2. Gill and Murray's safeguarded cubic line search for a step α with sufficient decrease (μ = 1e−4) and
 *    |g(α)ᵀp| ≤ η·|g(0)ᵀp|;
 * 3. active-set updates for the bounds and the stopping tests on ‖pg‖, |Δf|, ‖Δx‖ and the evaluation budget.
 */

const EPS = 2.220446049250313e-16; // DBL_EPSILON
const HUGE = Infinity; // HUGE_VAL

/** Status codes of tnc.c (scipy's `status`). */
export const TNC_STATUS = {
  ENOMEM: -3,
  EINVAL: -2,
  INFEASIBLE: -1,
  LOCALMINIMUM: 0,
  FCONVERGED: 1,
  XCONVERGED: 2,
  MAXFUN: 3,
  LSFAIL: 4,
  CONSTANT: 5,
  NOPROGRESS: 6,
  USERABORT: 7,
} as const;

/** scipy 1.10's messages for each status (`RCSTRINGS` of `_tnc.py`). */
export const TNC_MESSAGES: Record<number, string> = {
  [-3]: 'Memory allocation failed',
  [-2]: 'Invalid parameters (n<0)',
  [-1]: 'Infeasible (lower bound > upper bound)',
  0: 'Local minimum reached (|pg| ~= 0)',
  1: 'Converged (|f_n-f_(n-1)| ~= 0)',
  2: 'Converged (|x_n-x_(n-1)| ~= 0)',
  3: 'Max. number of function evaluations reached',
  4: 'Linear search failed',
  5: 'All lower bounds are equal to the upper bounds',
  6: 'Unable to progress',
  7: 'User requested end of minimization',
};

/** What the objective returns: f(x) and ∇f(x), as a pair (scipy's `jac=True` form) or as `{ cost, grad }`. */
export type FunAndGrad = [number, ArrayLike<number>] | { cost: number; grad: ArrayLike<number> };
/** An objective with its gradient; x must not be kept (it is the optimiser's buffer). */
export type Objective = (x: Float64Array) => FunAndGrad;

export interface TncOptions {
  method: 'TNC';
  /** The objective returns its gradient too (the only mode supported: TNC needs exact gradients). */
  jac: true;
  /** Per-variable [low, up]; null or ±Infinity means unbounded. */
  bounds?: [number | null, number | null][];
  /** Maximum number of function evaluations; default max(100, 10·n). */
  maxfun?: number;
  /** Maximum Hessian-vector products per outer iteration; < 0 → max(1, min(50, ⌊n/2⌋)). Default −1. */
  maxCGit?: number;
  /** Line-search severity |g(α)ᵀp| ≤ η|g(0)ᵀp|; outside [0,1) → 0.25. Default −1. */
  eta?: number;
  /** Maximum step of the line search (grows ×100 when reached); < 10·√ε → 10. Default 0. */
  stepmx?: number;
  /** Relative precision of the finite differences; ≤ ε → √ε. Default 0. */
  accuracy?: number;
  /** Estimate of the minimum value, used for the first trial step. Default 0. */
  minfev?: number;
  /** Stop when |f_k − f_{k−1}| ≤ ftol (scaled); < 0 → accuracy. Default −1. */
  ftol?: number;
  /** Stop when α‖p‖ ≤ xtol (scaled x); < 0 → √ε. Default −1. */
  xtol?: number;
  /** Stop when ‖projected gradient‖ ≤ gtol (scaled); < 0 → 1e−2·√accuracy. Default −1. */
  gtol?: number;
  /** Rescale f when |log10 ‖g‖| > rescale; < 0 → 1.3. Default −1. */
  rescale?: number;
  /** Variable scaling factors; default up − low for doubly bounded variables, 1 + |x0| otherwise. */
  scale?: number[];
  /** Variable offsets; default (up + low)/2 for doubly bounded variables, x0 otherwise. */
  offset?: number[];
  /** Called after every outer iteration with the current (unscaled) x. */
  callback?: (x: Float64Array) => void;
}

export interface TncResult {
  x: Float64Array;
  fun: number;
  jac: Float64Array;
  nfev: number;
  nit: number;
  status: number;
  message: string;
  success: boolean;
}

type LsRc = 'ok' | 'maxfun' | 'fail';
type GetptcRc = 'ok' | 'eval' | 'einval' | 'fail';

/**
 * minimize(fun, x0, { method: 'TNC', jac: true, ... }): scipy.optimize.minimize's TNC, returning
 * { x, fun, jac, nfev, nit, status, message, success } with success = (−1 < status < 3).
 * nfev counts the objective's actual calls: the first is at x0, repeated calls at the last point are
 * memoised, and the result's fun/jac come from one more call at the final x unless that is the last point.
 */
export function minimize(fun: Objective, x0: ArrayLike<number>, options: TncOptions): TncResult {
  if (options.method !== 'TNC')
    throw new Error(`minimize: only method 'TNC' is implemented, got '${String(options.method)}'`);
  if (options.jac !== true)
    throw new Error('minimize: TNC needs jac: true (the objective returns [f, grad])');
  const n = x0.length;
  const bounds = options.bounds;
  if (bounds !== undefined && bounds.length !== n) {
    throw new Error(`minimize: length of x0 (${n}) != length of bounds (${bounds.length})`);
  }
  for (const [name, v] of [
    ['scale', options.scale],
    ['offset', options.offset],
  ] as const) {
    if (v !== undefined && v.length !== 0 && v.length !== n)
      throw new Error(`minimize: ${name} has length ${v.length}, expected ${n}`);
  }
  const low = new Float64Array(n).fill(-HUGE);
  const up = new Float64Array(n).fill(HUGE);
  if (bounds) {
    for (let i = 0; i < n; i++) {
      const [l, u] = bounds[i];
      if (l !== null) low[i] = l;
      if (u !== null) up[i] = u;
    }
  }

  const memo = new MemoObjective(fun, Float64Array.from(x0));
  const x = Float64Array.from(x0);
  const maxfun = options.maxfun ?? Math.max(100, 10 * n);
  const out = tnc(x, memo, low, up, options, maxfun);
  const [fx, gx] = memo.eval(x);
  const status = out.rc;
  return {
    x,
    fun: fx,
    jac: Float64Array.from(gx),
    nfev: memo.nfev,
    nit: out.niter,
    status,
    message: TNC_MESSAGES[status],
    success: status > -1 && status < 3,
  };
}

/** scipy's ScalarFunction memoisation: an evaluation at the point of the previous one is not repeated. */
class MemoObjective {
  nfev = 0;
  private lastX: Float64Array;
  private lastF = NaN;
  private lastG: Float64Array;

  constructor(
    private readonly fun: Objective,
    x0: Float64Array,
  ) {
    this.lastX = new Float64Array(x0.length);
    this.lastG = new Float64Array(x0.length);
    this.compute(x0);
  }

  eval(x: Float64Array): [number, Float64Array] {
    let same = true;
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== this.lastX[i]) {
        same = false;
        break;
      }
    }
    if (!same) this.compute(x);
    return [this.lastF, this.lastG];
  }

  private compute(x: Float64Array): void {
    const n = x.length;
    this.lastX.set(x);
    const r = this.fun(Float64Array.from(x));
    const [f, g] = Array.isArray(r)
      ? r
      : [(r as { cost: number }).cost, (r as { grad: ArrayLike<number> }).grad];
    if (typeof f !== 'number')
      throw new Error(`minimize: the objective must return a number, got ${typeof f}`);
    if (g.length !== n) throw new Error(`minimize: gradient has length ${g.length}, expected ${n} (len(x0))`);
    this.nfev++;
    this.lastF = f;
    for (let i = 0; i < n; i++) this.lastG[i] = g[i];
  }
}

/** tnc()'s parameter defaults and scaling, then the minimisation; x is updated in place. */
function tnc(
  x: Float64Array,
  memo: MemoObjective,
  low: Float64Array,
  up: Float64Array,
  o: TncOptions,
  maxnfeval: number,
): { rc: number; niter: number } {
  const n = x.length;
  if (n === 0) return { rc: TNC_STATUS.CONSTANT, niter: 0 };
  for (let i = 0; i < n; i++) if (low[i] > up[i]) return { rc: TNC_STATUS.INFEASIBLE, niter: 0 };
  coercex(x, low, up);
  if (maxnfeval < 1) return { rc: TNC_STATUS.MAXFUN, niter: 0 };

  const fg = { f: 0 };
  const gfull = new Float64Array(n);
  const call = (at: Float64Array, g: Float64Array): number => {
    const [f, grad] = memo.eval(at);
    g.set(grad);
    return f;
  };
  fg.f = call(x, gfull);
  const nfeval = { value: 1 };

  const scale = o.scale !== undefined && o.scale.length > 0 ? o.scale : null;
  const offset = o.offset !== undefined && o.offset.length > 0 ? o.offset : null;
  let nc = 0;
  for (let i = 0; i < n; i++) if (low[i] === up[i] || (scale !== null && scale[i] === 0)) nc++;
  if (nc === n) return { rc: TNC_STATUS.CONSTANT, niter: 0 };

  const xscale = new Float64Array(n);
  const xoffset = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (scale !== null) {
      xscale[i] = Math.abs(scale[i]);
      // scipy 1.10 leaves xoffset uninitialised here (fixed upstream later); x0 is the sane value.
      xoffset[i] = x[i];
      if (xscale[i] === 0) xoffset[i] = low[i] = up[i] = x[i];
    } else if (low[i] !== -HUGE && up[i] !== HUGE) {
      xscale[i] = up[i] - low[i];
      xoffset[i] = (up[i] + low[i]) * 0.5;
    } else {
      xscale[i] = 1 + Math.abs(x[i]);
      xoffset[i] = x[i];
    }
    if (offset !== null) xoffset[i] = offset[i];
  }

  const rteps = Math.sqrt(EPS);
  let stepmx = o.stepmx ?? 0;
  if (stepmx < rteps * 10) stepmx = 10;
  let eta = o.eta ?? -1;
  if (eta < 0 || eta >= 1) eta = 0.25;
  let rescale = o.rescale ?? -1;
  if (rescale < 0) rescale = 1.3;
  let maxCGit = o.maxCGit ?? -1;
  if (maxCGit < 0) maxCGit = Math.min(50, Math.max(1, Math.trunc(n / 2)));
  if (maxCGit > n) maxCGit = n;
  let accuracy = o.accuracy ?? 0;
  if (accuracy <= EPS) accuracy = rteps;
  let ftol = o.ftol ?? -1;
  if (ftol < 0) ftol = accuracy;
  let pgtol = o.gtol ?? -1;
  if (pgtol < 0) pgtol = 1e-2 * Math.sqrt(accuracy);
  let xtol = o.xtol ?? -1;
  if (xtol < 0) xtol = rteps;

  const p: Problem = { n, call, low, up, xscale, xoffset, nfeval, maxnfeval, accuracy, callback: o.callback };
  return tncMinimize(p, x, fg, gfull, maxCGit, eta, stepmx, o.minfev ?? 0, ftol, xtol, pgtol, rescale);
}

interface Problem {
  n: number;
  call: (x: Float64Array, g: Float64Array) => number;
  low: Float64Array;
  up: Float64Array;
  xscale: Float64Array;
  xoffset: Float64Array;
  nfeval: { value: number };
  maxnfeval: number;
  accuracy: number;
  callback: ((x: Float64Array) => void) | undefined;
}

/** Preconditioner memory shared by the direction and msolve: last step/gradient change and their sums. */
interface Precond {
  upd1: boolean;
  lreset: boolean;
  yksk: number;
  yrsr: number;
  sk: Float64Array;
  yk: Float64Array;
  sr: Float64Array;
  yr: Float64Array;
  diagb: Float64Array;
}

function tncMinimize(
  p: Problem,
  x: Float64Array,
  fg: { f: number },
  gfull: Float64Array,
  maxCGit: number,
  eta: number,
  stepmx: number,
  fmin: number,
  ftol: number,
  xtol: number,
  pgtol: number,
  rescale: number,
): { rc: number; niter: number } {
  const { n, low, up, xscale, xoffset, nfeval } = p;
  let niter = 0;
  const oldg = new Float64Array(n);
  const g = new Float64Array(n);
  const temp = new Float64Array(n);
  const pk = new Float64Array(n);
  const pivot = new Int32Array(n);
  const pc: Precond = {
    upd1: true,
    lreset: false,
    yksk: 0,
    yrsr: 0,
    sk: new Float64Array(n),
    yk: new Float64Array(n),
    sr: new Float64Array(n),
    yr: new Float64Array(n),
    diagb: new Float64Array(n),
  };
  let fscale = 1;
  let difnew = 0;
  let epsred = 0.05;
  let icycle = n - 1;
  let newcon = true;
  let alpha = 0;
  let rc: number;

  scalex(x, xscale, xoffset);
  fg.f *= fscale;
  setConstraints(x, pivot, xscale, xoffset, low, up);
  g.set(gfull);
  scaleg(g, xscale, fscale);
  // Lagrange multipliers of active bounds must be non-negative.
  for (let i = 0; i < n; i++) if (-pivot[i] * g[i] < 0) pivot[i] = 0;
  project(g, pivot);
  let gnorm = dnrm2(g);
  let fLastConstraint = fg.f;
  let fLastReset = fg.f;
  pc.diagb.fill(1);

  for (;;) {
    if (dnrm2(g) <= pgtol * fscale) {
      rc = TNC_STATUS.LOCALMINIMUM;
      break;
    }
    if (nfeval.value >= p.maxnfeval) {
      rc = TNC_STATUS.MAXFUN;
      break;
    }

    let newscale = dnrm2(g);
    if (newscale > EPS && Math.abs(Math.log10(newscale)) > rescale) {
      newscale = 1 / newscale;
      fg.f *= newscale;
      fscale *= newscale;
      gnorm *= newscale;
      fLastConstraint *= newscale;
      fLastReset *= newscale;
      difnew *= newscale;
      for (let i = 0; i < n; i++) g[i] *= newscale;
      pc.diagb.fill(1);
      pc.upd1 = true;
      icycle = n - 1;
      newcon = true;
    }

    temp.set(x);
    project(temp, pivot);
    const xnorm = dnrm2(temp);
    const oldnfeval = nfeval.value;

    tncDirection(p, pc, pk, x, g, maxCGit, fscale, pivot, gnorm, xnorm);

    if (!newcon) {
      if (!pc.lreset) {
        for (let i = 0; i < n; i++) {
          pc.sr[i] += pc.sk[i];
          pc.yr[i] += pc.yk[i];
        }
        icycle++;
      } else {
        pc.sr.set(pc.sk);
        pc.yr.set(pc.yk);
        fLastReset = fg.f;
        icycle = 1;
      }
    }

    oldg.set(g);
    const oldf = fg.f;
    const oldgtp = ddot(pk, g);
    const ustpmax = stepmx / (dnrm2(pk) + EPS);
    const spe = stepMax(ustpmax, x, pk, pivot, low, up, xscale, xoffset);

    if (spe > 0) {
      alpha = initialStep(fg.f, fmin / fscale, oldgtp, spe);
      const ls = linearSearch(p, fscale, pivot, eta, ftol, spe, pk, x, fg, alpha, gfull);
      alpha = ls.alpha;
      if (ls.rc === 'fail') {
        rc = TNC_STATUS.LSFAIL;
        break;
      }
      if (alpha >= 0.9 * ustpmax) stepmx *= 1e2;
      if (alpha - spe >= -EPS * 10) {
        newcon = true;
      } else {
        if (ls.rc !== 'ok') {
          rc = ls.rc === 'maxfun' ? TNC_STATUS.MAXFUN : TNC_STATUS.LSFAIL;
          break;
        }
        newcon = false;
      }
    } else {
      newcon = true;
    }

    if (newcon) {
      if (!addConstraint(x, pk, pivot, low, up, xscale, xoffset)) {
        if (nfeval.value === oldnfeval) {
          rc = TNC_STATUS.NOPROGRESS;
          break;
        }
      }
      fLastConstraint = fg.f;
    }

    niter++;
    if (p.callback) {
      temp.set(x);
      unscalex(temp, xscale, xoffset);
      p.callback(Float64Array.from(temp));
    }

    const difold = difnew;
    difnew = oldf - fg.f;
    // First iteration of a new cycle: adapt the percentage-reduction factor of the resetting test.
    if (icycle === 1) {
      if (difnew > difold * 2) epsred += epsred;
      if (difnew < difold * 0.5) epsred *= 0.5;
    }

    g.set(gfull);
    scaleg(g, xscale, fscale);
    temp.set(g);
    project(temp, pivot);
    gnorm = dnrm2(temp);

    const remcon = removeConstraint(oldgtp, gnorm, pgtol * fscale, fg.f, fLastConstraint, g, pivot);
    if (remcon) {
      temp.set(g);
      project(temp, pivot);
      gnorm = dnrm2(temp);
      fLastConstraint = fg.f;
    }

    if (!remcon && !newcon) {
      if (Math.abs(difnew) <= ftol * fscale) {
        rc = TNC_STATUS.FCONVERGED;
        break;
      }
      if (alpha * dnrm2(pk) <= xtol) {
        rc = TNC_STATUS.XCONVERGED;
        break;
      }
    }

    project(g, pivot);

    if (!newcon) {
      for (let i = 0; i < n; i++) {
        pc.yk[i] = g[i] - oldg[i];
        pc.sk[i] = alpha * pk[i];
      }
      pc.yksk = ddot(pc.yk, pc.sk);
      if (icycle === n - 1 || difnew < epsred * (fLastReset - fg.f)) {
        pc.lreset = true;
      } else {
        pc.yrsr = ddot(pc.yr, pc.sr);
        pc.lreset = pc.yrsr <= 0;
      }
      pc.upd1 = false;
    }
  }

  unscalex(x, xscale, xoffset);
  coercex(x, low, up);
  fg.f /= fscale;
  return { rc, niter };
}

function coercex(x: Float64Array, low: Float64Array, up: Float64Array): void {
  for (let i = 0; i < x.length; i++) {
    if (x[i] < low[i]) x[i] = low[i];
    else if (x[i] > up[i]) x[i] = up[i];
  }
}

function unscalex(x: Float64Array, xscale: Float64Array, xoffset: Float64Array): void {
  for (let i = 0; i < x.length; i++) x[i] = x[i] * xscale[i] + xoffset[i];
}

function scalex(x: Float64Array, xscale: Float64Array, xoffset: Float64Array): void {
  for (let i = 0; i < x.length; i++) if (xscale[i] > 0) x[i] = (x[i] - xoffset[i]) / xscale[i];
}

function scaleg(g: Float64Array, xscale: Float64Array, fscale: number): void {
  for (let i = 0; i < g.length; i++) g[i] *= xscale[i] * fscale;
}

/** pivot: 0 free, −1 at the lower bound, +1 at the upper bound, 2 constant. */
function setConstraints(
  x: Float64Array,
  pivot: Int32Array,
  xscale: Float64Array,
  xoffset: Float64Array,
  low: Float64Array,
  up: Float64Array,
): void {
  for (let i = 0; i < x.length; i++) {
    if (xscale[i] === 0) pivot[i] = 2;
    else if (low[i] !== -HUGE && x[i] * xscale[i] + xoffset[i] - low[i] <= EPS * 10 * (Math.abs(low[i]) + 1))
      pivot[i] = -1;
    else if (up[i] !== HUGE && x[i] * xscale[i] + xoffset[i] - up[i] >= EPS * 10 * (Math.abs(up[i]) + 1))
      pivot[i] = 1;
    else pivot[i] = 0;
  }
}

function project(x: Float64Array, pivot: Int32Array): void {
  for (let i = 0; i < x.length; i++) if (pivot[i] !== 0) x[i] = 0;
}

/** Largest step ≤ `step` along dir that keeps the free variables inside their bounds. */
function stepMax(
  step: number,
  x: Float64Array,
  dir: Float64Array,
  pivot: Int32Array,
  low: Float64Array,
  up: Float64Array,
  xscale: Float64Array,
  xoffset: Float64Array,
): number {
  for (let i = 0; i < x.length; i++) {
    if (pivot[i] === 0 && dir[i] !== 0) {
      if (dir[i] < 0) {
        const t = (low[i] - xoffset[i]) / xscale[i] - x[i];
        if (t > step * dir[i]) step = t / dir[i];
      } else {
        const t = (up[i] - xoffset[i]) / xscale[i] - x[i];
        if (t < step * dir[i]) step = t / dir[i];
      }
    }
  }
  return step;
}

function addConstraint(
  x: Float64Array,
  p: Float64Array,
  pivot: Int32Array,
  low: Float64Array,
  up: Float64Array,
  xscale: Float64Array,
  xoffset: Float64Array,
): boolean {
  let newcon = false;
  for (let i = 0; i < x.length; i++) {
    if (pivot[i] === 0 && p[i] !== 0) {
      if (p[i] < 0 && low[i] !== -HUGE) {
        const tol = EPS * 10 * (Math.abs(low[i]) + 1);
        if (x[i] * xscale[i] + xoffset[i] - low[i] <= tol) {
          pivot[i] = -1;
          x[i] = (low[i] - xoffset[i]) / xscale[i];
          newcon = true;
        }
      } else if (up[i] !== HUGE) {
        const tol = EPS * 10 * (Math.abs(up[i]) + 1);
        if (up[i] - (x[i] * xscale[i] + xoffset[i]) <= tol) {
          pivot[i] = 1;
          x[i] = (up[i] - xoffset[i]) / xscale[i];
          newcon = true;
        }
      }
    }
  }
  return newcon;
}

/** Releases the active bound with the most negative Lagrange multiplier once progress on the face stalls. */
function removeConstraint(
  gtpnew: number,
  gnorm: number,
  pgtolfs: number,
  f: number,
  fLastConstraint: number,
  g: Float64Array,
  pivot: Int32Array,
): boolean {
  if (fLastConstraint - f <= gtpnew * -0.5 && gnorm > pgtolfs) return false;
  let imax = -1;
  let cmax = 0;
  for (let i = 0; i < g.length; i++) {
    if (pivot[i] === 2) continue;
    const t = -pivot[i] * g[i];
    if (t < cmax) {
      cmax = t;
      imax = i;
    }
  }
  if (imax !== -1) {
    pivot[imax] = 0;
    return true;
  }
  return false;
}

/** Truncated preconditioned CG on H·z = −g; writes the direction into zsol and updates diagb. */
function tncDirection(
  p: Problem,
  pc: Precond,
  zsol: Float64Array,
  x: Float64Array,
  g: Float64Array,
  maxCGit: number,
  fscale: number,
  pivot: Int32Array,
  gnorm: number,
  xnorm: number,
): void {
  const n = p.n;
  if (maxCGit === 0) {
    for (let i = 0; i < n; i++) zsol[i] = -g[i];
    project(zsol, pivot);
    return;
  }
  const rhsnrm = gnorm;
  const tol = 1e-12;
  let qold = 0;
  let rzold = 0;
  const r = new Float64Array(n);
  const v = new Float64Array(n);
  const zk = new Float64Array(n);
  const emat = new Float64Array(n);
  const gv = new Float64Array(n);

  initPreconditioner(pc, emat);
  for (let i = 0; i < n; i++) {
    r[i] = -g[i];
    v[i] = 0;
    zsol[i] = 0;
  }

  for (let k = 0; k < maxCGit; k++) {
    project(r, pivot);
    msolve(pc, r, zk);
    project(zk, pivot);
    const rz = ddot(r, zk);
    if (rz / rhsnrm < tol || p.nfeval.value >= p.maxnfeval - 1) {
      // Emergency or budget exhausted: fall back to steepest descent on the first iteration.
      if (k === 0) {
        for (let i = 0; i < n; i++) zsol[i] = -g[i];
        project(zsol, pivot);
      }
      break;
    }
    const beta = k === 0 ? 0 : rz / rzold;
    for (let i = 0; i < n; i++) v[i] = zk[i] + beta * v[i];
    project(v, pivot);
    hessianTimesVector(p, v, gv, x, g, fscale, xnorm);
    p.nfeval.value++;
    project(gv, pivot);

    const vgv = ddot(v, gv);
    if (vgv / rhsnrm < tol) {
      // Non-positive curvature: take the preconditioned steepest-descent direction on the first iteration.
      if (k === 0) {
        msolve(pc, g, zsol);
        for (let i = 0; i < n; i++) zsol[i] = -zsol[i];
        project(zsol, pivot);
      }
      break;
    }
    diagonalScaling(emat, v, gv, r);

    const alpha = rz / vgv;
    for (let i = 0; i < n; i++) zsol[i] += alpha * v[i];
    for (let i = 0; i < n; i++) r[i] += -alpha * gv[i];

    const gtp = ddot(zsol, g);
    const pr = ddot(r, zsol);
    const qnew = (gtp + pr) * 0.5;
    const qtest = (k + 1) * (1 - qold / qnew);
    if (qtest <= 0.5) break;
    if (gtp > 0) {
      // Cautionary test: the direction stopped being a descent direction; undo the last step.
      for (let i = 0; i < n; i++) zsol[i] += -alpha * v[i];
      break;
    }
    qold = qnew;
    rzold = rz;
  }
  pc.diagb.set(emat);
}

/** Diagonal BFGS update of the preconditioner: e += −r²/(vᵀr) + (Hv)²/(vᵀHv), reset to 1 where ≤ 1e−6. */
function diagonalScaling(e: Float64Array, v: Float64Array, gv: Float64Array, r: Float64Array): void {
  const vr = 1 / ddot(v, r);
  const vgv = 1 / ddot(v, gv);
  for (let i = 0; i < e.length; i++) {
    e[i] += -r[i] * r[i] * vr + gv[i] * gv[i] * vgv;
    if (e[i] <= 1e-6) e[i] = 1;
  }
}

/** First trial step: 2|f − fmin|/(−gᵀp) when that is at most 1 (and |f − fmin| ≥ ε), capped at smax. */
function initialStep(fnew: number, fmin: number, gtp: number, smax: number): number {
  const d = Math.abs(fnew - fmin);
  let alpha = 1;
  if (d * 2 <= -gtp && d >= EPS) alpha = (d * -2) / gtp;
  if (alpha >= smax) alpha = smax;
  return alpha;
}

/** H·v ≈ (∇f(x + δv) − ∇f(x))/δ in scaled variables, δ = accuracy·(‖x‖ + 1). */
function hessianTimesVector(
  p: Problem,
  v: Float64Array,
  gv: Float64Array,
  x: Float64Array,
  g: Float64Array,
  fscale: number,
  xnorm: number,
): void {
  const n = p.n;
  const delta = p.accuracy * (xnorm + 1);
  const xv = new Float64Array(n);
  for (let i = 0; i < n; i++) xv[i] = x[i] + delta * v[i];
  unscalex(xv, p.xscale, p.xoffset);
  coercex(xv, p.low, p.up);
  p.call(xv, gv);
  scaleg(gv, p.xscale, fscale);
  const dinv = 1 / delta;
  for (let i = 0; i < n; i++) gv[i] = (gv[i] - g[i]) * dinv;
  for (let i = 0; i < n; i++) if (p.xscale[i] === 0) gv[i] = 0;
}

/** y = M⁻¹g with M⁻¹ the two-step self-scaled BFGS update of diag(diagb)⁻¹ (plain diagonal when upd1). */
function msolve(pc: Precond, g: Float64Array, y: Float64Array): void {
  const n = g.length;
  const { sk, yk, sr, yr, diagb } = pc;
  if (pc.upd1) {
    for (let i = 0; i < n; i++) y[i] = g[i] / diagb[i];
    return;
  }
  const gsk = ddot(g, sk);
  const hg = new Float64Array(n);
  const hyk = new Float64Array(n);
  if (pc.lreset) {
    for (let i = 0; i < n; i++) {
      const rdiagb = 1 / diagb[i];
      hg[i] = g[i] * rdiagb;
      hyk[i] = yk[i] * rdiagb;
    }
    const ykhyk = ddot(yk, hyk);
    const ghyk = ddot(g, hyk);
    ssbfgs(sk, hg, hyk, pc.yksk, ykhyk, gsk, ghyk, y);
  } else {
    const hyr = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const rdiagb = 1 / diagb[i];
      hg[i] = g[i] * rdiagb;
      hyk[i] = yk[i] * rdiagb;
      hyr[i] = yr[i] * rdiagb;
    }
    const gsr = ddot(g, sr);
    const ghyr = ddot(g, hyr);
    const yrhyr = ddot(yr, hyr);
    ssbfgs(sr, hg, hyr, pc.yrsr, yrhyr, gsr, ghyr, hg);
    const yksr = ddot(yk, sr);
    const ykhyr = ddot(yk, hyr);
    ssbfgs(sr, hyk, hyr, pc.yrsr, yrhyr, yksr, ykhyr, hyk);
    const ykhyk = ddot(hyk, yk);
    const ghyk = ddot(hyk, g);
    ssbfgs(sk, hg, hyk, pc.yksk, ykhyk, gsk, ghyk, y);
  }
}

/** Self-scaled BFGS (γ = 1): H_{j+1}v = Hv + δ·s + β·Hy with β = −vᵀs/yᵀs, δ = (yᵀHy/yᵀs + 1)·vᵀs/yᵀs − vᵀHy/yᵀs. */
function ssbfgs(
  sj: Float64Array,
  hjv: Float64Array,
  hjyj: Float64Array,
  yjsj: number,
  yjhyj: number,
  vsj: number,
  vhyj: number,
  hjp1v: Float64Array,
): void {
  const gamma = 1;
  let delta: number;
  let beta: number;
  if (yjsj === 0) {
    delta = 0;
    beta = 0;
  } else {
    delta = (((gamma * yjhyj) / yjsj + 1) * vsj) / yjsj - (gamma * vhyj) / yjsj;
    beta = (-gamma * vsj) / yjsj;
  }
  for (let i = 0; i < sj.length; i++) hjp1v[i] = gamma * hjv[i] + delta * sj[i] + beta * hjyj[i];
}

/** Diagonal of the BFGS-updated approximate Hessian, the starting preconditioner of this CG run. */
function initPreconditioner(pc: Precond, emat: Float64Array): void {
  const n = emat.length;
  const { diagb, sk, yk, sr, yr } = pc;
  if (pc.upd1) {
    emat.set(diagb);
    return;
  }
  const bsk = new Float64Array(n);
  let yksk = pc.yksk;
  if (pc.lreset) {
    for (let i = 0; i < n; i++) bsk[i] = diagb[i] * sk[i];
    let sds = ddot(sk, bsk);
    if (yksk === 0) yksk = 1;
    if (sds === 0) sds = 1;
    for (let i = 0; i < n; i++) {
      const td = diagb[i];
      emat[i] = td - (td * td * sk[i] * sk[i]) / sds + (yk[i] * yk[i]) / yksk;
    }
  } else {
    let yrsr = pc.yrsr;
    for (let i = 0; i < n; i++) bsk[i] = diagb[i] * sr[i];
    let sds = ddot(sr, bsk);
    const srds = ddot(sk, bsk);
    const yrsk = ddot(yr, sk);
    if (yrsr === 0) yrsr = 1;
    if (sds === 0) sds = 1;
    for (let i = 0; i < n; i++) {
      const td = diagb[i];
      bsk[i] = td * sk[i] - (bsk[i] * srds) / sds + (yr[i] * yrsk) / yrsr;
      emat[i] = td - (td * td * sr[i] * sr[i]) / sds + (yr[i] * yr[i]) / yrsr;
    }
    sds = ddot(sk, bsk);
    if (yksk === 0) yksk = 1;
    if (sds === 0) sds = 1;
    for (let i = 0; i < n; i++) emat[i] -= (bsk[i] * bsk[i]) / sds + (yk[i] * yk[i]) / yksk;
  }
}

/** State of Gill and Murray's step-length search (getptc), in the search's own origin-shifted coordinates. */
interface Getptc {
  reltol: number;
  abstol: number;
  tnytol: number;
  xbnd: number;
  u: number;
  fu: number;
  gu: number;
  xmin: number;
  fmin: number;
  gmin: number;
  xw: number;
  fw: number;
  gw: number;
  a: number;
  b: number;
  oldf: number;
  b1: number;
  scxbnd: number;
  e: number;
  step: number;
  factor: number;
  braktd: boolean;
  gtest1: number;
  gtest2: number;
  tol: number;
}

function linearSearch(
  p: Problem,
  fscale: number,
  pivot: Int32Array,
  eta: number,
  ftol: number,
  xbnd: number,
  dir: Float64Array,
  x: Float64Array,
  fg: { f: number },
  alpha0: number,
  gfull: Float64Array,
): { rc: LsRc; alpha: number } {
  const n = p.n;
  const maxlsit = 64;
  const temp = new Float64Array(n);
  const tempgfull = new Float64Array(n);
  const newgfull = new Float64Array(n);

  temp.set(gfull);
  scaleg(temp, p.xscale, fscale);
  const gu0 = ddot(temp, dir);
  temp.set(x);
  project(temp, pivot);
  const xnorm = dnrm2(temp);

  const rteps = Math.sqrt(EPS);
  const pe = dnrm2(dir) + EPS;
  const s: Getptc = {
    reltol: (rteps * (xnorm + 1)) / pe,
    abstol: (-EPS * (1 + Math.abs(fg.f))) / (gu0 - EPS),
    tnytol: (EPS * (xnorm + 1)) / pe,
    xbnd,
    u: alpha0,
    fu: fg.f,
    gu: gu0,
    xmin: 0,
    fmin: fg.f,
    gmin: 0,
    xw: 0,
    fw: 0,
    gw: 0,
    a: 0,
    b: 0,
    oldf: 0,
    b1: 0,
    scxbnd: 0,
    e: 0,
    step: 0,
    factor: 0,
    braktd: false,
    gtest1: 0,
    gtest2: 0,
    tol: 0,
  };
  const rtsmll = EPS;
  const big = 1 / (EPS * EPS);
  const fpresn = ftol;
  const rmu = 1e-4;
  let itcnt = 0;

  let itest = getptcInit(s, eta, rmu);
  while (itest === 'eval') {
    if (++itcnt > maxlsit || p.nfeval.value >= p.maxnfeval) break;
    const ualpha = s.xmin + s.u;
    for (let i = 0; i < n; i++) temp[i] = x[i] + ualpha * dir[i];
    unscalex(temp, p.xscale, p.xoffset);
    coercex(temp, p.low, p.up);
    s.fu = p.call(temp, tempgfull);
    ++p.nfeval.value;
    s.fu *= fscale;
    temp.set(tempgfull);
    scaleg(temp, p.xscale, fscale);
    s.gu = ddot(temp, dir);
    itest = getptcIter(s, big, rtsmll, fpresn);
    if (s.xmin === ualpha) newgfull.set(tempgfull);
  }

  if (itest === 'ok') {
    fg.f = s.fmin;
    for (let i = 0; i < n; i++) x[i] += s.xmin * dir[i];
    gfull.set(newgfull);
    return { rc: 'ok', alpha: s.xmin };
  }
  if (itcnt > maxlsit) return { rc: 'fail', alpha: s.xmin };
  if (itest !== 'eval') return { rc: 'fail', alpha: s.xmin };
  return { rc: 'maxfun', alpha: s.xmin };
}

function getptcInit(s: Getptc, eta: number, rmu: number): GetptcRc {
  if (s.u <= 0 || s.xbnd <= s.tnytol || s.gu > 0) return 'einval';
  if (s.xbnd < s.abstol) s.abstol = s.xbnd;
  s.tol = s.abstol;
  // [a, b] brackets the minimum; xmin and xw hold the lowest and second-lowest values so far.
  s.a = 0;
  s.xw = 0;
  s.xmin = 0;
  s.oldf = s.fu;
  s.fmin = s.fu;
  s.fw = s.fu;
  s.gw = s.gu;
  s.gmin = s.gu;
  s.step = s.u;
  s.factor = 5;
  s.braktd = false;
  s.scxbnd = s.xbnd;
  s.b = s.scxbnd + s.reltol * Math.abs(s.scxbnd) + s.abstol;
  s.e = s.b + s.b;
  s.b1 = s.b;
  s.gtest1 = -rmu * s.gu;
  s.gtest2 = -eta * s.gu;
  clampStep(s);
  return 'eval';
}

/** A step at or past the (scaled) bound lands on the bound, which moves left by its own tolerance. */
function clampStep(s: Getptc): void {
  if (s.step >= s.scxbnd) {
    s.step = s.scxbnd;
    s.scxbnd -= (s.reltol * Math.abs(s.xbnd) + s.abstol) / (1 + s.reltol);
  }
  s.u = s.step;
  if (Math.abs(s.step) < s.tol && s.step < 0) s.u = -s.tol;
  if (Math.abs(s.step) < s.tol && s.step >= 0) s.u = s.tol;
}

function getptcIter(s: Getptc, big: number, rtsmll: number, fpresn: number): GetptcRc {
  let accepted = false;
  if (s.fu <= s.fmin) {
    const chordu = s.oldf - (s.xmin + s.u) * s.gtest1;
    if (s.fu > chordu) {
      // No sufficient decrease: treat the point as an upper bound and steer the interpolation toward the
      // root of f(α) = chord(α).
      const chordm = s.oldf - s.xmin * s.gtest1;
      s.gu = -s.gmin;
      let denom = chordm - s.fmin;
      if (Math.abs(denom) < 1e-15) {
        denom = 1e-15;
        if (chordm - s.fmin < 0) denom = -denom;
      }
      if (s.xmin !== 0) s.gu = (s.gmin * (chordu - s.fu)) / denom;
      s.fu = 0.5 * s.u * (s.gmin + s.gu) + s.fmin;
      if (s.fu < s.fmin) s.fu = s.fmin;
    } else {
      s.fw = s.fmin;
      s.fmin = s.fu;
      s.gw = s.gmin;
      s.gmin = s.gu;
      s.xmin += s.u;
      s.a -= s.u;
      s.b -= s.u;
      s.xw = -s.u;
      s.scxbnd -= s.u;
      if (s.gu <= 0) {
        s.a = 0;
      } else {
        s.b = 0;
        s.braktd = true;
      }
      s.tol = Math.abs(s.xmin) * s.reltol + s.abstol;
      accepted = true;
    }
  }
  if (!accepted) {
    if (s.u < 0) {
      s.a = s.u;
    } else {
      s.b = s.u;
      s.braktd = true;
    }
    s.xw = s.u;
    s.fw = s.fu;
    s.gw = s.gu;
  }

  let twotol = s.tol + s.tol;
  const xmidpt = 0.5 * (s.a + s.b);
  const convrg =
    Math.abs(xmidpt) <= twotol - 0.5 * (s.b - s.a) ||
    (Math.abs(s.gmin) <= s.gtest2 && s.fmin < s.oldf && (Math.abs(s.xmin - s.xbnd) > s.tol || !s.braktd));
  if (convrg) {
    if (s.xmin !== 0) return 'ok';
    // f not reduced: if the change in f is larger than the δ-unimodality estimate tol suggests, shrink tol.
    if (Math.abs(s.oldf - s.fw) <= fpresn) return 'fail';
    s.tol = 0.1 * s.tol;
    if (s.tol < s.tnytol) return 'fail';
    s.reltol = 0.1 * s.reltol;
    s.abstol = 0.1 * s.abstol;
    twotol = 0.1 * twotol;
  }

  let r = 0;
  let q = 0;
  let ss = 0;
  let minimumFound = false;
  if (Math.abs(s.e) > s.tol) {
    // Cubic through xmin and xw.
    r = (3 * (s.fmin - s.fw)) / s.xw + s.gmin + s.gw;
    const absr = Math.abs(r);
    q = absr;
    if (s.gw !== 0 && s.gmin !== 0) {
      // sqrt(r² − gmin·gw) without underflow or overflow.
      const abgw = Math.abs(s.gw);
      const abgmin = Math.abs(s.gmin);
      ss = Math.sqrt(abgmin) * Math.sqrt(abgw);
      if ((s.gw / abgw) * s.gmin > 0) {
        if (r >= ss || r <= -ss) {
          q = Math.sqrt(Math.abs(r + ss)) * Math.sqrt(Math.abs(r - ss));
        } else {
          r = 0;
          q = 0;
          minimumFound = true;
        }
      } else {
        let sumsq = 1;
        let pp = 0;
        let scale: number;
        if (absr >= ss) {
          if (absr > rtsmll) pp = absr * rtsmll;
          if (ss >= pp) {
            const value = ss / absr;
            sumsq = 1 + value * value;
          }
          scale = absr;
        } else {
          if (ss > rtsmll) pp = ss * rtsmll;
          if (absr >= pp) {
            const value = absr / ss;
            sumsq = 1 + value * value;
          }
          scale = ss;
        }
        sumsq = Math.sqrt(sumsq);
        q = big;
        if (scale < big / sumsq) q = scale * sumsq;
      }
    }
    if (!minimumFound) {
      if (s.xw < 0) q = -q;
      ss = s.xw * (s.gmin - r - q);
      q = s.gw - s.gmin + q + q;
      if (q > 0) ss = -ss;
      if (q <= 0) q = -q;
      r = s.e;
      if (s.b1 !== s.step || s.braktd) s.e = s.step;
    }
  }

  // An artificial bound on the step.
  let a1 = s.a;
  s.b1 = s.b;
  s.step = xmidpt;
  if (!s.braktd || (s.a === 0 && s.xw < 0) || (s.b === 0 && s.xw > 0)) {
    if (s.braktd) {
      const d1 = s.xw;
      let d2 = s.a;
      if (s.a === 0) d2 = s.b;
      s.u = -d1 / d2;
      s.step = (5 * d2 * (0.1 + 1 / s.u)) / 11;
      if (s.u < 1) s.step = 0.5 * d2 * Math.sqrt(s.u);
    } else {
      s.step = -s.factor * s.xw;
      if (s.step > s.scxbnd) s.step = s.scxbnd;
      if (s.step !== s.scxbnd) s.factor = 5 * s.factor;
    }
    if (s.step <= 0) a1 = s.step;
    if (s.step > 0) s.b1 = s.step;
  }

  // Reject the interpolated step outside the interval or larger than half the last-but-one step.
  if (Math.abs(ss) <= Math.abs(0.5 * q * r) || ss <= q * a1 || ss >= q * s.b1) {
    s.e = s.b - s.a;
  } else {
    s.step = ss / q;
    if (s.step - s.a < twotol || s.b - s.step < twotol) s.step = xmidpt <= 0 ? -s.tol : s.tol;
  }
  clampStep(s);
  return 'eval';
}

function ddot(dx: Float64Array, dy: Float64Array): number {
  let t = 0;
  for (let i = 0; i < dx.length; i++) t += dy[i] * dx[i];
  return t;
}

/** ‖x‖₂ with the running scaling of the reference BLAS (no overflow), in the same operation order as tnc.c. */
function dnrm2(dx: Float64Array): number {
  let dssq = 1;
  let dscale = 0;
  for (let i = 0; i < dx.length; i++) {
    if (dx[i] !== 0) {
      const dabsxi = Math.abs(dx[i]);
      if (dscale < dabsxi) {
        const ratio = dscale / dabsxi;
        dssq = 1 + dssq * ratio * ratio;
        dscale = dabsxi;
      } else {
        const ratio = dabsxi / dscale;
        dssq += ratio * ratio;
      }
    }
  }
  return dscale * Math.sqrt(dssq);
}
