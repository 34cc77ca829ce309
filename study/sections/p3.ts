/**
 * Problem 3's report section: gradients at initialisation under RandomNormal and Glorot (3.1, 3.2) as
 * per-layer violins and tables, and the dying-ReLU study (3.3, 3.4): collapse fractions with Wilson
 * intervals against Lu et al.'s born-dead bounds, example fits, the constant-function test and the loss
 * curves. Every sentence with a number is computed from the stored result.
 */
import type { P3Config, P3DyingRun, P3Fraction, P3GradientRun, P3Result } from '../experiments/p3/spec.js';
import { targetFormula } from '../experiments/p3/dying.js';
import { p3 } from '../experiments/p3.js';
import type { Block, FigureOutput, TableOutput, VegaLiteSpec } from 'nnlab';
import { fractionY, heading, markdown, nominal, outputs, pct, SCHEMA, sci, texSci } from './format.js';

const LAYER_COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#b07aa1', '#9c755f'];

/** v to 4 significant digits: keeps the inline figure data small. */
const r4 = (v: number): number => Number(v.toPrecision(4));
/** 2.35e-8 for tables. */
const short = (v: number): string => sci(v, 2);
/** Fractions of nets to one decimal of a percent. */
const pct1 = (x: number): string => pct(x, 1);
const ci = (f: P3Fraction): string => `${pct1(f.fraction)} (95% CI ${pct1(f.ci[0])}–${pct1(f.ci[1])})`;
const activationName = (a: string): string => (a === 'relu' ? 'ReLU' : a === 'leakyRelu' ? 'leaky ReLU' : a);
const initName = (g: P3GradientRun): string =>
  g.std === null ? 'Glorot normal' : `RandomNormal σ = ${g.std}`;

/**
 * Gaussian kernel density of a (quantile) sample on `steps` points of [lo, hi], scaled to peak 1; bandwidth
 * Scott's 1.06·s·n^(−1/5), floored at (hi − lo)/300 so a layer whose gradients are all ≈ 0 on this panel's
 * scale still shows as a thin visible spike instead of vanishing between grid points.
 */
export function violinDensity(
  sample: number[],
  lo: number,
  hi: number,
  steps = 120,
): { value: number; density: number }[] {
  const n = sample.length;
  const mean = sample.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(sample.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  const h = Math.max(1.06 * sd * Math.pow(n, -0.2), (hi - lo) / 300);
  const rows = Array.from({ length: steps }, (_, i) => {
    const value = lo + ((hi - lo) * i) / (steps - 1);
    let d = 0;
    for (const v of sample) d += Math.exp(-0.5 * ((value - v) / h) ** 2);
    return { value, density: d };
  });
  const peak = Math.max(...rows.map((r) => r.density));
  return rows.map((r) => ({ value: r.value, density: peak > 0 ? r.density / peak : 0 }));
}

/** A symmetric panel domain covering the central 99% of every layer's gradients (tails are clipped). */
function panelDomain(run: P3GradientRun): [number, number] {
  let m = 0;
  for (const l of run.layers) {
    const q = l.quantiles;
    const lo = q[Math.floor(0.005 * (q.length - 1))];
    const hi = q[Math.ceil(0.995 * (q.length - 1))];
    m = Math.max(m, Math.abs(lo), Math.abs(hi));
  }
  if (m === 0) m = 1e-12;
  const step = Math.pow(10, Math.floor(Math.log10(m)));
  const top = Math.ceil((1.05 * m) / step) * step;
  return [-top, top];
}

/** One violin panel: a violin per hidden layer on this run's own explicit, shared-by-layers y scale. */
function violinPanel(run: P3GradientRun, title: string): VegaLiteSpec {
  const [lo, hi] = panelDomain(run);
  const rows = run.layers.flatMap((l, i) =>
    violinDensity(l.quantiles, lo, hi).map((r) => ({
      layer: l.layer,
      value: r4(r.value),
      left: r4(i + 1 - 0.42 * r.density),
      right: r4(i + 1 + 0.42 * r.density),
    })),
  );
  const layers = run.layers.map((l) => l.layer);
  return {
    title: { text: title, subtitle: `y range ±${short(hi)}`, fontSize: 12 },
    width: 120, // three panels side by side fit the PDF text width at full size
    height: 230,
    data: { values: rows },
    mark: { type: 'area', orient: 'horizontal', opacity: 0.75, clip: true },
    encoding: {
      y: {
        field: 'value',
        type: 'quantitative',
        title: '∂L/∂W per weight (nats per unit weight)',
        scale: { domain: [lo, hi], nice: false },
        axis: { format: '.1e' },
      },
      x: {
        field: 'left',
        type: 'quantitative',
        title: 'hidden layer (input → output)',
        scale: { domain: [0.4, layers.length + 0.6], nice: false },
        axis: {
          values: layers.map((_, i) => i + 1),
          labelExpr: `['', ${layers.map((l) => `'${l}'`).join(', ')}][datum.value]`,
          grid: false,
        },
      },
      x2: { field: 'right' },
      color: {
        field: 'layer',
        type: 'nominal',
        title: 'layer',
        scale: { domain: layers, range: LAYER_COLORS.slice(0, layers.length) },
        legend: null,
      },
      detail: { field: 'layer' },
    },
  };
}

function violinFigure(
  id: string,
  title: string,
  subtitle: string,
  panels: { run: P3GradientRun; title: string }[],
): FigureOutput {
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: { text: title, subtitle },
    hconcat: panels.map((p) => violinPanel(p.run, p.title)),
    resolve: { scale: { y: 'independent', x: 'independent', color: 'independent' } },
  };
  return { kind: 'figure', id, title, spec };
}

