/**
 * The hand-written networks of Problem 2 (the Coursera "ex4" notebook and the homework's deeper variant), in
 * float64 and vectorised over all m examples: matrix products go through the Backend's gemm, elementwise
 * work is tight loops over Float64Arrays.
 *
 * Conventions of the original notebook, kept so the numbers compare: a layer's weights Θ⁽ˡ⁾ are an
 * (s_{l+1} × (s_l + 1)) matrix whose column 0 multiplies the bias unit 1 that is prepended to the layer's
 * input; the parameter vector is the concatenation of the Θ⁽ˡ⁾ unrolled row by row (numpy's ravel); label
 * k ∈ 1..10 is the one-hot column k − 1 (10 stands for the digit 0).
 */
import { type Backend, getBackend, Rng } from 'nnlab';

/** A fully connected sigmoid network: layer sizes and the steepness k of the hidden units' σ(k·z). */
export interface NetSpec {
  /** Units per layer, input first, e.g. [400, 25, 10]. */
  sizes: number[];
  /** Hidden activation σ_k(z) = 1/(1 + e^(−k·z)): k = 1 logistic (original), k = 2 the homework's scaled σ̂. */
  hiddenScale: number;
}

/** The original notebook's net: 400 → 25 logistic → 10 logistic. */
export const NET_ORIGINAL: NetSpec = { sizes: [400, 25, 10], hiddenScale: 1 };
/**
 * The homework's net: 400 → 20 σ̂ → 20 σ̂ → 10 with σ̂(z) = 1/(1 + e^(−2z)); the output layer stays the
 * logistic σ of the original, so the cost stays the same binary cross-entropy.
 */
export const NET_TWO_HIDDEN: NetSpec = { sizes: [400, 20, 20, 10], hiddenScale: 2 };

/** Number of parameters Σ_l s_{l+1}·(s_l + 1) (25·401 + 10·26 = 10285 for the original net). */
export function paramCount(spec: NetSpec): number {
  let n = 0;
  for (let l = 0; l + 1 < spec.sizes.length; l++) n += spec.sizes[l + 1] * (spec.sizes[l] + 1);
  return n;
}

/** sigmoid(z, k) = 1/(1 + e^(−k·z)); k = 2 is the homework's scaled sigmoid σ̂(z) = 1/(1 + e^(−2z)). */
export function sigmoid(z: number, k = 1): number {
  return 1 / (1 + Math.exp(-k * z));
}

/** sigmoidGradient(z, k) = d/dz σ(k·z) = k·σ(kz)·(1 − σ(kz)); 2σ̂(1 − σ̂) for the scaled sigmoid. */
export function sigmoidGradient(z: number, k = 1): number {
  const s = sigmoid(z, k);
  return k * s * (1 - s);
}

/** Uniform initial parameters in [−ε, ε) (the notebook's (random − 0.5)·0.25, i.e. ε = 0.125), drawn from rng. */
export function initParams(spec: NetSpec, rng: Rng, epsilon = 0.125): Float64Array {
  const p = new Float64Array(paramCount(spec));
  for (let i = 0; i < p.length; i++) p[i] = rng.uniformIn(-epsilon, epsilon);
  return p;
}

/** Per-layer activations of a forward pass: a[0] = [1, X], a[l] = [1, σ(z[l])], and the output h = a[L]. */
export interface ForwardPass {
  /** a[l] for l < L: m × (s_l + 1) with the bias column; valid until the next call on the same network. */
  a: Float64Array[];
  /** z[l] = a[l−1]·Θ⁽ˡ⁾ᵀ, m × s_l (z[0] is unused and empty). */
  z: Float64Array[];
  /** h = σ(z[L]), m × s_L. */
  h: Float64Array;
}

/**
 * A network bound to a data set of m examples, owning the workspace of its forward and backward passes
 * (backend memory, reused across the hundreds of evaluations an optimiser makes).
 */
