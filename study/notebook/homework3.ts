// %% [markdown]
// # Homework 3
//
// Every number, figure and sentence of discussion below is computed by the code cells of this notebook, run
// in the TypeScript kernel (tslab) against the nnlab library. Heavy training runs on nnlab's worker pool and is
// kept in a run directory: the first execution trains, later executions load the stored results in seconds,
// and an interrupted execution resumes from its checkpoints with identical numbers.

// %%
// The library (training engine, run store, display helper) and the homework's experiments and analyses.
import {
  minimize,
  NNLAB_VERSION,
  parseSetting,
  resolveConfig,
  Rng,
  runStored,
  show,
  type AnyExperiment,
  type StoredRunOptions,
} from 'nnlab';
import {
  p1,
  p2,
  p3,
  p4,
  p5,
  p1Section,
  p2Section,
  p3Section,
  p4Section,
  p5Section,
  showPart,
  initParams,
  initRng,
  p2Data,
} from 'nnlab-homework3';

// %% tags=["parameters"]
// Run parameters. `nnlab run` injects its --out, --quick, --seed, --set and --workers after this cell
// (as Object.assign(params, {...})); change them here when you run the notebook yourself in JupyterLab.
const params: StoredRunOptions = {
  out: '../../runs/latest',
  quick: false,
  seed: 1,
  settings: [],
  workers: 2,
};

// %%
// Every experiment below reads and writes this run directory with these settings.
const run: StoredRunOptions = { ...params };
const scale = [run.quick ? 'quick' : 'full', ...(run.settings ?? [])].join(', ');
console.log(`nnlab ${NNLAB_VERSION} · seed ${run.seed} · scale ${scale} · run directory ${run.out}`);

// %% [markdown]
// ## Problem 1 — Softmax activation function

// %%
// Finite-difference checks of both derivations in float64 (nothing to train).
const r1 = await runStored(p1, run);
const s1 = p1Section(r1);

// %% [markdown]
// ### Problem 1.1 — The Jacobian of the softmax
//
// Write $S = \sum_{l=1}^{k} e^{v_l}$, so that $o_i = e^{v_i}/S$. Only two derivatives are needed: the numerator $e^{v_i}$ depends on $v_j$ only when $i = j$, and every term of the denominator contributes once,
//
// $$\frac{\partial e^{v_i}}{\partial v_j} = \delta_{ij}\, e^{v_i}, \qquad \frac{\partial S}{\partial v_j} = e^{v_j},$$
//
// where $\delta_{ij}$ is 1 for $i = j$ and 0 otherwise. The quotient rule then gives
//
// $$\frac{\partial o_i}{\partial v_j} = \frac{\delta_{ij}\, e^{v_i}\, S - e^{v_i}\, e^{v_j}}{S^2} = \delta_{ij}\,\frac{e^{v_i}}{S} - \frac{e^{v_i}}{S}\cdot\frac{e^{v_j}}{S} = o_i\,(\delta_{ij} - o_j).$$
//
// Reading off the two cases:
//
// $$\frac{\partial o_i}{\partial v_i} = o_i\,(1 - o_i), \qquad \frac{\partial o_i}{\partial v_j} = -\,o_i\, o_j \quad (i \neq j).$$
//
// The same result follows in one line from the logarithm, $\log o_i = v_i - \log S$, whose derivative is $\partial \log o_i / \partial v_j = \delta_{ij} - e^{v_j}/S = \delta_{ij} - o_j$; multiplying by $o_i$ undoes the logarithm. As a check on the signs, each column of the Jacobian sums to zero, $\sum_i o_i(\delta_{ij} - o_j) = o_j - o_j \sum_i o_i = 0$, as it must because the outputs always sum to 1.

// %% [markdown]
// ### Problem 1.2 — The gradient of the cross-entropy
//
// The loss depends on $v_j$ only through the outputs, so by the chain rule and part 1,
//
// $$\frac{\partial L}{\partial v_j} = -\sum_{i=1}^{k} \frac{y_i}{o_i}\,\frac{\partial o_i}{\partial v_j} = -\sum_{i=1}^{k} \frac{y_i}{o_i}\, o_i\,(\delta_{ij} - o_j) = -\sum_{i=1}^{k} y_i\,\delta_{ij} + o_j \sum_{i=1}^{k} y_i .$$
//
// The first sum keeps only the term $i = j$, which is $y_j$. The label is one-hot, so exactly one $y_i$ equals 1 and the rest are 0, hence $\sum_i y_i = 1$. Therefore
//
// $$\frac{\partial L}{\partial v_j} = o_j - y_j, \qquad \text{or in vector form} \qquad \nabla_{v} L = o - y .$$
//
// The factor $1/o_i$ from the logarithm cancels the factor $o_i$ of the Jacobian, which is why the combined gradient is so simple and never divides by a small probability. The argument only used $\sum_i y_i = 1$, so it also holds for soft targets (label smoothing).