/** Per-layer gradient std of every run on one log axis: the cross-σ comparison the violins cannot give. */
function stdFigure(result: P3Result): FigureOutput {
  const rows = result.gradients.flatMap((g) =>
    g.layers.map((l) => ({
      activation: g.activation,
      init: initName(g),
      layer: l.layer,
      std: l.summary.std,
    })),
  );
  const inits = [...new Set(result.gradients.map(initName))];
  const title = 'Per-layer spread of ∂L/∂W at initialisation';
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: title,
      subtitle: 'standard deviation over all weights of each hidden layer; log scale, shared by both panels',
    },
    data: { values: rows },
    facet: { column: { field: 'activation', type: 'nominal', title: 'hidden activation' } },
    spec: {
      width: 260,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'layer', type: 'ordinal', title: 'hidden layer (input → output)' },
        y: {
          field: 'std',
          type: 'quantitative',
          title: 'std of ∂L/∂W (nats per unit weight)',
          scale: { type: 'log' },
          axis: { format: '.0e' },
        },
        color: nominal('init', 'kernel initialiser', { domain: inits }),
        tooltip: [{ field: 'init' }, { field: 'layer' }, { field: 'std', format: '.3e' }],
      },
    },
    resolve: { scale: { y: 'shared' } },
  };
  return { kind: 'figure', id: 'p3-gradient-std', title, spec };
}

function gradientTable(runs: P3GradientRun[], caption: string): TableOutput {
  const layers = runs[0]?.layers.map((l) => l.layer) ?? [];
  return {
    kind: 'table',
    caption,
    columns: [
      'activation',
      'initialiser',
      'loss at init',
      ...layers.map((l) => `std ${l}`),
      `std ${layers[0]} / std ${layers[layers.length - 1]}`,
      `mean |g| ${layers[0]}`,
      `mean |g| ${layers[layers.length - 1]}`,
    ],
    rows: runs.map((g) => [
      g.activation,
      initName(g),
      g.loss.toFixed(4),
      ...g.layers.map((l) => short(l.summary.std)),
      short(ratio(g)),
      short(g.layers[0].summary.meanAbs),
      short(g.layers[g.layers.length - 1].summary.meanAbs),
    ]),
  };
}

function activationTable(runs: P3GradientRun[]): TableOutput {
  const layers = runs[0]?.layers.map((l) => l.layer) ?? [];
  return {
    kind: 'table',
    caption:
      'Std of each hidden layer’s outputs on the 1000 points at initialisation (saturation check: tanh ∈ (−1, 1), sigmoid ∈ (0, 1))',
    columns: ['activation', 'initialiser', ...layers.map((l) => `std ${l} output`)],
    rows: runs.map((g) => [
      g.activation,
      initName(g),
      ...g.layers.map((l) => l.activationStd.toPrecision(3)),
    ]),
  };
}

/** std(∂L/∂W of the first hidden layer) / std(of the last): < 1 vanishing towards the input, > 1 growing. */
function ratio(g: P3GradientRun): number {
  return g.layers[0].summary.std / g.layers[g.layers.length - 1].summary.std;
}

/** A sentence describing the layer-to-layer trend of one run, from its per-layer stds. */
function trend(g: P3GradientRun): string {
  const r = ratio(g);
  const first = g.layers[0];
  const last = g.layers[g.layers.length - 1];
  const span = `std from $${texSci(last.summary.std)}$ at ${last.layer} to $${texSci(first.summary.std)}$ at ${first.layer}`;
  if (r < 0.1) return `vanishing towards the input (${span}, a factor $${texSci(1 / r, 1)}$ smaller)`;
  if (r > 10) return `growing towards the input, i.e. exploding (${span}, a factor $${texSci(r, 1)}$ larger)`;
  return `roughly the same spread in every layer (${span})`;
}

function gradientParagraphs(result: P3Result, activation: string): string {
  const runs = result.gradients.filter((g) => g.activation === activation && g.std !== null);
  const lines = runs.map((g) => {
    const a = g.layers.map((l) => l.activationStd);
    return `- **σ = ${g.std}**: ${trend(g)}; the hidden outputs have std ${a.map((v) => v.toPrecision(2)).join(', ')} (h1…h5), loss at initialisation ${g.loss.toFixed(3)}.`;
  });
  return lines.join('\n');
}

/** The explanation of 3.1 for one activation, with the mechanism each regime shows. */
function explain31(result: P3Result, activation: 'tanh' | 'sigmoid'): string {
  const runs = result.gradients.filter((g) => g.activation === activation && g.std !== null);
  const units = result.config.gradUnits;
  const small = runs[0];
  const large = runs[runs.length - 1];
  const common =
    `Backpropagation multiplies the error signal layer by layer by $W_l^\\top$ and by the activation's slope: ` +
    `$\\delta_{l-1} = (W_l^\\top \\delta_l) \\odot \\phi'(z_{l-1})$ and $\\partial L/\\partial W_l = \\delta_l\\, h_{l-1}^\\top$. ` +
    `With $n = ${units}$ units per layer and weights of std σ, $W^\\top$ scales a vector by about $\\sigma\\sqrt{n}$ ` +
    `(= ${small.std !== null ? (small.std * Math.sqrt(units)).toPrecision(2) : '?'} for σ = ${small.std}, ` +
    `${large.std !== null ? (large.std * Math.sqrt(units)).toPrecision(2) : '?'} for σ = ${large.std}).`;
  if (activation === 'tanh') {
    return (
      common +
      ` For tanh, $\\phi'(0) = 1$: with a small σ the forward signal shrinks by $\\sigma\\sqrt{n}$ per layer (the hidden outputs above ` +
      `fall geometrically) and so does the backward signal, so every kernel gradient — a product of the two — is tiny ` +
      `(all layers are starved; the net cannot learn). With σ = ${large.std} the pre-activations are large, the units ` +
      `saturate at ±1 (output std ≈ ${large.layers[large.layers.length - 1].activationStd.toFixed(2)}), $\\phi' \\approx 0$ for most units, ` +
      `and the gradient is dominated by the few unsaturated units times a large $W^\\top$: its size changes by orders of magnitude ` +
      `from layer to layer, which is the unstable (exploding/vanishing) regime rather than a useful one.`
    );
  }
  return (
    common +
    ` For the sigmoid, $\\phi' \\le 1/4$ (its maximum, at 0) and the outputs are centred at 0.5, not 0: the forward signal does not ` +
    `vanish (h ≈ 0.5), but every backward step multiplies by at most $\\sigma\\sqrt{n}/4$, so the gradients shrink geometrically ` +
    `towards the input — the classic vanishing-gradient picture, strongest for the smallest σ. Even σ = ${large.std} ` +
    `(where $\\sigma\\sqrt{n}/4 > 1$) only partly compensates, because large weights saturate the units and $\\phi'$ falls further.`
  );
}

