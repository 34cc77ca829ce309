/**
 * A document that uses every block and output kind the writers support — headings at all levels, the whole
 * Markdown subset, LaTeX with fractions, sums, cases and aligned equations, tables, text, line charts, violins
 * and a faceted chart with a shared y scale — so the writers can be tested and looked at without running any
 * experiment.
 */
import type { Block, ReportDocument, VegaLiteSpec } from './document.js';

function curves(): VegaLiteSpec {
  const values = ['standard input', 'BN input', 'dropout'].flatMap((panel, p) =>
    ['train', 'test'].flatMap((set, s) =>
      Array.from({ length: 10 }, (_, e) => ({
        panel,
        set,
        epoch: e + 1,
        accuracy: 100 * (0.9 + 0.09 * (1 - Math.exp(-(e + 1) / (2 + p))) - 0.004 * s * e),
      })),
    ),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    mark: { type: 'line', point: true, clip: true },
    width: 170,
    height: 150,
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'Epoch' },
      y: { field: 'accuracy', type: 'quantitative', title: 'Accuracy (%)', scale: { zero: false } },
      color: { field: 'set', type: 'nominal', title: 'Data set' },
      column: { field: 'panel', type: 'nominal', title: null, sort: null },
    },
    resolve: { scale: { y: 'shared' } },
  };
}

function violins(): VegaLiteSpec {
  const layers = ['input', 'conv1', 'conv2', 'dense1', 'dense2'];
  const values = layers.flatMap((layer, i) =>
    Array.from({ length: 60 }, (_, k) => ({
      layer,
      gamma: 1 + 0.05 * i + 0.08 * Math.sin(1.3 * k + i) * Math.cos(0.7 * k),
    })),
  );
  return {
    data: { values },
    transform: [{ density: 'gamma', groupby: ['layer'], as: ['gamma', 'density'] }],
    mark: { type: 'area', orient: 'horizontal', opacity: 0.8 },
    width: 70,
    height: 200,
    encoding: {
      y: { field: 'gamma', type: 'quantitative', title: 'Learned scale γ' },
      x: { field: 'density', type: 'quantitative', stack: 'center', impute: null, title: null, axis: null },
      color: { field: 'layer', type: 'nominal', legend: null },
      column: {
        field: 'layer',
        type: 'nominal',
        title: 'Batch-normalisation layer',
        sort: layers,
        header: { labelOrient: 'bottom' },
      },
    },
    config: { facet: { spacing: 0 }, view: { stroke: null } },
  };
}

function lrCurve(): VegaLiteSpec {
  const values = Array.from({ length: 11 }, (_, i) => ({
    lr: 10 ** (i - 9),
    loss: 2.3 - 1.8 / (1 + Math.exp(-(i - 5))) + (i >= 10 ? 3 : 0),
  }));
  return {
    data: { values },
    mark: { type: 'line', point: true },
    width: 360,
    height: 200,
    encoding: {
      x: {
        field: 'lr',
        type: 'quantitative',
        scale: { type: 'log' },
        axis: { format: '.0e' },
        title: 'Learning rate (log scale)',
      },
      y: { field: 'loss', type: 'quantitative', title: 'Training loss after 5 epochs' },
    },
  };
}

