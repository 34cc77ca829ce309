/**
 * The kernel interface every layer calls. Two implementations exist: `reference` (plain TypeScript, any
 * float dtype; the ground truth of the tests) and `wasm` (AssemblyScript SIMD; float32 everywhere and
 * float64 GEMM, other float64 calls fall through to the reference).
 *
 * Conventions: dense matrices are row-major; images are NCHW; convolution weights are
 * [cOut, cIn, kh, kw]. Output arrays are overwritten unless a doc comment says "accumulates". Arrays
 * given to the wasm backend must come from its `alloc` (they live in the module's memory).
 */
export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;

/** Names of the elementwise activations the kernels know. */
export type ActivationKind = 'linear' | 'sigmoid' | 'scaledSigmoid' | 'tanh' | 'relu' | 'leakyRelu';

/** Geometry of a 2-D convolution over NCHW input; padding is given explicitly (same/valid resolved by the layer). */
export interface ConvGeometry {
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  outH: number;
  outW: number;
}

/** Geometry of a 2-D pooling window over NCHW input (no padding). */
export interface PoolGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  outH: number;
  outW: number;
}

/**
 * Batch-norm layout: x is [n, c, s] (s = 1 for dense input, s = H·W for conv input); statistics are per
 * channel c over the n·s values.
 */
export interface BatchNormGeometry {
  n: number;
  c: number;
  s: number;
}

export interface Backend {
  readonly name: 'reference' | 'wasm';
  /** A zero-filled array of `length` elements of `dtype`, owned by this backend. */
  alloc(dtype: DType, length: number): FloatArray;
  /** Returns an array from `alloc` to the backend; the array must not be used afterwards. */
  free(array: FloatArray): void;