function explain32(result: P3Result): string {
  const parts: string[] = [];
  for (const activation of result.config.gradActivations) {
    const glorot = result.gradients.find((g) => g.activation === activation && g.std === null);
    if (glorot === undefined) continue;
    const stdsOf = glorot.layers.map((l) => `$${texSci(l.summary.std)}$`).join(', ');
    const rs = result.gradients
      .filter((g) => g.activation === activation && g.std !== null)
      .map((g) => `${short(ratio(g))} (σ = ${g.std})`);
    parts.push(
      `- **${activation}, Glorot normal**: ${trend(glorot)}. Per-layer std ${stdsOf}; the ratio std(h1)/std(h5) is ` +
        `${short(ratio(glorot))}, against ${rs.join(', ')} with RandomNormal.`,
    );
  }
  return parts.join('\n');
}

function collapseFigure(result: P3Result): FigureOutput {
  const { theory, runs } = result.dying;
  const kinds = [
    ['constant at initialisation', 'bornDead'],
    ['collapsed after training', 'collapsed'],
  ] as const;
  const rows = runs.flatMap((r) =>
    kinds.map(([measure, key]) => ({
      activation: activationName(r.activation),
      measure,
      fraction: r[key].fraction,
      lo: r[key].ci[0],
      hi: r[key].ci[1],
      count: r[key].count,
      nets: r.counted,
    })),
  );
  const measures = kinds.map(([measure]) => measure);
  const title = `Collapse of ${theory.depth}×${theory.width} nets: ReLU vs leaky ReLU`;
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: title,
      subtitle: [
        `${runs[0]?.nets ?? 0} nets per activation; bars: fraction of the nets that did not diverge; error bars: 95% Wilson intervals`,
        `grey band: Lu et al.'s born-dead bounds for ReLU, ${theory.lower.toFixed(3)}–${theory.upper.toFixed(3)}; dashed line: the reported "over 90%"`,
      ],
    },
    width: 420,
    height: 260,
    layer: [
      bornDeadBand(theory),
      {
        data: { values: rows },
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'activation', type: 'nominal', title: 'hidden activation', axis: { labelAngle: 0 } },
          xOffset: { field: 'measure', sort: measures },
          y: fractionY('fraction of nets'),
          color: nominal('measure', 'net is', { domain: measures, range: ['#9ecae9', '#e15759'] }),
          tooltip: [
            { field: 'activation' },
            { field: 'measure' },
            { field: 'count' },
            { field: 'nets' },
            { field: 'fraction', format: '.3f' },
            { field: 'lo', format: '.3f' },
            { field: 'hi', format: '.3f' },
          ],
        },
      },
      {
        data: { values: rows },
        mark: { type: 'errorbar', ticks: { size: 14 }, color: 'black' },
        encoding: {
          x: { field: 'activation', type: 'nominal' },
          xOffset: { field: 'measure', sort: measures },
          y: { field: 'lo', type: 'quantitative', title: 'fraction of nets' },
          y2: { field: 'hi' },
        },
      },
      {
        data: { values: [{ y: 0.9 }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#333' },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
    ],
  };
  return { kind: 'figure', id: 'p3-collapse-fractions', title, spec };
}

/** The targets as plain text for figure titles (Vega does not typeset LaTeX). */
const TARGET_TEXT: Record<string, string> = {
  abs: 'f₁(x) = |x|',
  xsin5x: 'f₂(x) = x·sin 5x',
  step: 'f₃(x) = 1{x > 0} + 0.2·sin 5x',
};

const STATUS_LABEL: Record<string, string> = {
  collapsed: 'died during training',
  bornDead: 'born dead',
  alive: 'alive (not constant)',
};

function examplesFigure(result: P3Result): FigureOutput {
  const { exampleGrid, exampleTarget, runs, target } = result.dying;
  const rows: { activation: string; status: string; series: string; net: string; x: number; y: number }[] =
    [];
  const cells = new Set<string>();
  for (const r of runs) {
    for (const e of r.examples) {
      const status = STATUS_LABEL[e.status];
      cells.add(`${r.activation}|${status}`);
      e.outputs.forEach((y, i) =>
        rows.push({
          activation: activationName(r.activation),
          status,
          series: 'trained net',
          net: `net ${e.net}`,
          x: r4(exampleGrid[i]),
          y: r4(y),
        }),
      );
    }
  }
  for (const cell of cells) {
    const [a, status] = cell.split('|');
    exampleTarget.forEach((y, i) =>
      rows.push({
        activation: activationName(a),
        status,
        series: 'target',
        net: 'target',
        x: r4(exampleGrid[i]),
        y: r4(y),
      }),
    );
  }
  const title = 'Example fits: collapsed and alive nets against the target';
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: title,
      subtitle: `target ${TARGET_TEXT[target]} on the training interval; up to ${result.config.examples} nets per status (the first ones of the run)`,
    },
    data: { values: rows },
    facet: {
      row: { field: 'activation', type: 'nominal', title: 'hidden activation' },
      column: {
        field: 'status',
        type: 'nominal',
        title: 'net status after training',
        sort: Object.values(STATUS_LABEL),
      },
    },
    spec: {
      width: 200,
      height: 150,
      mark: { type: 'line', clip: true },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: 'input x' },
        y: { field: 'y', type: 'quantitative', title: 'output f(x)' },
        color: nominal('series', 'curve', { domain: ['target', 'trained net'], range: ['#222', '#e15759'] }),
        strokeDash: nominal('series', 'curve', {
          domain: ['target', 'trained net'],
          range: [
            [4, 3],
            [1, 0],
          ],
        }),
        detail: { field: 'net' },
        opacity: { value: 0.85 },
      },
    },
    resolve: { scale: { y: 'shared' } },
  };
  return { kind: 'figure', id: 'p3-example-fits', title, spec };
}

