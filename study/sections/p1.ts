/**
 * Problem 1's section: the finite-difference verification of both derivations (softmax Jacobian,
 * cross-entropy gradient) measured by the p1 experiment, and what the numbers say.
 */
import { p1, type P1Case, type P1Result } from '../experiments/p1.js';
import type { Block, TableOutput } from 'nnlab';
import { heading, markdown, outputs, sci } from './format.js';

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

/** Problem 1's blocks: the numerical verification of both derivations (the derivations are the notebook's). */
export function p1Section(result: P1Result): Block[] {
  return [
    heading(1, p1.title),
    heading(2, 'Numerical verification'),
    outputs(
      { kind: 'text', text: exampleText(result) },
      casesTable(result.cases, 'random'),
      casesTable(result.cases, 'extreme'),
      {
        kind: 'text',
        text: `seed ${result.seed}; ${result.cases.length} groups checked in ${result.wallSeconds.toFixed(2)} s`,
      },
    ),
    markdown(discussion(result)),
  ];
}
