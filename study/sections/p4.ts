/**
 * Problem 4's report section: the concepts (4.1), the learned BN parameters as violins (4.2, 4.3), and
 * train/test curves of the four variants in the panel layouts the homework asks for (4.3–4.5), with
 * observations computed from the measured numbers.
 */
import type { P4Config, P4Result, P4Run, P4Variant } from '../experiments/p4-spec.js';
import { P4_VARIANTS } from '../experiments/p4-spec.js';
import {
  describe,
  type Block,
  type FigureOutput,
  type Output,
  type TableOutput,
  type VegaLiteSpec,
} from 'nnlab';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

const pct = (x: number, digits = 2): string => `${(100 * x).toFixed(digits)}%`;
const pts = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(2)} points`;

function runsOf(result: P4Result, variant: P4Variant): P4Run[] {
  return result.runs.filter((r) => r.variant === variant);
}

function has(result: P4Result, variant: P4Variant): boolean {
  return runsOf(result, variant).length > 0;
}

function panelTitle(v: P4Variant): string {
  const s = P4_VARIANTS[v];
  return s.part === '' ? s.label : `${s.part}: ${s.label}`;
}

type Metric = 'accuracy' | 'loss';

/** Rows {panel, set, epoch, mean, min, max} of a metric over the seeds, accuracy in percent. */
function curveRows(
  result: P4Result,
  variants: P4Variant[],
  metric: Metric,
): { [k: string]: string | number }[] {
  const rows: { [k: string]: string | number }[] = [];
  const scale = metric === 'accuracy' ? 100 : 1;
  for (const v of variants) {
    const runs = runsOf(result, v);
    const epochs = Math.min(...runs.map((r) => r.epoch.length));
    const sets: [string, (r: P4Run) => number[]][] = [
      ['train (inference mode)', (r) => (metric === 'accuracy' ? r.trainAccuracy : r.trainLoss)],
      ['test', (r) => (metric === 'accuracy' ? r.testAccuracy : r.testLoss)],
    ];
    for (const [set, get] of sets) {
      for (let e = 0; e < epochs; e++) {
        const d = describe(runs.map((r) => scale * get(r)[e]));
        rows.push({ panel: panelTitle(v), set, epoch: e + 1, mean: d.mean, min: d.min, max: d.max });
      }
    }
  }
  return rows;
}

/**
 * A y domain shared by every panel, covering all means and bands: accuracy (%) from just under the lowest
 * value (rounded down to 0.5) to 100; loss from 0 to just over the highest value.
 */
export function sharedDomain(rows: { [k: string]: string | number }[], metric: Metric): [number, number] {
  const lo = Math.min(...rows.map((r) => Number(r.min)));
  const hi = Math.max(...rows.map((r) => Number(r.max)));
  if (metric === 'accuracy')
    return [Math.max(0, Math.floor((lo - 0.25) * 2) / 2), Math.min(100, Math.ceil(hi + 0.25))];
  const step = hi > 0.5 ? 0.1 : hi > 0.1 ? 0.02 : 0.005;
  return [0, Math.ceil((hi * 1.05) / step) * step];
}

/**
 * The accuracy domain of the second half of training (epochs > E/2), for a zoomed copy of a figure whose
 * early epochs stretch the shared scale; null when zooming would gain less than 1.5 points of range.
 */
export function zoomDomain(result: P4Result, variants: P4Variant[]): [number, number] | null {
  const half = result.config.epochs / 2;
  const rows = curveRows(result, variants, 'accuracy');
  const late = rows.filter((r) => Number(r.epoch) > half);
  if (late.length === 0) return null;
  const full = sharedDomain(rows, 'accuracy');
  const zoom = sharedDomain(late, 'accuracy');
  return zoom[0] - full[0] >= 1.5 ? zoom : null;
}

/** The figure, plus a zoomed copy (same panels, same shared y scale, clipped) when it pays. */
function accuracyFigures(id: string, title: string, result: P4Result, variants: P4Variant[]): FigureOutput[] {
  const out = [curveFigure(id, title, result, variants, 'accuracy')];
  const zoom = zoomDomain(result, variants);
  if (zoom !== null)
    out.push(
      curveFigure(`${id}-zoom`, `${title} (zoom on the later epochs)`, result, variants, 'accuracy', zoom),
    );
  return out;
}

/** Side-by-side panels (one per variant) of train and test curves over epochs, on one explicit y scale. */
function curveFigure(
  id: string,
  title: string,
  result: P4Result,
  variants: P4Variant[],
  metric: Metric,
  domainOverride?: [number, number],
): FigureOutput {
  const rows = curveRows(result, variants, metric);
  const domain = domainOverride ?? sharedDomain(rows, metric);
  const nSeeds = result.seeds.length;
  const clipNote = domainOverride === undefined ? '' : `, zoomed: points below ${domain[0]}% are cut off`;
  const yTitle = metric === 'accuracy' ? 'accuracy (%)' : 'cross-entropy loss (nats per image)';
  const x = {
    field: 'epoch',
    type: 'quantitative',
    title: 'epoch',
    scale: { domain: [1, result.config.epochs] },
    axis: { tickMinStep: 1, format: 'd' },
  };
  const color = {
    field: 'set',
    type: 'nominal',
    title: 'evaluated on',
    scale: { domain: ['train (inference mode)', 'test'], range: ['#1f77b4', '#d62728'] },
    // One legend for band and line, drawn as opaque line symbols (the band alone would show pale squares).
    legend: {
      orient: 'bottom',
      symbolType: 'stroke',
      symbolStrokeWidth: 2.5,
      symbolOpacity: 1,
      symbolFillColor: null,
    },
  };
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: title,
      subtitle:
        nSeeds > 1
          ? `line: mean of ${nSeeds} seeds; band: min–max over seeds; y axes share one scale [${domain.join(', ')}]${clipNote}`
          : `one seed; y axes share one scale [${domain.join(', ')}]${clipNote}`,
    },
    data: { values: rows },
    facet: {
      column: {
        field: 'panel',
        type: 'nominal',
        title: null,
        sort: variants.map(panelTitle),
        // Two lines ("4.2:" over the variant) so three narrow panels' labels never run into each other.
        header: { labelFontSize: 11, labelLimit: 250, labelExpr: "split(datum.label, ': ')" },
      },
    },
    spec: {
      // Three panels must fit the PDF's text width at full size (the report warns above ~628 px).
      width: variants.length >= 3 ? 165 : 230,
      height: 200,
      layer: [
        {
          mark: { type: 'area', opacity: 0.2, clip: true },
          encoding: {
            x,
            y: {
              field: 'min',
              type: 'quantitative',
              title: yTitle,
              scale: { domain, zero: false, nice: false },
            },
            y2: { field: 'max' },
            color,
          },
        },
        {
          mark: { type: 'line', point: { size: 20 }, clip: true },
          encoding: {
            x,
            y: {
              field: 'mean',
              type: 'quantitative',
              title: yTitle,
              scale: { domain, zero: false, nice: false },
            },
            color,
            tooltip: [
              { field: 'panel', title: 'variant' },
              { field: 'set' },
              { field: 'epoch' },
              { field: 'mean', format: '.4f' },
              { field: 'min', format: '.4f' },
              { field: 'max', format: '.4f' },
            ],
          },
        },
      ],
    },
    resolve: { scale: { y: 'shared' } },
  };
  return { kind: 'figure', id, title, spec };
}

/** Order in which BN layers appear in LeNet-5. */
const LAYER_ORDER = ['input', 'conv1', 'conv2', 'dense1', 'dense2', 'dense3'];

function layerTitle(layer: string, channels: number): string {
  const unit = layer === 'input' || layer.startsWith('conv') ? 'channel' : 'unit';
  return `${layer} (${channels} ${unit}${channels === 1 ? '' : 's'})`;
}

/** Violins of one BN parameter, one per layer, pooling the per-channel values of every seed. */
function violinFigure(id: string, title: string, runs: P4Run[], param: 'gamma' | 'beta'): FigureOutput {
  const rows: { layer: string; value: number; seed: number }[] = [];
  const titles = new Map<string, string>();
  for (const r of runs) {
    for (const b of r.bn) {
      titles.set(b.layer, layerTitle(b.layer, b[param].length));
      for (const value of b[param]) rows.push({ layer: titles.get(b.layer) as string, value, seed: r.seed });
    }
  }
  const order = [...titles.keys()]
    .sort((a, b) => LAYER_ORDER.indexOf(a) - LAYER_ORDER.indexOf(b))
    .map((k) => titles.get(k) as string);
  const symbol = param === 'gamma' ? 'γ (scale, dimensionless)' : 'β (shift, in normalised units)';
  const y = { field: 'value', type: 'quantitative', title: `learned ${symbol}`, scale: { zero: false } };
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: title,
      subtitle: `one violin per BN layer: kernel density of the per-channel values (${
        runs.length === 1 ? 'one seed' : `${runs.length} seeds pooled`
      }); dots: the values; line: median`,
    },
    data: { values: rows },
    facet: {
      column: {
        field: 'layer',
        type: 'nominal',
        sort: order,
        title: 'batch-norm layer (the layer whose output it normalises)',
        header: { titleOrient: 'bottom', labelOrient: 'bottom', labelFontSize: 11 },
      },
    },
    spec: {
      width: 110,
      height: 240,
      layer: [
        {
          transform: [{ density: 'value', groupby: ['layer'], as: ['value', 'density'] }],
          mark: { type: 'area', orient: 'horizontal', opacity: 0.45, color: '#4c78a8' },
          encoding: {
            y,
            x: {
              field: 'density',
              type: 'quantitative',
              stack: 'center',
              impute: null,
              title: null,
              axis: { labels: false, ticks: false, grid: false, domain: false },
            },
          },
        },
        {
          mark: { type: 'circle', size: 14, opacity: 0.6, color: '#222' },
          encoding: { y, tooltip: [{ field: 'value', format: '.4f' }, { field: 'seed' }] },
        },
        {
          transform: [{ aggregate: [{ op: 'median', field: 'value', as: 'median' }], groupby: ['layer'] }],
          mark: { type: 'rule', color: '#d62728', strokeWidth: 2 },
          encoding: { y: { field: 'median', type: 'quantitative' } },
        },
      ],
    },
    resolve: { scale: { x: 'independent' } },
  };
  return { kind: 'figure', id, title, spec };
}

/** Per-layer summary of γ and β over channels and seeds. */
function bnTable(caption: string, runs: P4Run[]): TableOutput {
  const layers = new Map<string, { gamma: number[]; beta: number[] }>();
  for (const r of runs) {
    for (const b of r.bn) {
      const e = layers.get(b.layer) ?? { gamma: [], beta: [] };
      e.gamma.push(...b.gamma);
      e.beta.push(...b.beta);
      layers.set(b.layer, e);
    }
  }
  const rows = [...layers.entries()]
    .sort(([a], [b]) => LAYER_ORDER.indexOf(a) - LAYER_ORDER.indexOf(b))
    .map(([layer, { gamma, beta }]) => {
      const g = describe(gamma);
      const b = describe(beta);
      const channels = gamma.length / runs.length;
      return [
        layer,
        channels,
        g.mean.toFixed(3),
        g.std.toFixed(3),
        `${g.min.toFixed(3)} … ${g.max.toFixed(3)}`,
        b.mean.toFixed(3),
        b.std.toFixed(3),
        `${b.min.toFixed(3)} … ${b.max.toFixed(3)}`,
      ];
    });
  return {
    kind: 'table',
    caption,
    columns: ['BN layer', 'channels', 'γ mean', 'γ std', 'γ range', 'β mean', 'β std', 'β range'],
    rows,
  };
}

interface VariantSummary {
  final: ReturnType<typeof describe>;
  first: ReturnType<typeof describe>;
  trainFinal: ReturnType<typeof describe>;
  /** Last epoch's average training-mode accuracy (dropout on, batch statistics). */
  runningFinal: ReturnType<typeof describe>;
  testLossFinal: ReturnType<typeof describe>;
  /** Mean over seeds of the epoch (1-based) with the lowest test loss. */
  bestLossEpoch: number;
  /** Mean over seeds of (final test loss − lowest test loss) / lowest test loss. */
  lossRise: number;
  seconds: ReturnType<typeof describe>;
}

function summarise(result: P4Result, v: P4Variant): VariantSummary {
  const runs = runsOf(result, v);
  const last = (xs: number[]): number => xs[xs.length - 1];
  return {
    final: describe(runs.map((r) => last(r.testAccuracy))),
    first: describe(runs.map((r) => r.testAccuracy[0])),
    trainFinal: describe(runs.map((r) => last(r.trainAccuracy))),
    runningFinal: describe(runs.map((r) => last(r.runningAccuracy))),
    testLossFinal: describe(runs.map((r) => last(r.testLoss))),
    bestLossEpoch: describe(runs.map((r) => r.testLoss.indexOf(Math.min(...r.testLoss)) + 1)).mean,
    lossRise: describe(
      runs.map((r) => (last(r.testLoss) - Math.min(...r.testLoss)) / Math.min(...r.testLoss)),
    ).mean,
    seconds: describe(runs.map((r) => r.wallSeconds)),
  };
}

function summaryTable(result: P4Result, variants: P4Variant[]): TableOutput {
  const n = result.seeds.length;
  return {
    kind: 'table',
    caption: `Final (epoch ${result.config.epochs}) metrics, mean ± std over ${n} seed${n === 1 ? '' : 's'} (min … max)`,
    columns: [
      'part',
      'variant',
      'test accuracy',
      'min … max',
      'train accuracy (inference mode)',
      'train accuracy (training mode, epoch mean)',
      'test loss',
      'test acc. after epoch 1',
      'wall time per run',
    ],
    rows: variants.map((v) => {
      const s = summarise(result, v);
      return [
        P4_VARIANTS[v].part || '—',
        P4_VARIANTS[v].label,
        `${pct(s.final.mean)} ± ${(100 * s.final.std).toFixed(2)}`,
        `${pct(s.final.min)} … ${pct(s.final.max)}`,
        pct(s.trainFinal.mean),
        pct(s.runningFinal.mean),
        s.testLossFinal.mean.toFixed(4),
        pct(s.first.mean),
        `${s.seconds.mean.toFixed(0)} s`,
      ];
    }),
  };
}

/** Threshold below which two final test accuracies count as equal: the larger seed std, at least 0.05 points. */
function noiseLevel(result: P4Result, a: P4Variant, b: P4Variant): number {
  return Math.max(summarise(result, a).final.std, summarise(result, b).final.std, 0.0005);
}

/** How a gap of `diff` compares with the noise level, in words. */
function spreadWords(result: P4Result, noise: number): string {
  return result.seeds.length > 1
    ? `the seed-to-seed spread (${(100 * noise).toFixed(2)} points)`
    : `${(100 * noise).toFixed(2)} points (one seed only, so the spread is not measured)`;
}

/**
 * A sentence comparing a against b on final test accuracy: a difference smaller than the larger seed
 * standard deviation (at least 0.05 points) is called no clear difference.
 */
export function compareSentence(result: P4Result, a: P4Variant, b: P4Variant): string {
  const sa = summarise(result, a);
  const sb = summarise(result, b);
  const diff = sa.final.mean - sb.final.mean;
  const noise = noiseLevel(result, a, b);
  const spread = spreadWords(result, noise);
  const winner = diff > 0 ? a : b;
  const verdict =
    Math.abs(diff) <= noise
      ? `no clear difference: the gap is within ${spread}`
      : `**${P4_VARIANTS[winner].label}** is better, by more than ${spread}`;
  return (
    `Final test accuracy ${pct(sa.final.mean)} (${P4_VARIANTS[a].label}) vs ${pct(sb.final.mean)} ` +
    `(${P4_VARIANTS[b].label}), a difference of ${pts(diff)}: ${verdict}.`
  );
}

/** −1, 0 or +1: whether a's final test accuracy is clearly below, level with, or clearly above b's. */
function order(result: P4Result, a: P4Variant, b: P4Variant): -1 | 0 | 1 {
  const diff = summarise(result, a).final.mean - summarise(result, b).final.mean;
  return Math.abs(diff) <= noiseLevel(result, a, b) ? 0 : diff > 0 ? 1 : -1;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What the curves say about speed of learning and overfitting for one variant. */
function dynamicsSentence(result: P4Result, v: P4Variant): string {
  const s = summarise(result, v);
  const gap = s.trainFinal.mean - s.final.mean;
  const E = result.config.epochs;
  // A rise under 10 % of the minimum is within the epoch-to-epoch wobble of the test loss.
  const lossNote =
    s.lossRise > 0.1
      ? `its test loss is lowest around epoch ${s.bestLossEpoch.toFixed(1)} and ends ${(100 * s.lossRise).toFixed(0)}% higher (the start of overfitting)`
      : s.lossRise < 0.005
        ? 'its test loss is at its minimum at the end (no sign of overfitting yet)'
        : `its test loss ends within ${(100 * s.lossRise).toFixed(0)}% of its minimum (no sign of overfitting yet)`;
  return (
    `*${panelTitle(v)}*: ${pct(s.first.mean)} test accuracy after one epoch, ${pct(s.final.mean)} after ${plural(E, 'epoch')}; ` +
    `train − test gap ${pts(gap)}; ${lossNote}.`
  );
}

function runCode(c: P4Config, seed: number): string {
  return `// Problem 4 as nnlab runs it. From a shell:
//   npx nnlab run p4           4 variants × 3 seeds × 10 epochs on all of MNIST
//   npx nnlab run p4 --quick   a few hundred images, one epoch: a smoke test in seconds
import { runExperiment } from 'nnlab';

// Every (variant, seed) pair is an independent job on the worker pool (a thread per core);
// each job checkpoints the model after every epoch, so an interrupted run resumes.
const result = await runExperiment(
  'p4',
  { learningRate: ${c.learningRate}, epochs: ${c.epochs}, batchSize: ${c.batchSize}, seeds: ${c.seeds} },
  { seed: ${seed} },
);`;
}

function settingsText(result: P4Result): string {
  const c = result.config;
  const seeds = result.seeds;
  return [
    `**Setup.** LeNet-5 as in LeCun et al. (1998), adapted to 28×28 input: conv 6@5×5 ('same' padding) → ${c.pooling} pool 2×2 → conv 16@5×5 ('valid') → ${c.pooling} pool 2×2 → flatten 400 → dense 120 → dense 84 → dense 10 with softmax; ${c.activation} activations in the hidden layers (the modern choice; the 1998 network used scaled tanh and trainable subsampling).`,
    `Every variant is trained with the same settings: ${plural(c.epochs, 'epoch')} of plain SGD (learning rate ${c.learningRate}${c.momentum > 0 ? `, momentum ${c.momentum}` : ', no momentum'}), minibatch ${c.batchSize}, cross-entropy loss, the same seeds (${seeds.join(', ')}) for initialisation, shuffling and dropout masks, on ${c.trainCount.toLocaleString('en-US')} training and ${c.testCount.toLocaleString('en-US')} test images of MNIST.`,
    `Batch normalisation follows Keras: per-channel statistics over batch and spatial positions for conv layers, per unit for dense layers, $\\epsilon = 10^{-3}$, moving averages with momentum 0.99 used at inference, $\\gamma$ initialised to 1 and $\\beta$ to 0; a hidden BN sits between each conv/dense layer and its activation. "Standardised input" means $(x/255 - ${result.inputMean.toFixed(4)})/${result.inputStd.toFixed(4)}$ with the training set's pixel mean and standard deviation; "BN on the input" feeds $x/255$ to a BN layer with one channel. Dropout is inverted dropout with rate ${c.inputDropout} on the input and ${c.hiddenDropout} after each hidden layer.`,
    `**Train curves are measured in inference mode** (moving BN statistics, no dropout) on the first ${c.trainEvalCount.toLocaleString('en-US')} training images after each epoch, so train and test numbers are comparable; the average over the epoch's minibatches in training mode is stored too (\`runningLoss\`, \`runningAccuracy\`) but is biased by dropout and by weights changing during the epoch.`,
  ].join('\n\n');
}