/** Histogram of log10(output range on the grid) after training, with the constant-function threshold. */
function rangeFigure(result: P3Result): FigureOutput {
  const floor = -18;
  const rows = result.dying.runs.flatMap((r) =>
    r.rangeFinal.map((v) => ({
      activation: activationName(r.activation),
      log10range: v > 0 ? r4(Math.max(floor, Math.log10(v))) : floor,
    })),
  );
  const limit = result.dying.runs[0]?.rangeLimit ?? 1;
  const title = 'The constant-function test: output range after training';
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: title,
      subtitle: `max − min of each net's output on ${result.config.gridPoints} grid points; exact zeros (and ranges below 1e${floor}) at ${floor}; dashed: the threshold ${short(limit)}`,
    },
    width: 420,
    height: 200,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'bar', opacity: 0.7, binSpacing: 0 },
        encoding: {
          x: {
            field: 'log10range',
            type: 'quantitative',
            bin: { step: 1, extent: [floor, 2] },
            title: 'log₁₀ of the output range (output units)',
          },
          y: {
            aggregate: 'count',
            type: 'quantitative',
            title: 'nets (square-root scale)',
            stack: null,
            scale: { type: 'sqrt' },
          },
          color: nominal('activation', 'hidden activation'),
        },
      },
      {
        data: { values: [{ x: Math.log10(limit) }] },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#333' },
        encoding: { x: { field: 'x', type: 'quantitative' } },
      },
    ],
  };
  return { kind: 'figure', id: 'p3-output-ranges', title, spec };
}

function lossFigure(result: P3Result): FigureOutput {
  const rows = result.dying.runs.flatMap((r) =>
    r.lossCurve.flatMap((c) => [
      ...(c.aliveMedian === null
        ? []
        : [
            {
              activation: activationName(r.activation),
              group: 'alive nets',
              epoch: c.epoch,
              median: r4(c.aliveMedian),
              q10: c.aliveQ10 === null ? null : r4(c.aliveQ10),
              q90: c.aliveQ90 === null ? null : r4(c.aliveQ90),
            },
          ]),
      ...(c.collapsedMedian === null
        ? []
        : [
            {
              activation: activationName(r.activation),
              group: 'collapsed nets',
              epoch: c.epoch,
              median: r4(c.collapsedMedian),
              q10: null,
              q90: null,
            },
          ]),
    ]),
  );
  const title = 'Training loss per epoch';
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: title,
      subtitle:
        'mean minibatch MSE of each epoch: median over nets (line); band: 10–90% of the alive nets; log scale',
    },
    data: { values: rows },
    facet: { column: { field: 'activation', type: 'nominal', title: 'hidden activation' } },
    spec: {
      width: 260,
      height: 200,
      layer: [
        {
          transform: [{ filter: 'datum.q10 !== null' }],
          mark: { type: 'area', opacity: 0.2 },
          encoding: {
            x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
            y: {
              field: 'q10',
              type: 'quantitative',
              title: 'training MSE (squared output units)',
              scale: { type: 'log' },
              axis: { format: '.0e', tickCount: 6 },
            },
            y2: { field: 'q90' },
            color: nominal('group', 'nets', { domain: ['alive nets', 'collapsed nets'] }),
          },
        },
        {
          mark: { type: 'line' },
          encoding: {
            x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
            y: {
              field: 'median',
              type: 'quantitative',
              title: 'training MSE (squared output units)',
              scale: { type: 'log' },
              axis: { format: '.0e', tickCount: 6, grid: true },
            },
            color: nominal('group', 'nets', { domain: ['alive nets', 'collapsed nets'] }),
          },
        },
      ],
    },
    resolve: { scale: { y: 'shared' } },
  };
  return { kind: 'figure', id: 'p3-loss-curves', title, spec };
}

/** Fraction of constant nets over training: permanent for ReLU, recovering for leaky ReLU. */
function traceFigure(result: P3Result): FigureOutput {
  const { theory, runs } = result.dying;
  const rows = runs.flatMap((r) =>
    r.constantTrace.map((t) => ({
      activation: activationName(r.activation),
      epoch: t.epoch,
      fraction: r4(t.fraction),
    })),
  );
  const title = 'Constant nets during training';
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: title,
      subtitle: `fraction of the ${runs[0]?.nets ?? 0} nets whose output is constant on the grid after each epoch; grey band: Lu et al.'s born-dead bounds for ReLU`,
    },
    width: 420,
    height: 220,
    layer: [
      bornDeadBand(theory),
      {
        data: { values: rows },
        mark: { type: 'line', point: { size: 16 } },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch (0 = initialisation)' },
          y: fractionY('fraction of nets constant'),
          color: nominal('activation', 'hidden activation'),
          tooltip: [{ field: 'activation' }, { field: 'epoch' }, { field: 'fraction', format: '.3f' }],
        },
      },
    ],
  };
  return { kind: 'figure', id: 'p3-constant-trace', title, spec };
}

/** ' (k diverged nets counted apart)' when some nets of the run broke the divergence rule, else ''. */
const apart = (r: P3DyingRun): string =>
  r.counted === r.nets
    ? ''
    : ` (${r.nets - r.counted} diverged net${r.nets - r.counted === 1 ? '' : 's'} counted apart)`;