export class Ex4Network {
  readonly spec: NetSpec;
  readonly m: number;
  readonly backend: Backend;
  private readonly theta: Float64Array[];
  private readonly gradTheta: Float64Array[];
  private readonly a: Float64Array[];
  private readonly z: Float64Array[];
  private readonly delta: Float64Array[];
  private readonly back: Float64Array[];
  private readonly yOneHot: Float64Array | null;
  private readonly owned: Float64Array[] = [];

  /**
   * X is m × s_0 row-major; y holds labels 1..s_L (label k ↦ output k − 1), or null for a network that only
   * predicts (cost and backprop then throw).
   */
  constructor(spec: NetSpec, X: Float64Array, y: ArrayLike<number> | null, backend: Backend = getBackend()) {
    const sizes = spec.sizes;
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new Error(`Ex4Network: invalid layer sizes [${sizes.join(', ')}]`);
    }
    if (!(spec.hiddenScale > 0))
      throw new Error(`Ex4Network: hiddenScale must be > 0, got ${spec.hiddenScale}`);
    const m = y === null ? X.length / sizes[0] : y.length;
    if (!Number.isInteger(m) || m < 1 || X.length !== m * sizes[0]) {
      throw new Error(
        `Ex4Network: X has ${X.length} values, expected m·${sizes[0]} for m = ${y === null ? 'X.length/' + sizes[0] : m} examples`,
      );
    }
    this.spec = spec;
    this.m = m;
    this.backend = backend;
    const L = sizes.length - 1;
    const alloc = (n: number): Float64Array => {
      const arr = backend.alloc('float64', n) as Float64Array;
      this.owned.push(arr);
      return arr;
    };
    this.theta = [];
    this.gradTheta = [];
    this.a = [];
    this.z = [new Float64Array(0)];
    this.delta = [new Float64Array(0)];
    this.back = [new Float64Array(0)];
    for (let l = 0; l < L; l++) {
      this.theta.push(alloc(sizes[l + 1] * (sizes[l] + 1)));
      this.gradTheta.push(alloc(sizes[l + 1] * (sizes[l] + 1)));
      this.a.push(alloc(m * (sizes[l] + 1)));
    }
    for (let l = 1; l <= L; l++) {
      this.z.push(alloc(m * sizes[l]));
      this.delta.push(alloc(m * sizes[l]));
      this.back.push(l < L ? alloc(m * (sizes[l] + 1)) : new Float64Array(0));
    }
    const a0 = this.a[0];
    const s0 = sizes[0];
    for (let i = 0; i < m; i++) {
      a0[i * (s0 + 1)] = 1;
      a0.set(X.subarray(i * s0, (i + 1) * s0), i * (s0 + 1) + 1);
    }
    this.yOneHot = y === null ? null : oneHotLabels(y, sizes[L]);
  }

  /** Returns the backend memory; the network must not be used afterwards. */
  dispose(): void {
    for (const arr of this.owned) this.backend.free(arr);
    this.owned.length = 0;
  }

  private labels(fn: string): Float64Array {
    if (this.yOneHot === null)
      throw new Error(`Ex4Network.${fn}: this network was built without labels (y = null)`);
    return this.yOneHot;
  }

  private loadParams(params: ArrayLike<number>): void {
    const n = paramCount(this.spec);
    if (params.length !== n) throw new Error(`Ex4Network: params has length ${params.length}, expected ${n}`);
    let off = 0;
    for (const t of this.theta) {
      for (let i = 0; i < t.length; i++) t[i] = params[off + i];
      off += t.length;
    }
  }

  /**
   * forward_propagate: a⁽¹⁾ = [1, X]; z⁽ˡ⁺¹⁾ = a⁽ˡ⁾·Θ⁽ˡ⁾ᵀ; a⁽ˡ⁺¹⁾ = [1, σ_k(z⁽ˡ⁺¹⁾)] for hidden layers
   * (k = hiddenScale) and h = σ(z⁽ᴸ⁾) (logistic) at the output.
   */
  forwardPropagate(params: ArrayLike<number>): ForwardPass {
    this.loadParams(params);
    const { sizes, hiddenScale } = this.spec;
    const L = sizes.length - 1;
    const m = this.m;
    for (let l = 1; l <= L; l++) {
      const z = this.z[l];
      this.backend.gemm(
        false,
        true,
        m,
        sizes[l],
        sizes[l - 1] + 1,
        1,
        this.a[l - 1],
        this.theta[l - 1],
        0,
        z,
      );
      if (l < L) {
        const a = this.a[l];
        const s = sizes[l];
        for (let i = 0; i < m; i++) {
          a[i * (s + 1)] = 1;
          for (let j = 0; j < s; j++)
            a[i * (s + 1) + 1 + j] = 1 / (1 + Math.exp(-hiddenScale * z[i * s + j]));
        }
      }
    }
    const zL = this.z[L];
    const h = this.delta[L];
    for (let i = 0; i < zL.length; i++) h[i] = 1 / (1 + Math.exp(-zL[i]));
    return { a: this.a, z: this.z, h };
  }

  /**
   * cost: J(Θ) = (1/m)·Σ_i Σ_k [−y_ik·log h_ik − (1 − y_ik)·log(1 − h_ik)] + λ/(2m)·Σ_l Σ_{j, c≥1} (Θ⁽ˡ⁾_jc)²
   * (bias columns not regularised; λ = 0 is the unregularised cost). log h and log(1 − h) are computed from
   * the output pre-activation z as −softplus(−z) and −softplus(z), which equals the formula above and stays
   * finite when h rounds to 0 or 1.
   */
  cost(params: ArrayLike<number>, lambda = 0): number {
    this.forwardPropagate(params);
    return this.costFromForward(lambda);
  }

  private costFromForward(lambda: number): number {
    const L = this.spec.sizes.length - 1;
    const zL = this.z[L];
    const y = this.labels('cost');
    let j = 0;
    for (let i = 0; i < zL.length; i++) {
      const z = zL[i];
      // softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^(−|z|)); softplus(−z) = softplus(z) − z.
      const spPos = Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
      j += y[i] * (spPos - z) + (1 - y[i]) * spPos;
    }
    j /= this.m;
    if (lambda !== 0) j += (lambda / (2 * this.m)) * this.sumSquaredWeights();
    return j;
  }

  private sumSquaredWeights(): number {
    const sizes = this.spec.sizes;
    let s = 0;
    for (let l = 0; l < this.theta.length; l++) {
      const t = this.theta[l];
      const cols = sizes[l] + 1;
      for (let r = 0; r < sizes[l + 1]; r++) for (let c = 1; c < cols; c++) s += t[r * cols + c] ** 2;
    }
    return s;
  }

  /**
   * backprop: the cost J and its gradient, unrolled like the parameters. With δ⁽ᴸ⁾ = h − y,
   * δ⁽ˡ⁾ = (δ⁽ˡ⁺¹⁾·Θ⁽ˡ⁾)[:, 1:] ⊙ σ_k′(z⁽ˡ⁾), σ_k′ = k·σ_k·(1 − σ_k), the gradient is
   * ∂J/∂Θ⁽ˡ⁾ = (1/m)·δ⁽ˡ⁺¹⁾ᵀ·a⁽ˡ⁾ + (λ/m)·Θ⁽ˡ⁾ with the bias column's λ term left out.
   */
  backprop(params: ArrayLike<number>, lambda = 0): { cost: number; grad: Float64Array } {
    const { h } = this.forwardPropagate(params);
    const cost = this.costFromForward(lambda);
    const { sizes, hiddenScale } = this.spec;
    const L = sizes.length - 1;
    const m = this.m;
    const y = this.labels('backprop');
    const dL = h; // δ⁽ᴸ⁾ overwrites h in place: h − y
    for (let i = 0; i < dL.length; i++) dL[i] -= y[i];
    for (let l = L; l >= 1; l--) {
      const d = this.delta[l];
      const cols = sizes[l - 1] + 1;
      const g = this.gradTheta[l - 1];
      this.backend.gemm(true, false, sizes[l], cols, m, 1 / m, d, this.a[l - 1], 0, g);
      if (lambda !== 0) {
        const t = this.theta[l - 1];
        const r = lambda / m;
        for (let row = 0; row < sizes[l]; row++)
          for (let c = 1; c < cols; c++) g[row * cols + c] += r * t[row * cols + c];
      }
      if (l > 1) {
        // back = δ⁽ˡ⁾·Θ⁽ˡ⁻¹⁾ (m × (s_{l−1}+1)); drop its bias column and multiply by σ_k′ of layer l−1.
        const back = this.back[l - 1];
        this.backend.gemm(false, false, m, cols, sizes[l], 1, d, this.theta[l - 1], 0, back);
        const s = sizes[l - 1];
        const prev = this.delta[l - 1];
        const a = this.a[l - 1];
        for (let i = 0; i < m; i++) {
          for (let jj = 0; jj < s; jj++) {
            const act = a[i * (s + 1) + 1 + jj];
            prev[i * s + jj] = back[i * (s + 1) + 1 + jj] * hiddenScale * act * (1 - act);
          }
        }
      }
    }
    const grad = new Float64Array(paramCount(this.spec));
    let off = 0;
    for (const g of this.gradTheta) {
      grad.set(g, off);
      off += g.length;
    }
    return { cost, grad };
  }

  /** Predicted labels 1..s_L: 1 + argmax_k h_ik (first maximum on ties, like numpy's argmax). */
  predict(params: ArrayLike<number>): Int32Array {
    const { h } = this.forwardPropagate(params);
    const K = this.spec.sizes[this.spec.sizes.length - 1];
    const out = new Int32Array(this.m);
    for (let i = 0; i < this.m; i++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (h[i * K + k] > h[i * K + best]) best = k;
      out[i] = best + 1;
    }
    return out;
  }

  /** Fraction of examples whose predicted label equals y. */
  accuracy(params: ArrayLike<number>, y: ArrayLike<number>): number {
    const pred = this.predict(params);
    let ok = 0;
    for (let i = 0; i < this.m; i++) if (pred[i] === y[i]) ok++;
    return ok / this.m;
  }
}