// %% [markdown]
// ### Numerical verification
//
// **Why the maximum is subtracted.** Multiplying numerator and denominator of $o_i$ by $e^{-c}$ shows $\operatorname{softmax}(v) = \operatorname{softmax}(v - c\,\mathbf{1})$ for every constant $c$. With $c = m = \max_j v_j$ every exponent is $\le 0$, so nothing overflows and the largest term is exactly $e^0 = 1$, so the denominator is at least 1. In float64, $e^{v}$ overflows to $\infty$ once $v > 709.78$, and the naive quotient then becomes $\infty/\infty = \text{NaN}$. The loss is computed the same way, $L = \log \sum_j e^{v_j - m} - (v_y - m)$, which never takes $\log 0$ even when $o_y$ underflows to 0.
//
// **How the check works.** Each column $j$ of the Jacobian is estimated by a central difference, $\big(o(v + h e_j) - o(v - h e_j)\big) / (2h)$, and each $\partial L/\partial v_j$ the same way, all in float64. The step is $h = \sqrt[3]{\varepsilon} \approx 6\times 10^{-6}$ for the softmax, and $h\,\max(1,|L|)^{1/3}$ for the loss, because rounding noise in $L$ grows with its size. Both steps balance the $O(h^2)$ truncation error against the $O(\varepsilon/h)$ rounding error. Each step is rounded to a representable number at $v_j$ before dividing, so it stays exact even at $|v_j| = 10^5$. The *noise floor* $\varepsilon \max(1,|L|)/h$ is the smallest gradient error that finite differences can resolve at all. A relative error divides the largest absolute error of a group by the group's largest analytic entry, floored at $10^{-6}$: a saturated softmax has derivatives that round to about 0, and dividing by them would say nothing. Every vector is also passed through nnlab's fused `softmaxCrossEntropy` kernel (the reference backend, float64), to check that the library computes the same $o - y$.

// %%
// The largest finite-difference errors of both derivations, by dimension and input scale, next to the noise floor.
await showPart(s1, 'Numerical verification');

// %% [markdown]
// ## Problem 2 — Neural network training and backpropagation

// %%
// Both networks over several seeds, each trained with TNC (250 evaluations) on the worker pool.
const r2 = await runStored(p2, run);
const s2 = p2Section(r2);
await showPart(s2, '2');

// %% [markdown]
// ### Problem 2.1 — sigmoid() returns the scaled sigmoid
//
// The scaled sigmoid is the logistic function evaluated at $2z$:
//
// $$\hat\sigma(z) = \frac{1}{1 + e^{-2z}} = \sigma(2z), \qquad \sigma(z) = \frac{1}{1 + e^{-z}} .$$
//
// It has the same range $(0, 1)$ and the same midpoint $\hat\sigma(0) = \tfrac12$ as $\sigma$, but it is twice as steep. It is exactly a shifted and rescaled $\tanh$: $\hat\sigma(z) = \tfrac12\,(1 + \tanh z)$. Our `sigmoid(z, k)` computes $1/(1 + e^{-kz})$: $k = 1$ is the original and $k = 2$ the homework's version. The network code calls it with the steepness of each layer, so the output layer can keep $k = 1$.

// %%
// sigmoid() and sigmoid_gradient() of the ex4 notebook, with the steepness k: k = 2 is the scaled σ̂.
const sigmoid = (z: number, k = 1): number => 1 / (1 + Math.exp(-k * z));
const sigmoidGradient = (z: number, k = 1): number => k * sigmoid(z, k) * (1 - sigmoid(z, k));
await show({
  kind: 'table',
  caption: 'The logistic sigmoid σ, the scaled sigmoid σ̂(z) = σ(2z) and their derivatives',
  columns: ['z', 'σ(z)', 'σ̂(z)', 'σ′(z)', 'σ̂′(z) = 2σ̂(1 − σ̂)'],
  rows: [-2, -1, 0, 1, 2].map((z) => [
    z,
    sigmoid(z).toFixed(4),
    sigmoid(z, 2).toFixed(4),
    sigmoidGradient(z).toFixed(4),
    sigmoidGradient(z, 2).toFixed(4),
  ]),
});