const ciShort = (f: P3Fraction): string => `${pct1(f.fraction)} [${pct1(f.ci[0])}, ${pct1(f.ci[1])}]`;

function dyingTables(result: P3Result): TableOutput[] {
  const runs = result.dying.runs;
  return [
    {
      kind: 'table',
      caption: `Status of the nets after ${result.config.epochs} epochs: fraction [95% Wilson interval]`,
      columns: [
        'activation',
        'nets counted',
        'constant at init',
        'died in training',
        'collapsed (total)',
        'alive',
        'fit well',
      ],
      rows: runs.map((r) => [
        activationName(r.activation),
        r.counted === r.nets ? r.nets : `${r.counted} (${r.nets - r.counted} diverged)`,
        ciShort(r.bornDead),
        ciShort(r.collapsedDuringTraining),
        ciShort(r.collapsed),
        ciShort(r.alive),
        ciShort(r.fitWell),
      ]),
    },
    {
      kind: 'table',
      caption: `Final training MSE (squared output units) and training time; "fit well" above means alive with MSE ≤ ${result.config.fitTolerance}·Var f, Var f = ${short(result.dying.targetVariance)}`,
      columns: [
        'activation',
        'median MSE, alive',
        'median MSE, collapsed',
        'job time (s, summed over shards)',
      ],
      rows: runs.map((r) => [
        activationName(r.activation),
        r.aliveMedianLoss === null ? '—' : short(r.aliveMedianLoss),
        r.collapsedMedianLoss === null ? '—' : short(r.collapsedMedianLoss),
        r.cpuSeconds.toFixed(0),
      ]),
    },
  ];
}

function answer33(result: P3Result, relu: P3DyingRun): string {
  const { theory } = result.dying;
  const [lo, hi] = relu.collapsed.ci;
  const verdict =
    lo > 0.9
      ? `Yes: the whole interval lies above 90%, as Lu et al. report`
      : hi >= 0.9
        ? `Yes, within sampling error: the interval contains 90%`
        : `It is below the reported “over 90%”: the interval lies under 90%`;
  const bornDeadInBounds = relu.bornDead.ci[1] >= theory.lower && relu.bornDead.ci[0] <= theory.upper;
  return [
    `**Answer.** Of ${relu.counted} ReLU nets${apart(relu)}, **${relu.collapsed.count} collapsed** to a constant function: ${ci(relu.collapsed)}. ` +
      `${verdict}.`,
    '',
    `- ${relu.bornDead.count} nets (${ci(relu.bornDead)}) were already constant at initialisation ("born dead"); ` +
      `${relu.exactlyConstantAtInit} of them exactly (output range 0). Lu et al.'s theorem for zero biases and symmetric weights bounds the ` +
      `born-dead probability of a depth-${theory.depth}, width-${theory.width} net by ${theory.lower.toFixed(3)} ≤ P ≤ ${theory.upper.toFixed(3)}; ` +
      `our estimate is ${bornDeadInBounds ? 'consistent with these bounds' : 'outside these bounds'}.`,
    `- ${relu.collapsedDuringTraining.count} more (${ci(relu.collapsedDuringTraining)}) were alive at initialisation and died during training: ` +
      `an Adam step pushed every unit of some layer to negative pre-activations on the whole input interval, after which no gradient reaches the layers below.`,
    `- A collapsed net outputs (close to) the mean of the target: its median final MSE is ${relu.collapsedMedianLoss === null ? '—' : short(relu.collapsedMedianLoss)}, ` +
      `the variance of the target on the interval being ${short(result.dying.targetVariance)}. The ${relu.alive.count} alive nets reach a median MSE of ` +
      `${relu.aliveMedianLoss === null ? '—' : short(relu.aliveMedianLoss)}, but only ${relu.fitWell.count} nets (${ci(relu.fitWell)}) learned the whole function ` +
      `(MSE ≤ ${result.config.fitTolerance}·Var f); most of the others are *partly* dead — one side of the input interval is switched off and the net ` +
      `is constant there (see the example fits).`,
    `- The fraction of constant ReLU nets hardly changes during training (figure "Constant nets during training": ` +
      `${pct1(relu.constantTrace[0]?.fraction ?? NaN)} at initialisation, ${pct1(relu.constantTrace[relu.constantTrace.length - 1]?.fraction ?? NaN)} at the end): ` +
      `a layer that is dead on the whole interval receives no gradient, so it stays dead.`,
    '',
    `Why so many: with zero biases a ReLU net is linear on each side of 0, $f(x) = a_+x$ for $x > 0$ and $f(x) = a_-x$ for $x < 0$. ` +
      `On the positive side a layer switches the signal off for good when all its ${theory.width} units receive a non-positive coefficient, which for ` +
      `symmetric weights happens with probability $2^{-N} = ${2 ** -theory.width}$ independently in each layer; the side survives all ${theory.depth} ` +
      `layers with probability $(1 - 2^{-N})^{H} = ${((1 - 2 ** -theory.width) ** theory.depth).toFixed(3)}$. The net is born dead when both sides ` +
      `are switched off, which gives the two bounds above. Narrow and deep is the worst case: every extra layer is another chance to die.`,
  ].join('\n');
}

/** Whether the constant fraction dropped over the last quarter of training. */
function traceStillFalling(r: P3DyingRun): boolean {
  const t = r.constantTrace;
  if (t.length < 3) return false;
  const last = t[t.length - 1];
  const earlier = t.find((p) => p.epoch >= 0.75 * last.epoch) ?? t[0];
  return last.fraction < earlier.fraction;
}