/** Y[i, k − 1] = 1 for label y[i] = k ∈ 1..K, as an m × K row-major matrix. */
function oneHotLabels(y: ArrayLike<number>, K: number): Float64Array {
  const out = new Float64Array(y.length * K);
  for (let i = 0; i < y.length; i++) {
    const k = y[i];
    if (!Number.isInteger(k) || k < 1 || k > K)
      throw new Error(`Ex4Network: label y[${i}] = ${k} is not in 1..${K}`);
    out[i * K + k - 1] = 1;
  }
  return out;
}

/** One-shot forward_propagate(X, params) of the homework: the m × s_L outputs h (allocates a network for one call). */
export function forwardPropagate(spec: NetSpec, params: ArrayLike<number>, X: Float64Array): Float64Array {
  return withNetwork(spec, X, null, (net) => Float64Array.from(net.forwardPropagate(params).h));
}

/** One-shot cost(params, X, y, λ) of the homework; λ = 0 is the unregularised version. */
export function cost(
  spec: NetSpec,
  params: ArrayLike<number>,
  X: Float64Array,
  y: ArrayLike<number>,
  lambda = 0,
): number {
  return withNetwork(spec, X, y, (net) => net.cost(params, lambda));
}

/** One-shot backprop(params, X, y, λ) of the homework: { cost, grad }; λ = 0 is the unregularised version. */
export function backprop(
  spec: NetSpec,
  params: ArrayLike<number>,
  X: Float64Array,
  y: ArrayLike<number>,
  lambda = 0,
): { cost: number; grad: Float64Array } {
  return withNetwork(spec, X, y, (net) => net.backprop(params, lambda));
}

function withNetwork<T>(
  spec: NetSpec,
  X: Float64Array,
  y: ArrayLike<number> | null,
  f: (net: Ex4Network) => T,
): T {
  const net = new Ex4Network(spec, X, y);
  try {
    return f(net);
  } finally {
    net.dispose();
  }
}