// %% [markdown]
// ### Problem 2.2 — forward_propagate() with two hidden layers
//
// With $m$ examples in the rows of $X$ and a column of ones prepended for the bias ($[\mathbf 1, \cdot]$), the forward pass of the 3-layer net (two hidden layers) is
//
// $$a^{(1)} = [\mathbf 1, X] \in \mathbb R^{m\times 401}, \qquad z^{(2)} = a^{(1)}\,\Theta^{(1)\top}, \qquad a^{(2)} = [\mathbf 1, \hat\sigma(z^{(2)})] \in \mathbb R^{m \times 21},$$
//
// $$z^{(3)} = a^{(2)}\,\Theta^{(2)\top}, \qquad a^{(3)} = [\mathbf 1, \hat\sigma(z^{(3)})] \in \mathbb R^{m\times 21}, \qquad z^{(4)} = a^{(3)}\,\Theta^{(3)\top}, \qquad h = \sigma(z^{(4)}) \in \mathbb R^{m \times 10},$$
//
// with $\Theta^{(1)} \in \mathbb R^{20\times 401}$, $\Theta^{(2)} \in \mathbb R^{20\times 21}$ and $\Theta^{(3)} \in \mathbb R^{10\times 21}$. The original net stops after $h = \sigma(a^{(2)}\Theta^{(2)\top})$, with 25 logistic hidden units. All three products are single matrix multiplications over all examples at once (the Backend's float64 `gemm`). The parameter vector is $\Theta^{(1)}, \Theta^{(2)}, \Theta^{(3)}$, each unrolled row by row, as numpy's `ravel` does in the notebook.

// %%
// The data of the experiment (its config: the full set, or a subset at quick scale) and forward_propagate():
// Θ⁽ˡ⁾ is an s_{l+1} × (s_l + 1) matrix, the parameters are the Θ⁽ˡ⁾ unrolled row by row, as numpy's ravel.
const config2 = resolveConfig(p2 as unknown as AnyExperiment, {
  quick: run.quick,
  settings: (run.settings ?? []).map(parseSetting).filter((s) => s.id === 'p2'),
});
const data = p2Data(config2 as unknown as Parameters<typeof p2Data>[0]);
const n = data.side * data.side;

/** Y = [1, A]·Θᵀ for A (m × cols) and Θ (rows × (cols + 1)): the bias column is prepended on the fly. */
function affine(A: Float64Array, m: number, cols: number, theta: Float64Array, rows: number): Float64Array {
  const Y = new Float64Array(m * rows);
  for (let i = 0; i < m; i++) {
    for (let r = 0; r < rows; r++) {
      const t = r * (cols + 1);
      let sum = theta[t];
      for (let c = 0; c < cols; c++) sum += A[i * cols + c] * theta[t + 1 + c];
      Y[i * rows + r] = sum;
    }
  }
  return Y;
}

/** forward_propagate(X, θ): the activations a⁽ˡ⁾ of every layer (hidden σ(k·z), output logistic σ). */
function forwardPropagate(
  X: Float64Array,
  m: number,
  theta: Float64Array,
  sizes: number[],
  k: number,
): Float64Array[] {
  const a = [X];
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const rows = sizes[l + 1];
    const count = rows * (sizes[l] + 1);
    const z = affine(a[l], m, sizes[l], theta.subarray(offset, offset + count), rows);
    const slope = l + 2 < sizes.length ? k : 1;
    a.push(z.map((v) => sigmoid(v, slope)));
    offset += count;
  }
  return a;
}
const sizesOf = (hidden: number[]): number[] => [n, ...hidden, 10];
console.log(
  `X: ${data.m} × ${n}, labels 1..10; nets ${sizesOf(config2.originalHidden as number[]).join('-')} and ${sizesOf(config2.deepHidden as number[]).join('-')}`,
);