  /** C = alpha·op(A)·op(B) + beta·C, with op(A) m×k, op(B) k×n, C m×n; A is m×k (k×m if transA), B is k×n (n×k if transB). */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: FloatArray,
    b: FloatArray,
    beta: number,
    c: FloatArray,
  ): void;

  /** y[n,co,oh,ow] = b[co] + Σ_{ci,i,j} w[co,ci,i,j]·x[n,ci,oh·sh+i−pt,ow·sw+j−pl] (zero outside x); b may be null. */
  conv2dForward(g: ConvGeometry, x: FloatArray, w: FloatArray, b: FloatArray | null, y: FloatArray): void;
  /** dx = ∂L/∂x given dy = ∂L/∂y (overwrites dx). */
  conv2dBackwardInput(g: ConvGeometry, dy: FloatArray, w: FloatArray, dx: FloatArray): void;
  /** dw = ∂L/∂w and db[co] = Σ dy[·,co,·,·] (overwrite; db may be null). */
  conv2dBackwardFilter(
    g: ConvGeometry,
    x: FloatArray,
    dy: FloatArray,
    dw: FloatArray,
    db: FloatArray | null,
  ): void;

  /** y = max over each window; argmax records the flat index into x of each maximum (first one on ties). */
  maxPool2dForward(g: PoolGeometry, x: FloatArray, y: FloatArray, argmax: Int32Array): void;
  /** dx = scatter of dy into the argmax positions (dx is overwritten, zeros elsewhere). */
  maxPool2dBackward(g: PoolGeometry, dy: FloatArray, argmax: Int32Array, dx: FloatArray): void;
  /** y = mean over each window. */
  avgPool2dForward(g: PoolGeometry, x: FloatArray, y: FloatArray): void;
  /** dx[i] = Σ over windows containing i of dy/(kh·kw) (overwrites dx). */
  avgPool2dBackward(g: PoolGeometry, dy: FloatArray, dx: FloatArray): void;

  /**
   * y = f(x) elementwise: sigmoid(x) = 1/(1+e^−x), scaledSigmoid(x) = 1/(1+e^−2x), tanh, relu(x) = max(0,x),
   * leakyRelu(x) = x > 0 ? x : slope·x, linear(x) = x. `slope` is read by leakyRelu only.
   */
  activation(kind: ActivationKind, slope: number, x: FloatArray, y: FloatArray): void;
  /** dx = dy ⊙ f′(x), where y = f(x) is given too (sigmoid′ = y(1−y), scaledSigmoid′ = 2y(1−y), tanh′ = 1−y²). */
  activationGrad(
    kind: ActivationKind,
    slope: number,
    x: FloatArray,
    y: FloatArray,
    dy: FloatArray,
    dx: FloatArray,
  ): void;

  /**
   * Row-wise softmax with cross-entropy against target distributions t (one-hot or soft), numerically stable
   * (max subtracted): p = softmax(z), returns Σ_rows −Σ_j t_j·log p_j, and writes dz = p − t (not divided by rows).
   */
  softmaxCrossEntropy(
    rows: number,
    cols: number,
    z: FloatArray,
    t: FloatArray,
    p: FloatArray,
    dz: FloatArray,
  ): number;

  /**
   * Batch norm in training mode: μ, σ² are the batch mean and biased variance per channel,
   * y = γ·(x−μ)/√(σ²+ε) + β; saveMean = μ, saveInvStd = 1/√(σ²+ε); the moving statistics are updated as
   * moving = momentum·moving + (1−momentum)·batch, with the unbiased variance σ²·m/(m−1), m = n·s.
   */
  batchNormTrainForward(
    g: BatchNormGeometry,
    x: FloatArray,
    gamma: FloatArray,
    beta: FloatArray,
    movingMean: FloatArray,
    movingVar: FloatArray,
    momentum: number,
    eps: number,
    y: FloatArray,
    saveMean: FloatArray,
    saveInvStd: FloatArray,
  ): void;
  /** Inference: y = γ·(x − movingMean)/√(movingVar + ε) + β. */
  batchNormInferForward(
    g: BatchNormGeometry,
    x: FloatArray,
    gamma: FloatArray,
    beta: FloatArray,
    movingMean: FloatArray,
    movingVar: FloatArray,
    eps: number,
    y: FloatArray,
  ): void;
  /**
   * Backward of the training-mode forward: with x̂ = (x−μ)·invStd,
   * dβ = Σ dy, dγ = Σ dy·x̂, dx = γ·invStd/m·(m·dy − dβ − x̂·dγ) (overwrites dx, dgamma, dbeta).
   */
  batchNormBackward(
    g: BatchNormGeometry,
    x: FloatArray,
    gamma: FloatArray,
    saveMean: FloatArray,
    saveInvStd: FloatArray,
    dy: FloatArray,
    dx: FloatArray,
    dgamma: FloatArray,
    dbeta: FloatArray,
  ): void;

  /** x[r,c] += bias[c] for an rows×cols row-major x. */
  addRowVector(rows: number, cols: number, x: FloatArray, bias: FloatArray): void;
  /** out[c] = Σ_r x[r,c] (overwrites out). */
  sumRows(rows: number, cols: number, x: FloatArray, out: FloatArray): void;
  /** out = a ⊙ b elementwise (out may alias a). */
  mul(a: FloatArray, b: FloatArray, out: FloatArray): void;
  /** y += alpha·x. */
  axpy(alpha: number, x: FloatArray, y: FloatArray): void;
  /** Σ x. */
  sum(x: FloatArray): number;
  /** Σ x². */
  sumSquares(x: FloatArray): number;
  /** True if no element is NaN or ±Infinity. */
  allFinite(x: FloatArray): boolean;

  /**
   * SGD step with optional momentum and Nesterov (PyTorch/Keras semantics with weight decay folded into g):
   * g′ = g + wd·w; v = μ·v − lr·g′; w += nesterov ? μ·v − lr·g′ : v (μ = 0: w −= lr·g′; v unused).
   */
  sgdStep(
    w: FloatArray,
    g: FloatArray,
    v: FloatArray,
    lr: number,
    momentum: number,
    nesterov: boolean,
    weightDecay: number,
  ): void;
  /**
   * Adam step t (1-based): m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
   * w −= lr·(m/(1−β1^t)) / (√(v/(1−β2^t)) + ε).
   */
  adamStep(
    w: FloatArray,
    g: FloatArray,
    m: FloatArray,
    v: FloatArray,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    t: number,
  ): void;
}
