/**
 * Problem 1's report section: both derivations (softmax Jacobian, cross-entropy gradient) as typeset maths,
 * the max-subtraction argument, and the finite-difference verification measured by the p1 experiment.
 */
import type { P1Case, P1Result } from '../experiments/p1.js';
import type { Block, TableOutput } from 'nnlab';

const sci = (x: number): string => (x === 0 ? '0' : x.toExponential(1));

const JACOBIAN_DERIVATION = String.raw`Write $S = \sum_{l=1}^{k} e^{v_l}$, so that $o_i = e^{v_i}/S$. Only two derivatives are needed: the numerator $e^{v_i}$ depends on $v_j$ only when $i = j$, and every term of the denominator contributes once,

$$\frac{\partial e^{v_i}}{\partial v_j} = \delta_{ij}\, e^{v_i}, \qquad \frac{\partial S}{\partial v_j} = e^{v_j},$$

where $\delta_{ij}$ is 1 for $i = j$ and 0 otherwise. The quotient rule then gives

$$\frac{\partial o_i}{\partial v_j} = \frac{\delta_{ij}\, e^{v_i}\, S - e^{v_i}\, e^{v_j}}{S^2} = \delta_{ij}\,\frac{e^{v_i}}{S} - \frac{e^{v_i}}{S}\cdot\frac{e^{v_j}}{S} = o_i\,(\delta_{ij} - o_j).$$

Reading off the two cases:

$$\frac{\partial o_i}{\partial v_i} = o_i\,(1 - o_i), \qquad \frac{\partial o_i}{\partial v_j} = -\,o_i\, o_j \quad (i \neq j).$$

The same result follows in one line from the logarithm, $\log o_i = v_i - \log S$, whose derivative is $\partial \log o_i / \partial v_j = \delta_{ij} - e^{v_j}/S = \delta_{ij} - o_j$; multiplying by $o_i$ undoes the logarithm. As a check on the signs, each column of the Jacobian sums to zero, $\sum_i o_i(\delta_{ij} - o_j) = o_j - o_j \sum_i o_i = 0$, as it must because the outputs always sum to 1.`;

const GRADIENT_DERIVATION = String.raw`The loss depends on $v_j$ only through the outputs, so by the chain rule and part 1,

$$\frac{\partial L}{\partial v_j} = -\sum_{i=1}^{k} \frac{y_i}{o_i}\,\frac{\partial o_i}{\partial v_j} = -\sum_{i=1}^{k} \frac{y_i}{o_i}\, o_i\,(\delta_{ij} - o_j) = -\sum_{i=1}^{k} y_i\,\delta_{ij} + o_j \sum_{i=1}^{k} y_i .$$

The first sum keeps only the term $i = j$, which is $y_j$. The label is one-hot, so exactly one $y_i$ equals 1 and the rest are 0, hence $\sum_i y_i = 1$. Therefore

$$\frac{\partial L}{\partial v_j} = o_j - y_j, \qquad \text{or in vector form} \qquad \nabla_{v} L = o - y .$$

The factor $1/o_i$ from the logarithm cancels the factor $o_i$ of the Jacobian, which is why the combined gradient is so simple and never divides by a small probability. The argument only used $\sum_i y_i = 1$, so it also holds for soft targets (label smoothing).`;

const STABILITY = String.raw`**Why the maximum is subtracted.** Multiplying numerator and denominator of $o_i$ by $e^{-c}$ shows $\operatorname{softmax}(v) = \operatorname{softmax}(v - c\,\mathbf{1})$ for every constant $c$. With $c = m = \max_j v_j$ every exponent is $\le 0$, so nothing overflows and the largest term is exactly $e^0 = 1$, so the denominator is at least 1. In float64, $e^{v}$ overflows to $\infty$ once $v > 709.78$, and the naive quotient then becomes $\infty/\infty = \text{NaN}$. The loss is computed the same way, $L = \log \sum_j e^{v_j - m} - (v_y - m)$, which never takes $\log 0$ even when $o_y$ underflows to 0.`;

const METHOD =
  String.raw`**How the check works.** Each column $j$ of the Jacobian is estimated by a central difference, $\big(o(v + h e_j) - o(v - h e_j)\big) / (2h)$, and each $\partial L/\partial v_j$ the same way, all in float64. The step is $h = \sqrt[3]{\varepsilon} \approx 6\times 10^{-6}$ for the softmax, and $h\,\max(1,|L|)^{1/3}$ for the loss, because rounding noise in $L$ grows with its size. Both steps balance the $O(h^2)$ truncation error against the $O(\varepsilon/h)$ rounding error. Each step is rounded to a representable number at $v_j$ before dividing, so it stays exact even at $|v_j| = 10^5$. The *noise floor* $\varepsilon \max(1,|L|)/h$ is the smallest gradient error that finite differences can resolve at all. A relative error divides the largest absolute error of a group by the group's largest analytic entry, floored at $10^{-6}$: a saturated softmax has derivatives that round to about 0, and dividing by them would say nothing. Every vector is also passed through nnlab's fused ` +
  '`softmaxCrossEntropy`' +
  String.raw` kernel (the reference backend, float64), to check that the library computes the same $o - y$.`;

function casesTable(cases: P1Case[], kind: 'random' | 'extreme'): TableOutput {
  const rows = cases
    .filter((c) => c.kind === kind)
    .map((c) => [
      c.k,
      c.name,
      c.vectors,
      sci(c.maxAbsLogit),
      sci(c.jacobianAbsErr),
      sci(c.gradAbsErr),
      sci(c.gradNoiseFloor),
      sci(c.kernelAbsErr),
      c.naiveFinite ? 'finite' : 'NaN/∞',
    ]);
  return {
    kind: 'table',
    caption:
      kind === 'random'
        ? 'Random logits: maximum absolute errors of the analytic forms against central finite differences'
        : 'Extreme logits: the same errors, and whether the naive softmax e^v/Σe^v survived',
    columns: [
      'k',
      'logits',
      'vectors',
      'max |v|',
      'max |ΔJ|',
      'max |Δ∇L|',
      'FD noise floor',
      'kernel |Δ|',
      'naive softmax',
    ],
    rows,
  };
}