/** Part 4.2's network trained by hand with the library calls the experiment makes. */
function code42(c: P4Config): string {
  return `import { lenet5, SGD, loadIdxDataset, pixelStats, toImageTensor, oneHot } from 'nnlab';

// Standardise with training-set statistics only; the test set reuses them.
const train = loadIdxDataset('mnist', 'train'); // 60,000 images, SHA-256 checked
const test = loadIdxDataset('mnist', 'test'); //   10,000 images
const { mean, std } = pixelStats(train.images, train.count); // ≈ 0.1307, 0.3081 (x/255)
const scale = { normalize: 'standardize', mean, std } as const;
const x = toImageTensor(train.images, train.count, scale); // N×1×28×28 float32
const y = oneHot(train.labels, 10);
const xTest = toImageTensor(test.images, test.count, scale);
const yTest = oneHot(test.labels, 10);

// Part 4.2: BN between each hidden conv/dense layer and its activation
// (those layers drop their bias: β takes its role).
const model = lenet5({
  activation: '${c.activation}', pooling: '${c.pooling}', batchNorm: true, inputBatchNorm: false, seed: 1,
});
model.compile({
  optimizer: new SGD({ learningRate: ${c.learningRate}, momentum: ${c.momentum} }),
  loss: 'categoricalCrossentropy',
  metrics: ['accuracy'],
});
await model.fit(x, y, { epochs: ${c.epochs}, batchSize: ${c.batchSize}, shuffle: true });
// Inference mode: BN uses its moving statistics.
console.log(model.evaluate(xTest, yTest)); // { loss, accuracy }

// The learned parameters: one γ and one β per channel of each BN layer
// (its weights are gamma, beta, moving mean, moving variance).
for (const layer of model.layers.filter((l) => l.kind === 'batch_normalization')) {
  const [gamma, beta] = layer.weights.map((w) => w.value.toArray());
  console.log(layer.name, gamma, beta);
}
// Below: the same, measured by \`nnlab run p4\` for every seed (the violins pool them).`;
}