const blocks: Block[] = [
  { kind: 'heading', level: 1, text: 'Problem 1 — Softmax activation function' },
  {
    kind: 'markdown',
    text: [
      'The softmax maps real outputs $v_1, \\dots, v_k$ to probabilities:',
      '',
      '$$o_i = \\frac{\\exp(v_i)}{\\sum_{j=1}^k \\exp(v_j)} \\quad \\forall i \\in \\{1, \\dots, k\\}.$$',
      '',
      'We use **bold**, *italic*, ***both***, `inline code`, a [link](https://arxiv.org/abs/1502.03167) and an escaped \\$ sign; costs of $5 and $6 stay text.',
    ].join('\n'),
  },
  { kind: 'heading', level: 2, text: '1.1 The Jacobian of the softmax' },
  {
    kind: 'markdown',
    text: [
      'By the quotient rule,',
      '',
      '$$',
      '\\begin{aligned}',
      '\\frac{\\partial o_i}{\\partial v_j} &= \\frac{\\delta_{ij} e^{v_i} \\sum_l e^{v_l} - e^{v_i} e^{v_j}}{\\left(\\sum_l e^{v_l}\\right)^2} \\\\',
      '&= o_i(\\delta_{ij} - o_j) = \\begin{cases} o_i(1 - o_i) & \\text{if } i = j, \\\\ -o_i o_j & \\text{if } i \\neq j. \\end{cases}',
      '\\end{aligned}',
      '$$',
      '',
      'Two facts follow:',
      '',
      '1. each row of the Jacobian sums to zero, $\\sum_j \\partial o_i / \\partial v_j = 0$;',
      '2. the Jacobian is symmetric,',
      '   since $o_i o_j = o_j o_i$.',
      '',
      '- a bullet with $\\hat{\\sigma}(z) = \\frac{1}{1 + e^{-2z}}$ inline',
      '- another bullet that is long enough to wrap onto a second line in the PDF so the hanging indent can be seen and checked by eye.',
    ].join('\n'),
  },
  {
    kind: 'code',
    source: [
      '// Check ∂L/∂v = o − y against central differences for a random v.',
      "import { softmax, crossEntropy } from 'nnlab';",
      'const v = [0.3, -1.2, 2.0];',
      'const y = [0, 0, 1]; // one-hot label of class 3',
      "const url = 'https://example.org/a//b'; // a URL's // is not a comment, and this trailing comment is long enough to wrap",
      'const o = softmax(v);',
      'console.log(o.map((oi, i) => oi - y[i]));',
      'const veryLongLine = "a code line that is far too long to fit on one line of the PDF page, so it wraps with a hanging marker";',
    ].join('\n'),
    outputs: [{ kind: 'text', text: '[ 0.1125, 0.0251, -0.1376 ]\nmax |analytic − numeric| = 3.1e-11' }],
  },
  { kind: 'heading', level: 1, text: 'Problem 4 — Batch normalisation' },
  { kind: 'heading', level: 2, text: '4.3 Curves' },
  {
    kind: 'code',
    source: '// Accuracy per epoch, the three variants side by side on one y scale.\nplotCurves(results);',
    outputs: [
      {
        kind: 'figure',
        id: 'sample-curves',
        title: 'Train/test accuracy per variant (shared y axis)',
        spec: curves(),
      },
      {
        kind: 'table',
        caption: 'Final accuracy (%) per variant',
        columns: ['variant', 'train', 'test', 'epochs'],
        rows: [
          ['standard input', 99.12345, 98.9, 10],
          ['BN input', 99.5, 99.01, 10],
          ['dropout', 98.2, 98.76543, 10],
        ],
      },
    ],
  },
  { kind: 'heading', level: 3, text: 'Learned parameters' },
  {
    kind: 'code',
    source: "// Distribution of γ per BN layer.\nviolins(bn, 'gamma');",
    outputs: [
      { kind: 'figure', id: 'sample-violins', title: 'Learned BN scale γ per layer', spec: violins() },
    ],
  },
  { kind: 'heading', level: 1, text: 'Problem 5 — Learning rate' },
  {
    kind: 'code',
    source: '// Loss after 5 epochs for each candidate learning rate.\nplotLr(sweep);',
    outputs: [
      { kind: 'figure', id: 'sample-lr', title: 'Training loss against the learning rate', spec: lrCurve() },
      { kind: 'text', text: 'lr_min = 1e-4, lr_max = 1e-2' },
    ],
  },
  {
    kind: 'markdown',
    text: 'The loss falls between $\\eta_{\\min} = 10^{-4}$ and $\\eta_{\\max} = 10^{-2}$ and diverges beyond $10^{0}$.',
  },
];

/** The sample document (deterministic: the same content on every call). */
export function sampleDocument(): ReportDocument {
  return {
    title: 'Homework 3',
    subtitle: ['nnlab 0.1.0 · seed 1 · scale sample', 'A sample document exercising every report feature'],
    blocks: structuredClone(blocks),
  };
}