function answer34(relu: P3DyingRun, leaky: P3DyingRun, c: P3Config): string {
  const epochs = c.epochs;
  const helped = leaky.collapsed.ci[1] < relu.collapsed.ci[0];
  return [
    `**Answer.** With leaky ReLU (slope ${leaky.slope} for $z \\le 0$) ${leaky.collapsed.count} of ${leaky.counted} nets${apart(leaky)} ended constant: ` +
      `${ci(leaky.collapsed)}, against ${ci(relu.collapsed)} for ReLU on the same data and the same initial weights (each net ` +
      `$n$ of the two studies uses the same random stream). ` +
      (helped
        ? `Leaky ReLU clearly helped: the two intervals do not overlap.`
        : `The intervals overlap: no clear improvement in this run.`),
    '',
    `- No leaky net is ever exactly constant (${leaky.exactlyConstantAtInit} had output range 0 at initialisation): with probability 1 every hidden ` +
      `layer is an invertible map (a non-singular kernel followed by $\\phi$, which is strictly increasing because $0.01z$ still grows for $z \\le 0$), so the output keeps a non-zero slope. Yet ${leaky.bornDead.count} (${pct1(leaky.bornDead.fraction)}) started *nearly* flat by our ` +
      `tolerance: each layer whose two units are both on the negative side scales the signal by 0.01, and a few such layers make the output range tiny.`,
    `- The difference is what happens next. For ReLU such a layer passes exactly zero gradient ($\\phi'(z) = 0$), so the layers below it can never ` +
      `change and the net stays constant for ever. For leaky ReLU $\\phi'(z) = 0.01$: the gradient is small but non-zero, and Adam, which divides ` +
      `each step by the running RMS of its gradient, turns even a small but consistent gradient into steps of size ≈ lr. The negative units move back ` +
      `into the active region and ${Math.max(0, leaky.bornDead.count - leaky.status.filter((s) => s === 'bornDead').length)} of the nearly flat nets recovered.`,
    `- The figure "Constant nets during training" shows this recovery: the fraction of flat leaky nets falls from ` +
      `${pct1(leaky.constantTrace[0]?.fraction ?? NaN)} at initialisation to ${pct1(leaky.constantTrace[leaky.constantTrace.length - 1]?.fraction ?? NaN)} after ${epochs} epochs` +
      `${traceStillFalling(leaky) ? ', and it is still falling at the end, so a longer budget would revive more of them' : ''}; ` +
      `${pct1(leaky.fitWell.fraction)} of the leaky nets learned the whole function (MSE ≤ ${c.fitTolerance}·Var f), against ${pct1(relu.fitWell.fraction)} with ReLU.`,
    leaky.collapsed.count > 0
      ? `- The ${leaky.collapsed.count} leaky nets that did end constant have output ranges far below the threshold: they are attenuated by many ` +
        `negative layers at once (a factor $0.01^k$ in both the signal and its gradient), and the fixed budget of ${epochs} epochs was not enough to pull them out.`
      : `- None of the leaky nets collapsed.`,
  ].join('\n');
}

/** "3 ReLU and 12 leaky-ReLU": nets whose final output range lies within a factor 100 of the constant threshold. */
function borderline(result: P3Result): string {
  return result.dying.runs
    .map((r) => {
      const k = r.rangeFinal.filter((v) => v > r.rangeLimit / 100 && v < r.rangeLimit * 100).length;
      return `${k} ${activationName(r.activation)}`;
    })
    .join(' and ');
}

/** Binary entropy H(p) in nats: the loss of predicting the positive fraction p for every point. */
function priorLoss(p: number): number {
  return -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
}

/** Per-layer gradient std and loss after the optional SGD epochs (nothing when they were not run). */
function trainedTables(result: P3Result): TableOutput[] {
  const runs = result.gradients.filter((g) => g.trained !== null);
  if (runs.length === 0) return [];
  const c = result.config;
  const layers = runs[0].layers.map((l) => l.layer);
  return [
    {
      kind: 'table',
      caption: `After ${c.gradTrainEpochs} epochs of SGD (learning rate ${c.gradTrainLearningRate}, minibatch ${c.gradTrainBatchSize}): loss and std of ∂L/∂W per hidden layer`,
      columns: ['activation', 'initialiser', 'loss at init', 'loss after', ...layers.map((l) => `std ${l}`)],
      rows: runs.map((g) => [
        g.activation,
        initName(g),
        g.loss.toFixed(4),
        (g.trained?.loss ?? NaN).toFixed(4),
        ...(g.trained?.layers ?? []).map((l) => short(l.std)),
      ]),
    },
  ];
}

/** What the optional training shows, from the losses: which nets learned more than the class frequencies. */
function trainedParagraph(result: P3Result): string {
  const runs = result.gradients.filter((g) => g.trained !== null);
  if (runs.length === 0) return '';
  const c = result.config;
  const prior = priorLoss(result.ball.positiveFraction);
  const lossOf = (g: P3GradientRun): number => g.trained?.loss ?? NaN;
  const stuck = runs.filter((g) => Math.abs(lossOf(g) - prior) <= 0.005);
  const below = runs.filter((g) => lossOf(g) < prior - 0.005);
  const above = runs.filter((g) => lossOf(g) > prior + 0.005);
  const list = (rs: P3GradientRun[]): string =>
    rs.map((g) => `${g.activation} with ${initName(g)} (${lossOf(g).toFixed(3)})`).join(', ');
  return (
    `\n\n**Going further: after training.** We trained every model for ${c.gradTrainEpochs} epochs of plain SGD ` +
    `(learning rate ${c.gradTrainLearningRate}, Keras' default, minibatch ${c.gradTrainBatchSize}) and measured the gradients again (table above). ` +
    `Predicting the positive fraction for every point costs $H(p) = ${prior.toFixed(3)}$ nats. ` +
    (stuck.length > 0 ? `At that level, having learned only the class frequencies: ${list(stuck)}. ` : '') +
    (below.length > 0 ? `Below it, i.e. beginning to learn the ball: ${list(below)}. ` : '') +
    (above.length > 0 ? `Still above it (saturated units, a poor start): ${list(above)}. ` : '') +
    `With small or vanishing gradients the first layers hardly move in this budget, which is the practical cost of a poor initialisation.`
  );
}