/** Part 4.3's network: the same call with the input BN switched on and unstandardised input. */
function code43(c: P4Config): string {
  return `// Same network and settings, but the raw x/255 goes through a one-channel BN layer
// instead of being standardised: the network learns the input's scale γ and shift β,
// normalising with each minibatch's statistics.
const xUnit = toImageTensor(train.images, train.count, { normalize: 'unit' });
const modelB = lenet5({
  activation: '${c.activation}', pooling: '${c.pooling}', batchNorm: true, inputBatchNorm: true, seed: 1,
});
modelB.compile({
  optimizer: new SGD({ learningRate: ${c.learningRate}, momentum: ${c.momentum} }),
  loss: 'categoricalCrossentropy',
  metrics: ['accuracy'],
});
await modelB.fit(xUnit, y, { epochs: ${c.epochs}, batchSize: ${c.batchSize}, shuffle: true });`;
}

function code44(c: P4Config): string {
  return `// Part 4.4: no BN, standardised input; dropout ${c.inputDropout} on the input and
// ${c.hiddenDropout} after each hidden block (after the pooling of the conv blocks).
const modelC = lenet5({
  activation: '${c.activation}', pooling: '${c.pooling}',
  dropout: { input: ${c.inputDropout}, hidden: ${c.hiddenDropout} }, seed: 1,
});
// The accuracy figure of 4.3 with a third panel for it, on the same y scale.`;
}