// %% [markdown]
// ### Problem 2.3 — cost() with and without regularisation
//
// The cost is the mean over the $m$ examples of the binary cross-entropy summed over the $K = 10$ outputs, with one-hot targets $y_{ik} = 1$ exactly when example $i$ has label $k$:
//
// $$J(\Theta) = \frac{1}{m}\sum_{i=1}^{m}\sum_{k=1}^{K}\Big[-y_{ik}\log h_{ik} - (1 - y_{ik})\log(1 - h_{ik})\Big].$$
//
// The regularised version adds the squares of all weights except the bias columns (column 0 of every $\Theta^{(l)}$):
//
// $$J_\lambda(\Theta) = J(\Theta) + \frac{\lambda}{2m}\sum_{l=1}^{3}\sum_{j}\sum_{c \ge 1}\big(\Theta^{(l)}_{jc}\big)^2 .$$
//
// The cost is the same for both networks; only $h$ changes, through the extra layer. We evaluate $\log h = -\operatorname{softplus}(-z^{(4)})$ and $\log(1-h) = -\operatorname{softplus}(z^{(4)})$ from the pre-activation. This gives the same number as the formula but stays finite when $h$ rounds to 0 or 1. One function with $\lambda$ as an argument serves both versions: $\lambda = 0$ gives the unregularised one.

// %%
// cost(): the mean binary cross-entropy over the 10 outputs against one-hot labels, plus λ/(2m)·Σθ² without
// the bias columns. Checked against the experiment's own cost at the same initial parameters (seed index 0).
function cost(
  theta: Float64Array,
  X: Float64Array,
  y: Uint8Array,
  m: number,
  sizes: number[],
  k: number,
  lambda: number,
): number {
  const h = forwardPropagate(X, m, theta, sizes, k)[sizes.length - 1];
  let J = 0;
  for (let i = 0; i < m; i++) {
    for (let c = 0; c < 10; c++) {
      const p = h[i * 10 + c];
      J -= y[i] === c + 1 ? Math.log(p) : Math.log(1 - p);
    }
  }
  let reg = 0;
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const cols = sizes[l] + 1;
    for (let r = 0; r < sizes[l + 1]; r++)
      for (let c = 1; c < cols; c++) reg += theta[offset + r * cols + c] ** 2;
    offset += sizes[l + 1] * cols;
  }
  return J / m + (lambda / (2 * m)) * reg;
}
const nets2 = [
  { key: 'original' as const, sizes: sizesOf(config2.originalHidden as number[]), k: 1 },
  {
    key: 'deep' as const,
    sizes: sizesOf(config2.deepHidden as number[]),
    k: config2.deepHiddenScale as number,
  },
];
const theta0 = (net: (typeof nets2)[number]) =>
  initParams(
    { sizes: net.sizes, hiddenScale: net.k },
    initRng(run.seed ?? 1, 0, net.key),
    config2.initEpsilon as number,
  );
await show({
  kind: 'table',
  caption: `cost() of this notebook at the initial parameters of seed index 0, on all ${data.m} examples, against the experiment's`,
  columns: ['network', 'cost, λ = 0', `cost, λ = ${config2.lambda}`, 'experiment, λ = 0', 'experiment, λ'],
  rows: nets2.map((net) => {
    const mine = r2.initialCosts.find((c) => c.net === net.key);
    return [
      net.sizes.join('-'),
      cost(theta0(net), data.X, data.y, data.m, net.sizes, net.k, 0).toFixed(6),
      cost(theta0(net), data.X, data.y, data.m, net.sizes, net.k, config2.lambda as number).toFixed(6),
      mine?.unregularised.toFixed(6) ?? '—',
      mine?.regularised.toFixed(6) ?? '—',
    ];
  }),
});
await showPart(s2, '2.3');

// %% [markdown]
// ### Problem 2.4 — sigmoid_gradient() of the scaled sigmoid
//
// By the chain rule, the derivative of $\sigma(kz)$ is $k$ times $\sigma'$ at $kz$, and $\sigma' = \sigma(1 - \sigma)$. For $k = 2$:
//
// $$\hat\sigma'(z) = \frac{2e^{-2z}}{(1 + e^{-2z})^2} = 2\,\hat\sigma(z)\,\big(1 - \hat\sigma(z)\big).$$
//
// Its maximum, at $z = 0$, is $\tfrac12$, twice the logistic's $\tfrac14$. So each scaled-sigmoid layer passes back up to twice as much gradient, which offsets part of the shrinking that a second hidden layer adds. During backpropagation the derivative is computed from the stored activations $a = \hat\sigma(z)$ as $2a(1 - a)$, without a second exponential.