/** A grey band over Lu et al.'s bounds on the born-dead probability. */
function bornDeadBand(theory: { lower: number; upper: number }): VegaLiteSpec {
  return {
    data: { values: [{ lower: theory.lower, upper: theory.upper }] },
    mark: { type: 'rect', color: '#bbbbbb', opacity: 0.35 },
    encoding: { y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' } },
  };
}

/** The report section of Problem 3. */
export function p3Section(stored: P3Result): Block[] {
  // Nets that broke the divergence rule are counted apart (every fraction is over the others); an activation
  // whose nets all diverged is left out of 3.3/3.4, since nothing can be concluded from it.
  const bad = stored.dying.runs.filter((r) => (r.diverged ?? null) !== null);
  const result: P3Result = {
    ...stored,
    dying: { ...stored.dying, runs: stored.dying.runs.filter((r) => r.counted > 0) },
  };
  const c = result.config;
  const blocks: Block[] = [];
  const divergedNote: Block[] =
    bad.length === 0
      ? []
      : [
          {
            kind: 'markdown',
            text:
              `**Diverged:** ${bad.map((r) => `${activationName(r.activation)}: ${r.diverged!.message}`).join('; ')}. ` +
              `By nnlab's divergence rule (loss NaN, infinite or above 10× the net's initial loss) these nets are recorded as diverged and counted apart: ` +
              `every fraction in 3.3 and 3.4 is over the nets that did not diverge` +
              (bad.some((r) => r.counted === 0)
                ? `, and an activation whose nets all diverged is left out (no conclusion is drawn from it).`
                : '.'),
          },
        ];
  const tanh = result.gradients.filter((g) => g.activation === 'tanh');
  const sigmoid = result.gradients.filter((g) => g.activation === 'sigmoid');
  const normals = (runs: P3GradientRun[]): P3GradientRun[] => runs.filter((g) => g.std !== null);
  const glorots = result.gradients.filter((g) => g.std === null);

  blocks.push(heading(1, p3.title));
  blocks.push(
    markdown(
      `Everything below comes from one run of the experiment \`p3\` (seed ${result.seed}); the numbers in the text are computed from its result. ` +
        `Parts 3.1 and 3.2 reproduce the gradient plots of Godoy's *DeepReplay* example; parts 3.3 and 3.4 repeat the dying-ReLU experiment ` +
        `of Lu et al. with ${c.nets} independent nets per activation.`,
    ),
  );
  blocks.push(
    outputs({
      kind: 'text',
      text: `p3 finished in ${result.wallSeconds.toFixed(0)} s (dying-ReLU part: ${result.dying.wallSeconds.toFixed(0)} s on ${result.dying.workers} worker thread${result.dying.workers === 1 ? '' : 's'}).`,
    }),
  );
  blocks.push(...divergedNote);

  // 3.1
  blocks.push(heading(2, '3.1 Vanishing gradients with RandomNormal initialisation'));
  blocks.push(
    markdown(
      `**Setup** (as in DeepReplay's \`part2_weight_initializers.py\`): the *ball* data set — ${result.ball.points} points drawn uniformly from a ` +
        `${result.ball.dims}-dimensional ball, scaled so that the overall std is 1 (radius ${result.ball.radius.toFixed(3)} after scaling), label 1 when ` +
        `$|\\sum_j x_j| > ${c.ballRadiusFraction}\\,r$ (${pct1(result.ball.positiveFraction)} positives). The model has ${c.gradHiddenLayers} hidden ` +
        `Dense(${c.gradUnits}) layers h1…h${c.gradHiddenLayers} with the activation under study and a Dense(1, sigmoid) output; every kernel is drawn ` +
        `from the initialiser under study, biases are zero, the loss is the binary cross-entropy averaged over all ${result.ball.points} points. ` +
        `We compute $\\partial L/\\partial W_l$ for each hidden kernel at the initial weights (no training step) on the full batch, ` +
        `in float64. All RandomNormal runs use the same model seed, so they draw the same standard normals, scaled by σ: ` +
        `the only difference between panels is the scale of the weights.`,
    ),
  );
  blocks.push(
    outputs(
      violinFigure(
        'p3-gradients-tanh',
        'tanh: ∂L/∂W per hidden layer at initialisation, RandomNormal',
        `violins: kernel density of all ${c.gradUnits}·fan-in gradient values of each layer (a ${c.gradSamples}-point quantile summary); each panel has its own explicit y range`,
        normals(tanh).map((run) => ({ run, title: `σ = ${run.std}` })),
      ),
      violinFigure(
        'p3-gradients-sigmoid',
        'sigmoid: ∂L/∂W per hidden layer at initialisation, RandomNormal',
        `violins: kernel density of all ${c.gradUnits}·fan-in gradient values of each layer (a ${c.gradSamples}-point quantile summary); each panel has its own explicit y range`,
        normals(sigmoid).map((run) => ({ run, title: `σ = ${run.std}` })),
      ),
      gradientTable(
        normals(result.gradients),
        'Std of ∂L/∂W per hidden layer at initialisation (RandomNormal)',
      ),
      activationTable(result.gradients),
    ),
  );
  blocks.push(
    markdown(
      `**Reading the figures.** Within a panel the five layers share one linear y axis, so a layer whose violin is a flat line has gradients ` +
        `orders of magnitude smaller than the widest layer. Across panels the scales differ by up to ` +
        `$${texSci(Math.max(...normals(result.gradients).map((g) => panelDomain(g)[1])) / Math.min(...normals(result.gradients).map((g) => panelDomain(g)[1])), 0)}$, ` +
        `so one shared linear axis would flatten whole panels into a line, and a symmetric-log axis would distort the violin shapes (the density ` +
        `is estimated on a linear scale); each panel therefore has its own explicit range (in its subtitle), and the cross-σ comparison is the ` +
        `log-scale chart of 3.2 and the table.\n\n` +
        `**Observations, tanh:**\n${gradientParagraphs(result, 'tanh')}\n\n**Observations, sigmoid:**\n${gradientParagraphs(result, 'sigmoid')}\n\n` +
        `**Explanation (tanh).** ${explain31(result, 'tanh')}\n\n**Explanation (sigmoid).** ${explain31(result, 'sigmoid')}`,
    ),
  );

  // 3.2
  blocks.push(heading(2, '3.2 Xavier (Glorot normal) initialisation'));
  blocks.push(
    markdown(
      `Glorot normal draws each kernel from a normal with std $\\sqrt{2/(n_\\text{in} + n_\\text{out})}$ (Keras' truncated form, rescaled so the std is exact): ` +
        `${glorots[0]?.layers.map((l) => `${l.weightStd.toFixed(3)} (${l.layer})`).join(', ') ?? ''} here. The choice makes $\\operatorname{Var}(W^\\top\\delta) \\approx \\operatorname{Var}(\\delta)$ ` +
        `and $\\operatorname{Var}(Wh) \\approx \\operatorname{Var}(h)$ for a unit-slope activation around 0, i.e. $\\sigma\\sqrt{n} \\approx 1$, so neither the forward nor the backward signal ` +
        `grows or shrinks systematically from layer to layer.`,
    ),
  );
  blocks.push(
    outputs(
      violinFigure(
        'p3-gradients-glorot',
        'Glorot normal: ∂L/∂W per hidden layer at initialisation',
        'violins as in 3.1; each panel has its own explicit y range',
        glorots.map((run) => ({ run, title: run.activation })),
      ),
      stdFigure(result),
      gradientTable(result.gradients, 'Std of ∂L/∂W per hidden layer at initialisation, all initialisers'),
      ...trainedTables(result),
    ),
  );
  blocks.push(
    markdown(
      `**Observations.**\n${explain32(result)}\n\n` +
        `For **tanh**, whose slope at 0 is 1, Glorot's assumption holds and the gradients keep the same order of magnitude through all layers, ` +
        `unlike σ = 0.01 (all layers starved) and σ = 1 (saturated units, large layer-to-layer swings). For the **sigmoid** the improvement is ` +
        `partial: Glorot was derived for an activation with slope 1 at the origin, but $\\sigma'(0) = 1/4$ and the outputs are centred at 0.5, ` +
        `so each layer still shrinks the backward signal by about 4 and the gradients still decrease towards the input (a common remedy ` +
        `is a 4× larger scale for the logistic sigmoid, compensating $\\sigma'(0) = 1/4$). This is one reason why zero-centred activations such as tanh — and, for deep nets, ` +
        `ReLU with He initialisation — replaced the sigmoid in hidden layers.` +
        trainedParagraph(result),
    ),
  );

  // 3.3
  const relu = result.dying.runs.find((r) => r.activation === 'relu');
  const leaky = result.dying.runs.find((r) => r.activation === 'leakyRelu');
  blocks.push(heading(2, '3.3 Dying ReLU: collapse of deep, narrow networks'));
  blocks.push(
    markdown(
      `**Setup.** Target $${targetFormula[result.dying.target]}$ (the first function of Lu et al., p. 13). ${c.nets} independent nets with ` +
        `${c.depth} hidden layers of width ${c.width}, one input and one linear output. Each net has its own ${c.trainPoints} training points ` +
        `$x \\sim U[-\\sqrt{7}, \\sqrt{7}]$, its own ${c.initializer === 'heNormal' ? 'He-normal' : c.initializer} kernels (std $\\sqrt{2/n_\\text{in}}$, symmetric) and zero biases, ` +
        `its own minibatch order; MSE loss, Adam (lr ${c.learningRate}, β = 0.9/0.999, ε = 1e-7), minibatch ${c.batchSize}, ${c.epochs} epochs ` +
        `(${Math.ceil(c.trainPoints / c.batchSize) * c.epochs} steps; chosen so that a net which learns the function fits it closely — see the loss curves and the tables). ` +
        `**Collapse test:** a net is constant when max − min of its output on ${c.gridPoints} equally spaced points of the interval is at most ` +
        `${c.collapseTolerance} × the range of the target there; applied at initialisation (born dead) and after training (collapsed). The histogram ` +
        `of output ranges shows how much the threshold matters: most constant ReLU nets have range exactly 0 and alive nets a range of order 1; ` +
        `${borderline(result)} nets end within a factor 100 of the threshold, the only ones a tolerance up to 100× smaller or larger would reclassify.\n\n` +
        `The nets are trained in lockstep by \`MlpEnsemble\`: all ${c.nets} nets' weights live in [N, out, in] arrays and one step runs every net's ` +
        `forward and backward pass on its own minibatch, then one Adam update over all arrays; shards of ${c.shardSize} nets run on the worker pool ` +
        `and checkpoint every ${c.checkpointEvery} epochs.`,
    ),
  );
  blocks.push(
    outputs(
      collapseFigure(result),
      ...dyingTables(result),
      traceFigure(result),
      examplesFigure(result),
      rangeFigure(result),
      lossFigure(result),
    ),
  );
  if (relu !== undefined) blocks.push(markdown(answer33(result, relu)));

  // 3.4
  blocks.push(heading(2, '3.4 Leaky ReLU'));
  blocks.push(
    markdown(
      `The same ${c.nets} nets — same data, same initial weights, same minibatch order — with $\\phi(z) = z$ for $z > 0$ and ` +
        `$\\phi(z) = ${c.leakySlope}z$ for $z \\le 0$ in every hidden layer (\`MlpEnsemble\` with \`activation: 'leakyRelu'\`); the results are in the ` +
        `figures and the table of 3.3.`,
    ),
  );
  if (relu !== undefined && leaky !== undefined) blocks.push(markdown(answer34(relu, leaky, c)));
  return blocks;
}