function code45(c: P4Config): string {
  return `// Part 4.5: BN everywhere (input included, so input x/255) and the same dropout.
const modelD = lenet5({
  activation: '${c.activation}', pooling: '${c.pooling}', batchNorm: true, inputBatchNorm: true,
  dropout: { input: ${c.inputDropout}, hidden: ${c.hiddenDropout} }, seed: 1,
});
// Accuracy of BN alone (4.3), dropout alone (4.4) and both (4.5), one shared y scale.`;
}

/** Training time summed over the runs (each measured in its job, across resumptions) and the run's own time. */
function wallTimeText(result: P4Result): string {
  const total = result.runs.reduce((t, r) => t + r.wallSeconds, 0);
  return (
    `${result.runs.length} runs (${result.config.variants.length} variants × ${result.seeds.length} seeds): ` +
    `${(total / 60).toFixed(1)} min of training and evaluation in total, ${(total / result.runs.length / 60).toFixed(1)} min per run on average; ` +
    `the last invocation of the experiment took ${(result.wallSeconds / 60).toFixed(1)} min (runs in parallel on the worker pool; a resumed run counts only its own part)`
  );
}

function figureCell(comment: string, outputs: Output[]): Block {
  return { kind: 'code', source: comment, outputs };
}

/** Problem 4's blocks: setup, 4.1 concepts, 4.2–4.5 figures and observations, and a summary table. */
export function p4Section(result: P4Result): Block[] {
  const blocks: Block[] = [
    { kind: 'heading', level: 1, text: 'Problem 4 — Batch normalisation, dropout, MNIST' },
    { kind: 'markdown', text: settingsText(result) },
    {
      kind: 'code',
      source: runCode(result.config, result.seeds[0]),
      outputs: [{ kind: 'text', text: wallTimeText(result) }],
    },
    { kind: 'heading', level: 2, text: '4.1 Co-adaptation and internal covariate shift' },
  ];
  const missing = (v: P4Variant): Block => ({
    kind: 'markdown',
    text: `*Variant "${P4_VARIANTS[v].label}" was not part of this run (config \`variants\`), so this part is skipped.*`,
  });

  blocks.push({
    kind: 'heading',
    level: 2,
    text: '4.2 Standardised input, batch normalisation in the hidden layers',
  });
  if (has(result, 'std-bn')) {
    const runs = runsOf(result, 'std-bn');
    blocks.push(
      {
        kind: 'markdown',
        text: `The learned parameters are one $\\gamma$ and one $\\beta$ per channel of each BN layer: 6 after conv1, 16 after conv2, 120 after dense1 and 84 after dense2. The table lists them per layer; the violins show their distributions.`,
      },
      figureCell(code42(result.config), [
        bnTable('Part 4.2: learned BN parameters per layer (over channels and seeds)', runs),
        violinFigure('p4-2-gamma-violins', 'Part 4.2: learned BN scale γ per layer', runs, 'gamma'),
        violinFigure('p4-2-beta-violins', 'Part 4.2: learned BN shift β per layer', runs, 'beta'),
      ]),
      { kind: 'markdown', text: bnObservations(runs) },
    );
  } else blocks.push(missing('std-bn'));

  blocks.push({
    kind: 'heading',
    level: 2,
    text: '4.3 Batch normalisation on the input instead of standardisation',
  });
  if (has(result, 'bn-input')) {
    const runs = runsOf(result, 'bn-input');
    blocks.push(
      figureCell(code43(result.config), [
        bnTable('Part 4.3: learned BN parameters per layer, input BN included', runs),
        violinFigure(
          'p4-3-gamma-violins',
          'Part 4.3: learned BN scale γ per layer (input BN included)',
          runs,
          'gamma',
        ),
        violinFigure(
          'p4-3-beta-violins',
          'Part 4.3: learned BN shift β per layer (input BN included)',
          runs,
          'beta',
        ),
      ]),
      { kind: 'markdown', text: inputBnObservation(result, runs) },
    );
    if (has(result, 'std-bn')) {
      const pair: P4Variant[] = ['std-bn', 'bn-input'];
      blocks.push(
        figureCell(
          `// Train/test accuracy and loss over epochs: part 4.2 (left) vs part 4.3 (right), one shared y scale.`,
          [
            ...accuracyFigures(
              'p4-3-accuracy',
              'Accuracy: standardised input (4.2) vs BN on the input (4.3)',
              result,
              pair,
            ),
            curveFigure(
              'p4-3-loss',
              'Loss: standardised input (4.2) vs BN on the input (4.3)',
              result,
              pair,
              'loss',
            ),
          ],
        ),
        {
          kind: 'markdown',
          text: [
            `**Observations.** ${dynamicsSentence(result, 'std-bn')} ${dynamicsSentence(result, 'bn-input')}`,
            `**Did batch normalisation of the input improve performance?** ${compareSentence(result, 'bn-input', 'std-bn')} ${inputBnExplanation(result)}`,
          ].join('\n\n'),
        },
      );
    }
  } else blocks.push(missing('bn-input'));

  blocks.push({ kind: 'heading', level: 2, text: '4.4 Dropout instead of batch normalisation' });
  if (has(result, 'dropout')) {
    const three = (['std-bn', 'bn-input', 'dropout'] as P4Variant[]).filter((v) => has(result, v));
    const text = [`**Observations.** ${dynamicsSentence(result, 'dropout')}`];
    for (const other of ['std-bn', 'bn-input', 'plain'] as P4Variant[]) {
      if (has(result, other))
        text.push(`Dropout vs ${P4_VARIANTS[other].label}: ${compareSentence(result, 'dropout', other)}`);
    }
    text.push(`**Did dropout help?** ${dropoutVerdict(result)}`);
    blocks.push(
      figureCell(code44(result.config), [
        ...accuracyFigures(
          'p4-4-accuracy',
          'Accuracy: BN variants (4.2, 4.3) vs dropout (4.4)',
          result,
          three,
        ),
      ]),
      { kind: 'markdown', text: text.join('\n\n') },
    );
  } else blocks.push(missing('dropout'));

  blocks.push({ kind: 'heading', level: 2, text: '4.5 Batch normalisation and dropout together' });
  if (has(result, 'bn-dropout')) {
    const three = (['bn-input', 'dropout', 'bn-dropout'] as P4Variant[]).filter((v) => has(result, v));
    const text = [`**Observations.** ${dynamicsSentence(result, 'bn-dropout')}`];
    for (const other of ['bn-input', 'dropout'] as P4Variant[]) {
      if (has(result, other))
        text.push(
          `BN + dropout vs ${P4_VARIANTS[other].label}: ${compareSentence(result, 'bn-dropout', other)}`,
        );
    }
    text.push(combinationNote(result));
    blocks.push(
      figureCell(code45(result.config), [
        ...accuracyFigures(
          'p4-5-accuracy',
          'Accuracy: BN (4.3) vs dropout (4.4) vs BN + dropout (4.5)',
          result,
          three,
        ),
      ]),
      { kind: 'markdown', text: text.join('\n\n') },
    );
  } else blocks.push(missing('bn-dropout'));

  const all = (Object.keys(P4_VARIANTS) as P4Variant[]).filter((v) => has(result, v));
  blocks.push(
    { kind: 'heading', level: 3, text: 'Summary of Problem 4' },
    figureCell(`// Final numbers of every variant.`, [summaryTable(result, all)]),
  );
  return blocks;
}