// %% [markdown]
// ### Problem 2.5 — backprop() with and without regularisation
//
// Backpropagation applies the chain rule layer by layer. Write $\odot$ for the elementwise product and $[\cdot]_{:,1:}$ for dropping the bias column. The output error is the same simple difference as in Problem 1, because the logistic output and the binary cross-entropy cancel in the same way:
//
// $$\delta^{(4)} = h - y, \qquad \delta^{(3)} = \big[\delta^{(4)}\,\Theta^{(3)}\big]_{:,1:} \odot \hat\sigma'(z^{(3)}), \qquad \delta^{(2)} = \big[\delta^{(3)}\,\Theta^{(2)}\big]_{:,1:} \odot \hat\sigma'(z^{(2)}),$$
//
// and the gradient of each weight matrix is the error times the layer's input, averaged over the examples:
//
// $$\frac{\partial J}{\partial \Theta^{(l)}} = \frac{1}{m}\,\delta^{(l+1)\top} a^{(l)}, \qquad \frac{\partial J_\lambda}{\partial \Theta^{(l)}_{jc}} = \frac{\partial J}{\partial \Theta^{(l)}_{jc}} + \frac{\lambda}{m}\,\Theta^{(l)}_{jc}\,[c \ge 1] \qquad (l = 1, 2, 3).$$
//
// `backprop` returns both the cost and this gradient, unrolled like the parameters, for $\lambda = 0$ (unregularised) and $\lambda > 0$ (regularised). It is checked against central finite differences below, and in the test suite for every parameter of small nets and a sample of the real ones.

// %%
// backprop(): the cost and its gradient in one pass; δ⁽ᴸ⁾ = h − y, then δ⁽ˡ⁾ = (δ⁽ˡ⁺¹⁾Θ⁽ˡ⁺¹⁾)[:, 1:] ⊙ σ′ going back.
function backprop(
  theta: Float64Array,
  X: Float64Array,
  y: Uint8Array,
  m: number,
  sizes: number[],
  k: number,
  lambda: number,
) {
  const a = forwardPropagate(X, m, theta, sizes, k);
  const L = sizes.length - 1;
  const offsets = [0];
  for (let l = 0; l < L; l++) offsets.push(offsets[l] + sizes[l + 1] * (sizes[l] + 1));
  const grad = new Float64Array(theta.length);
  let delta = a[L].map((h, idx) => h - (y[Math.floor(idx / 10)] === (idx % 10) + 1 ? 1 : 0));
  for (let l = L - 1; l >= 0; l--) {
    const rows = sizes[l + 1];
    const cols = sizes[l] + 1;
    const T = theta.subarray(offsets[l], offsets[l + 1]);
    const G = grad.subarray(offsets[l], offsets[l + 1]);
    for (let i = 0; i < m; i++) {
      for (let r = 0; r < rows; r++) {
        const d = delta[i * rows + r] / m;
        G[r * cols] += d;
        for (let c = 1; c < cols; c++) G[r * cols + c] += d * a[l][i * (cols - 1) + c - 1];
      }
    }
    for (let r = 0; r < rows; r++)
      for (let c = 1; c < cols; c++) G[r * cols + c] += (lambda / m) * T[r * cols + c];
    if (l === 0) break;
    // σ′ of the hidden layer in terms of its activation: k·a·(1 − a).
    const prev = new Float64Array(m * (cols - 1));
    for (let i = 0; i < m; i++) {
      for (let c = 1; c < cols; c++) {
        let s = 0;
        for (let r = 0; r < rows; r++) s += delta[i * rows + r] * T[r * cols + c];
        const act = a[l][i * (cols - 1) + c - 1];
        prev[i * (cols - 1) + c - 1] = s * k * act * (1 - act);
      }
    }
    delta = prev;
  }
  return { cost: cost(theta, X, y, m, sizes, k, lambda), grad };
}