function discussion(r: P1Result): string {
  const random = r.cases.filter((c) => c.kind === 'random');
  const extreme = r.cases.filter((c) => c.kind === 'extreme');
  const nRandom = random.reduce((s, c) => s + c.vectors, 0);
  const maxJr = Math.max(...random.map((c) => c.jacobianAbsErr));
  const maxGr = Math.max(...random.map((c) => c.gradAbsErr));
  const maxRelJ = Math.max(...random.map((c) => c.jacobianRelErr));
  const maxRelG = Math.max(...random.map((c) => c.gradRelErr));
  const naiveFailed = extreme.filter((c) => !c.naiveFinite).length;
  const maxJe = Math.max(...extreme.map((c) => c.jacobianAbsErr));
  const ratio = Math.max(...extreme.map((c) => c.gradAbsErr / c.gradNoiseFloor));
  const worst = extreme.reduce((a, b) => (b.gradAbsErr > a.gradAbsErr ? b : a));
  const kernel = Math.max(...r.cases.map((c) => c.kernelAbsErr));
  const ks = [...new Set(r.cases.map((c) => c.k))].join(', ');
  const lines = [
    `Over ${nRandom} random logit vectors (k = ${ks}), the largest absolute deviation of the finite-difference Jacobian from $o_i(\\delta_{ij} - o_j)$ is ${sci(maxJr)} (relative ${sci(maxRelJ)}), and the largest deviation of the finite-difference gradient from $o - y$ is ${sci(maxGr)} (relative ${sci(maxRelG)}). ${maxJr < 1e-9 && maxGr < 1e-9 ? 'Both are below $10^{-9}$, which is what central differences can resolve in float64, so the numbers agree with the two derivations.' : 'At least one of these is above $10^{-9}$, larger than central differences should leave in float64; see the table.'}`,
    `For the ${extreme.length} extreme cases (|v| up to ${sci(Math.max(...extreme.map((c) => c.maxAbsLogit)))}), the naive softmax returned NaN or ∞ in ${naiveFailed} of them. The max-subtracted softmax stayed finite in all of them, and its Jacobian error stayed at most ${sci(maxJe)}. The gradient errors stayed within ${ratio.toFixed(2)}× the finite-difference noise floor. The largest one, ${sci(worst.gradAbsErr)} ("${worst.name}", k = ${worst.k}), comes from a loss of size ${sci(worst.maxLoss)}: there the finite differences themselves are the limit, not the formula.`,
    `The fused kernel's $o - y$ differs from the formula by at most ${sci(kernel)}, so the library's softmax cross-entropy gradient is the one derived above.`,
  ];
  return lines.join('\n\n');
}

/** The code cell of the check, with the seed the shown result was made with. */
const code = (seed: number): string => `// Problem 1: both derivations checked numerically in float64.
import { softmax, softmaxJacobian, crossEntropyGrad, runExperiment } from 'nnlab';

// A worked example: four logits, true class 1 (0-based).
const v = [1, 2, 0.5, -1];
const o = softmax(v);                      // e^(v − max v) / Σ e^(v − max v)
const J = softmaxJacobian(o);              // J[i·k + j] = o_i (δ_ij − o_j)
const g = crossEntropyGrad(v, [0, 1, 0, 0]); // ∂L/∂v = o − y

// The full check: random and extreme logits, central differences against both analytic forms.
const result = await runExperiment('p1', {}, { seed: ${seed} });`;

function exampleText(r: P1Result): string {
  const f = (xs: number[]): string => `[${xs.map((x) => x.toFixed(4)).join(', ')}]`;
  return [
    `v = ${f(r.example.v)}`,
    `o = softmax(v) = ${f(r.example.o)}  (sum ${r.example.o.reduce((a, b) => a + b, 0).toFixed(12)})`,
    'J = ',
    ...r.example.jacobian.map((row) => `    ${f(row)}`),
    `o − y (y = e_${r.example.label}) = ${f(r.example.grad)}`,
  ].join('\n');
}

/** Problem 1's blocks: parts 1 and 2 derived, then the numerical verification. */
export function p1Section(result: P1Result): Block[] {
  return [
    { kind: 'heading', level: 1, text: 'Problem 1 — Softmax activation function' },
    { kind: 'heading', level: 2, text: 'Problem 1.1 — The Jacobian of the softmax' },
    { kind: 'markdown', text: JACOBIAN_DERIVATION },
    { kind: 'heading', level: 2, text: 'Problem 1.2 — The gradient of the cross-entropy' },
    { kind: 'markdown', text: GRADIENT_DERIVATION },
    { kind: 'heading', level: 2, text: 'Numerical verification' },
    { kind: 'markdown', text: STABILITY },
    { kind: 'markdown', text: METHOD },
    {
      kind: 'code',
      source: code(result.seed),
      outputs: [
        { kind: 'text', text: exampleText(result) },
        casesTable(result.cases, 'random'),
        casesTable(result.cases, 'extreme'),
        {
          kind: 'text',
          text: `seed ${result.seed}; ${result.cases.length} groups checked in ${result.wallSeconds.toFixed(2)} s`,
        },
      ],
    },
    { kind: 'markdown', text: discussion(result) },
  ];
}