function bnObservations(runs: P4Run[]): string {
  const layers = runs[0].bn.map((b) => b.layer);
  const parts = layers.map((layer) => {
    const g = describe(runs.flatMap((r) => r.bn.find((b) => b.layer === layer)?.gamma ?? []));
    const b = describe(runs.flatMap((r) => r.bn.find((x) => x.layer === layer)?.beta ?? []));
    return `${layer}: γ ${g.mean.toFixed(3)} ± ${g.std.toFixed(3)}, β ${b.mean.toFixed(3)} ± ${b.std.toFixed(3)}`;
  });
  return (
    `**Observations.** Starting from γ = 1 and β = 0, the parameters moved to (mean ± std over channels and seeds) ${parts.join('; ')}. ` +
    `γ sets how strongly each normalised channel drives the next layer and β shifts it relative to the ReLU's threshold at 0: a negative β makes a channel sparser (more outputs clipped to 0), a positive one keeps more of it active. ` +
    `Only ${runs[0].bn.reduce((s, b) => s + 2 * b.gamma.length, 0)} of the network's ${runs[0].parameters.toLocaleString('en-US')} parameters are BN parameters.`
  );
}

function inputBnObservation(result: P4Result, runs: P4Run[]): string {
  const g = describe(runs.flatMap((r) => r.bn.find((b) => b.layer === 'input')?.gamma ?? []));
  const b = describe(runs.flatMap((r) => r.bn.find((b) => b.layer === 'input')?.beta ?? []));
  // The input BN maps x/255 to γ(x/255 − μ)/σ + β; at γ = 1, β = 0 it equals standardisation with batch
  // statistics, so γ, β measure how far the network moved away from standardised input.
  return (
    `The input BN layer has one channel, so it learns a single γ and β per run: γ = ${g.mean.toFixed(3)} (seeds: ${g.min.toFixed(3)} … ${g.max.toFixed(3)}), β = ${b.mean.toFixed(3)} (${b.min.toFixed(3)} … ${b.max.toFixed(3)}). ` +
    `At γ = 1, β = 0 the input BN is exactly standardisation, but with each minibatch's mean and standard deviation instead of the training set's (${result.inputMean.toFixed(4)} and ${result.inputStd.toFixed(4)}), so the learned values show how far the network chose to move away from standardised input.`
  );
}