// Check the gradient against central differences of cost() on a few examples and coordinates.
const few = 20;
const checkRng = new Rng(run.seed ?? 1).derive(7);
await show({
  kind: 'table',
  caption: `This notebook's backprop() against central differences (h = 1e−5), ${few} examples, 20 coordinates`,
  columns: ['network', 'λ', 'max |fd − grad|'],
  rows: nets2.flatMap((net) =>
    [0, config2.lambda as number].map((lambda) => {
      const theta = theta0(net);
      const X = data.X.subarray(0, few * n);
      const y = data.y.subarray(0, few);
      const { grad } = backprop(theta, X, y, few, net.sizes, net.k, lambda);
      let worst = 0;
      for (let t = 0; t < 20; t++) {
        const i = checkRng.int(theta.length);
        const keep = theta[i];
        theta[i] = keep + 1e-5;
        const fp = cost(theta, X, y, few, net.sizes, net.k, lambda);
        theta[i] = keep - 1e-5;
        const fm = cost(theta, X, y, few, net.sizes, net.k, lambda);
        theta[i] = keep;
        worst = Math.max(worst, Math.abs((fp - fm) / 2e-5 - grad[i]));
      }
      return [net.sizes.join('-'), lambda, worst.toExponential(1)];
    }),
  ),
});
await showPart(s2, '2.5');

// %% [markdown]
// ### Problem 2.6 — Training with TNC, hyperparameters unchanged

// %%
// Train the homework's net as the notebook does with scipy:
// minimize(fun=backprop, x0=params, args=(X, y, learning_rate), method='TNC', jac=True, options={'maxiter': 250})
// (scipy's TNC then read maxiter as the number of function evaluations, nnlab's maxfun).
const deep = nets2[1];
const fmin = minimize(
  (theta) => backprop(theta, data.X, data.y, data.m, deep.sizes, deep.k, config2.lambda as number),
  theta0(deep),
  { method: 'TNC', jac: true, maxfun: config2.maxfun as number },
);
const pooled = r2.runs.find((r) => r.net === 'deep' && r.seedIndex === 0);
console.log(
  `this notebook's backprop: cost ${fmin.fun.toFixed(6)} after ${fmin.nfev} evaluations, ${fmin.nit} iterations, status ${fmin.status}`,
);
console.log(
  `the experiment (same start, nnlab's float64 kernels): cost ${pooled?.finalCost.toFixed(6)} after ${pooled?.nfev} evaluations`,
);

// %%
// Every seed of both nets, trained by the experiment on the worker pool.
await showPart(s2, '2.6');

// %% [markdown]
// ### Problem 2.7 — Predictions and accuracy

// %%
// Predictions: the output unit with the largest activation, label = index + 1; accuracy on the training set.
const h = forwardPropagate(data.X, data.m, fmin.x, deep.sizes, deep.k)[deep.sizes.length - 1];
let correct = 0;
for (let i = 0; i < data.m; i++) {
  let best = 0;
  for (let c = 1; c < 10; c++) if (h[i * 10 + c] > h[i * 10 + best]) best = c;
  if (best + 1 === data.y[i]) correct++;
}
console.log(
  `accuracy = ${((100 * correct) / data.m).toFixed(2)}% (${correct} of ${data.m}) with this notebook's trained parameters`,
);
await showPart(s2, '2.7');

// %% [markdown]
// ### Problem 2.8 — Comparison with the 2-layer network

// %%
// Accuracy and cost of both nets over the seeds, and the paired difference seed by seed.
await showPart(s2, '2.8');

// %% [markdown]
// ## Problem 3 — Weight initialisation, dead neurons, leaky ReLU

// %%
// Gradients per layer at initialisation for each initialiser, then the dying-ReLU study over many narrow nets.
const r3 = await runStored(p3, run);
const s3 = p3Section(r3);
await showPart(s3, '3');

// %% [markdown]
// ### 3.1 Vanishing gradients with RandomNormal initialisation

// %%
// Per-layer gradient distributions of the tanh and sigmoid nets for each RandomNormal σ, at initialisation and after training.
await showPart(s3, '3.1');

// %% [markdown]
// ### 3.2 Xavier (Glorot normal) initialisation

// %%
// The same gradients under Glorot normal initialisation, against the RandomNormal ones.
await showPart(s3, '3.2');

// %% [markdown]
// ### 3.3 Dying ReLU: collapse of deep, narrow networks

// %%
// How many ReLU nets end constant: born dead or died in training, against Lu et al.'s bounds.
await showPart(s3, '3.3');

// %% [markdown]
// ### 3.4 Leaky ReLU

// %%
// The same nets with leaky ReLU: how many end constant, and how the nearly flat ones recover.
await showPart(s3, '3.4');