function inputBnExplanation(result: P4Result): string {
  const why =
    "Standardisation with whole-training-set statistics already gives conv1 zero-mean, unit-variance input; an input BN adds only a learned affine map (which conv1's weights and bias could absorb) and batch-to-batch noise in its statistics, and MNIST batches of 128 have nearly the same pixel statistics.";
  switch (order(result, 'bn-input', 'std-bn')) {
    case 0:
      return `So no: replacing standardisation by an input BN made no measurable difference, as one would expect. ${why}`;
    case 1:
      return `So yes, slightly, though the mechanism is limited: ${why} What remains is the learned scale and shift, and the regularising noise of batch statistics.`;
    default:
      return `So no: the input BN was worse here. ${why} Its batch-statistics noise and the lag of its moving averages (momentum 0.99) are pure cost when the fixed standardisation is already right.`;
  }
}

function dropoutVerdict(result: P4Result): string {
  const d = summarise(result, 'dropout');
  const gap = d.trainFinal.mean - d.final.mean;
  const bnVariants = (['std-bn', 'bn-input'] as P4Variant[]).filter((v) => has(result, v));
  const parts: string[] = [];
  if (bnVariants.length > 0) {
    const bnGap = describe(
      bnVariants.map((v) => summarise(result, v).trainFinal.mean - summarise(result, v).final.mean),
    ).mean;
    parts.push(
      `Train − test gap after ${plural(result.config.epochs, 'epoch')}: ${pts(gap)} with dropout vs ${pts(bnGap)} for the BN variants (train measured without dropout). ` +
        (gap < bnGap
          ? 'Dropout keeps the network from fitting the training set much better than the test set, which is what it is for.'
          : 'Dropout does not shrink the gap here.'),
    );
    const orders = bnVariants.map((v) => order(result, 'dropout', v));
    parts.push(
      orders.every((o) => o < 0)
        ? `On test accuracy, dropout alone is clearly behind both BN variants: dropping units makes every gradient step noisier, so in ${plural(result.config.epochs, 'epoch')} the network is still catching up${bnGap < 0.01 ? `, and with a train − test gap of only ${pts(bnGap)} for the BN nets there is little overfitting for dropout to cure` : ''}.`
        : orders.every((o) => o > 0)
          ? 'On test accuracy, dropout alone beats both BN variants.'
          : 'On test accuracy, dropout alone is level with at least one BN variant.',
    );
  }
  if (has(result, 'plain')) {
    const o = order(result, 'dropout', 'plain');
    parts.push(
      `Against the same network without any regulariser: ${compareSentence(result, 'dropout', 'plain')} ` +
        (o > 0
          ? 'So dropout helped.'
          : o === 0
            ? 'So dropout neither helped nor hurt.'
            : 'So dropout hurt at this budget.'),
    );
  } else {
    parts.push(
      'Whether dropout helps relative to no regulariser at all can be measured with the extra variant `plain` (`--set p4.variants=std-bn,bn-input,dropout,bn-dropout,plain`).',
    );
  }
  return parts.join(' ');
}

function combinationNote(result: P4Result): string {
  if (!has(result, 'bn-input') || !has(result, 'dropout')) return '';
  const both = summarise(result, 'bn-dropout').final.mean;
  const bn = summarise(result, 'bn-input').final.mean;
  const dr = summarise(result, 'dropout').final.mean;
  const verdict =
    both > Math.max(bn, dr)
      ? 'the combination is the best of the three here'
      : both < Math.min(bn, dr)
        ? 'the combination is the worst of the three here'
        : 'the combination lands between BN alone and dropout alone';
  const reason =
    both > Math.max(bn, dr)
      ? 'BN lets the network train fast despite the noise dropout injects, and dropout adds regularisation BN alone does not give.'
      : 'A known reason why they do not simply add: dropout changes the variance of a layer\'s activations between training (units dropped, the rest scaled by $1/(1-p)$) and inference (all units), while the next BN layer\'s moving statistics are collected in training mode, so at test time BN normalises with statistics that no longer match ("variance shift", Li et al. 2019); and both slow down fitting the training set.';
  return `**Do the benefits add up?** ${verdict[0].toUpperCase()}${verdict.slice(1)} (${pct(both)} vs ${pct(bn)} and ${pct(dr)}; differences within the seed spread are not meaningful, see above). ${reason} ${modeGapSentence(result)}`;
}

/**
 * Inference-mode minus training-mode accuracy on training images in the last epoch (little learning left
 * within it, so the two modes are comparable), per dropout variant: dropout
 * alone should gain when its noise is switched off; with BN after dropout a loss points at the variance shift.
 */
function modeGapSentence(result: P4Result): string {
  const gap = (v: P4Variant): number =>
    describe(
      runsOf(result, v).map(
        (r) => r.trainAccuracy[r.trainAccuracy.length - 1] - r.runningAccuracy[r.runningAccuracy.length - 1],
      ),
    ).mean;
  const d = gap('dropout');
  const bd = gap('bn-dropout');
  const measured = `In the last epoch, switching from training mode (dropout on, batch statistics; the epoch's average) to inference mode changes the accuracy on training images by ${pts(d)} for dropout alone and by ${pts(bd)} for BN + dropout.`;
  return bd < d - 0.005
    ? `${measured} Inference mode should only help (no units dropped), so the smaller gain with BN is consistent with the variance shift: BN's moving statistics describe activations thinned by dropout. The large seed-to-seed spread and the slow first epochs of BN + dropout point the same way.`
    : `${measured} So the variance shift does not show up strongly in these numbers.`;
}