// %% [markdown]
// ## Problem 4 — Batch normalisation, dropout, MNIST

// %%
// LeNet-5 in four variants (batch norm, dropout, both) × seeds on MNIST, 10 epochs of SGD each.
const r4 = await runStored(p4, run);
const s4 = p4Section(r4);
await showPart(s4, '4');

// %% [markdown]
// ### 4.1 Co-adaptation and internal covariate shift
//
// **Co-adaptation** (Srivastava et al., 2014). In a network trained by backpropagation each unit's gradient depends on what the other units currently do, so units can learn to *fix each other's mistakes*: a feature detector becomes useful only in the presence of a few specific partners instead of being useful on its own. Example: in a digit classifier, one hidden unit may respond to a fragment of a stroke that only means "7" when another unit simultaneously cancels its false alarms on "1"s; the pair works on the training images, but the combination is brittle and memorises quirks of the training set, which is overfitting. Dropout removes each unit at random (with probability $p$) during training, so no unit can rely on a particular partner being present; every unit must carry information that is useful in many random sub-networks. At test time all units are used, with activations scaled by $1-p$ (or, as here, training activations scaled by $1/(1-p)$: inverted dropout), which approximates averaging the predictions of the $2^n$ thinned networks.
//
// **Internal covariate shift** (Ioffe & Szegedy, 2015). *Covariate shift* is a change in the distribution of a model's inputs between training and use. Inside a deep network, each layer's input is the previous layer's output, and that distribution changes at every step because the earlier layers' weights change. Example: if an update doubles the weights of conv1, every activation that conv2 receives doubles; conv2's weights, tuned for the old scale, are now wrong, and with saturating units (sigmoid, tanh) many inputs move into the flat regions where gradients vanish. Each layer keeps chasing a moving target, which forces small learning rates and careful initialisation. Batch normalisation normalises every channel over the minibatch, $\hat x = (x - \mu_B)/\sqrt{\sigma_B^2 + \epsilon}$, then restores the representational freedom with a learned scale and shift, $y = \gamma \hat x + \beta$. The next layer then sees inputs whose mean and scale are controlled by two parameters per channel instead of by every weight upstream. (Later work, e.g. Santurkar et al. 2018, argues that the benefit comes mainly from a smoother loss landscape rather than from reducing the shift itself; the practical effects are the same: larger usable learning rates and faster training. The noise of minibatch statistics also acts as a mild regulariser.)

// %% [markdown]
// ### 4.2 Standardised input, batch normalisation in the hidden layers

// %%
// Accuracy and loss of LeNet-5 with standardised input and batch norm in the hidden layers, over the seeds.
await showPart(s4, '4.2');

// %% [markdown]
// ### 4.3 Batch normalisation on the input instead of standardisation

// %%
// Batch norm on the raw input instead of standardisation, compared with 4.2.
await showPart(s4, '4.3');

// %% [markdown]
// ### 4.4 Dropout instead of batch normalisation

// %%
// Dropout instead of batch norm: its curves and its comparison with 4.2 and 4.3.
await showPart(s4, '4.4');

// %% [markdown]
// ### 4.5 Batch normalisation and dropout together

// %%
// Batch norm and dropout together, and the gap between training- and inference-mode accuracy.
await showPart(s4, '4.5');

// %% [markdown]
// #### Summary of Problem 4

// %%
// Final accuracies and losses of every variant over the seeds.
await showPart(s4, 'Summary of Problem 4');

// %% [markdown]
// ## Problem 5 — Learning rate, batch size, Fashion-MNIST

// %%
// The learning-rate sweep and range test, the cyclical learning rate, and the batch-size schedule on Fashion-MNIST.
const r5 = await runStored(p5, run);
const s5 = p5Section(r5);
await showPart(s5, '5');

// %% [markdown]
// ### 5.1 Training loss as a function of the learning rate

// %%
// Training loss after a few epochs at each fixed lr, the range test, and the lr bounds they give.
await showPart(s5, '5.1');

// %% [markdown]
// ### 5.2 Cyclical learning rate with exponential decay

// %%
// Training with the cyclical lr between those bounds, its amplitude decaying every cycle.
await showPart(s5, '5.2');

// %% [markdown]
// ### 5.3 Growing the batch size at a fixed learning rate

// %%
// Training at a fixed lr while the batch size grows stage by stage.
await showPart(s5, '5.3');
