/**
 * Problem 4's section: the learned BN parameters as tables and violins (4.2, 4.3), and train/test curves of
 * the variants in the panel layouts the homework asks for (4.3–4.5), with observations computed from the
 * experiment's statistics over the seeds (the result's `summary`).
 */
import {
  p4,
  P4_VARIANTS,
  type P4Result,
  type P4Run,
  type P4Variant,
  type P4VariantSummary,
  summariseP4,
} from '../experiments/p4.js';
import {
  describe,
  type Block,
  type FigureOutput,
  type SampleStats,
  type TableOutput,
  type VegaLiteSpec,
} from 'nnlab';
import {
  accuracyDomain,
  epochX,
  nominal,
  heading,
  LINE_LEGEND,
  markdown,
  outputs,
  pct,
  plural,
  pts,
  SCHEMA,
} from './format.js';

function runsOf(result: P4Result, variant: P4Variant): P4Run[] {
  return result.runs.filter((r) => r.variant === variant);
}

/** The experiment's statistics over the seeds of a variant. */
function summaryOf(result: P4Result, variant: P4Variant): P4VariantSummary {
  const s = result.summary.find((x) => x.variant === variant);
  if (s === undefined) throw new Error(`p4Section: the result has no summary of variant '${variant}'`);
  return s;
}

function has(result: P4Result, variant: P4Variant): boolean {
  return result.summary.some((x) => x.variant === variant);
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
    const { curves } = summaryOf(result, v);
    const sets: [string, SampleStats[]][] = [
      ['train (inference mode)', metric === 'accuracy' ? curves.trainAccuracy : curves.trainLoss],
      ['test', metric === 'accuracy' ? curves.testAccuracy : curves.testLoss],
    ];
    for (const [set, stats] of sets) {
      stats.forEach((d, e) =>
        rows.push({
          panel: panelTitle(v),
          set,
          epoch: e + 1,
          mean: scale * d.mean,
          min: scale * d.min,
          max: scale * d.max,
        }),
      );
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
  if (metric === 'accuracy') return accuracyDomain(lo, hi, true);
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
  const x = epochX({ scale: { domain: [1, result.config.epochs] } });
  // One legend for band and line, drawn as opaque line symbols (the band alone would show pale squares).
  const color = nominal(
    'set',
    'evaluated on',
    { domain: ['train (inference mode)', 'test'], range: ['#1f77b4', '#d62728'] },
    LINE_LEGEND,
  );
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
function bnTable(caption: string, s: P4VariantSummary): TableOutput {
  return {
    kind: 'table',
    caption,
    columns: ['BN layer', 'channels', 'γ mean', 'γ std', 'γ range', 'β mean', 'β std', 'β range'],
    rows: s.bn.map(({ layer, channels, gamma: g, beta: b }) => [
      layer,
      channels,
      g.mean.toFixed(3),
      g.std.toFixed(3),
      `${g.min.toFixed(3)} … ${g.max.toFixed(3)}`,
      b.mean.toFixed(3),
      b.std.toFixed(3),
      `${b.min.toFixed(3)} … ${b.max.toFixed(3)}`,
    ]),
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
      const s = summaryOf(result, v);
      const final = s.finalTestAccuracy;
      return [
        P4_VARIANTS[v].part || '—',
        P4_VARIANTS[v].label,
        `${pct(final.mean)} ± ${(100 * final.std).toFixed(2)}`,
        `${pct(final.min)} … ${pct(final.max)}`,
        pct(s.finalTrainAccuracy.mean),
        pct(s.finalRunningAccuracy.mean),
        s.finalTestLoss.mean.toFixed(4),
        pct(s.firstTestAccuracy.mean),
        `${s.wallSeconds.mean.toFixed(0)} s`,
      ];
    }),
  };
}

/** Threshold below which two final test accuracies count as equal: the larger seed std, at least 0.05 points. */
function noiseLevel(result: P4Result, a: P4Variant, b: P4Variant): number {
  return Math.max(
    summaryOf(result, a).finalTestAccuracy.std,
    summaryOf(result, b).finalTestAccuracy.std,
    0.0005,
  );
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
  const sa = summaryOf(result, a).finalTestAccuracy;
  const sb = summaryOf(result, b).finalTestAccuracy;
  const diff = sa.mean - sb.mean;
  const noise = noiseLevel(result, a, b);
  const spread = spreadWords(result, noise);
  const winner = diff > 0 ? a : b;
  const verdict =
    Math.abs(diff) <= noise
      ? `no clear difference: the gap is within ${spread}`
      : `**${P4_VARIANTS[winner].label}** is better, by more than ${spread}`;
  return (
    `Final test accuracy ${pct(sa.mean)} (${P4_VARIANTS[a].label}) vs ${pct(sb.mean)} ` +
    `(${P4_VARIANTS[b].label}), a difference of ${pts(diff)}: ${verdict}.`
  );
}

/** −1, 0 or +1: whether a's final test accuracy is clearly below, level with, or clearly above b's. */
function order(result: P4Result, a: P4Variant, b: P4Variant): -1 | 0 | 1 {
  const diff = finalMean(result, a) - finalMean(result, b);
  return Math.abs(diff) <= noiseLevel(result, a, b) ? 0 : diff > 0 ? 1 : -1;
}

/** Mean final test accuracy of a variant over the seeds. */
function finalMean(result: P4Result, v: P4Variant): number {
  return summaryOf(result, v).finalTestAccuracy.mean;
}

/** Train − test accuracy after the last epoch (train in inference mode), mean over the seeds. */
function trainTestGap(result: P4Result, v: P4Variant): number {
  const s = summaryOf(result, v);
  return s.finalTrainAccuracy.mean - s.finalTestAccuracy.mean;
}

/** What the curves say about speed of learning and overfitting for one variant. */
function dynamicsSentence(result: P4Result, v: P4Variant): string {
  const s = summaryOf(result, v);
  const gap = trainTestGap(result, v);
  const E = result.config.epochs;
  // A rise under 10 % of the minimum is within the epoch-to-epoch wobble of the test loss.
  const lossNote =
    s.lossRise > 0.1
      ? `its test loss is lowest around epoch ${s.bestLossEpoch.toFixed(1)} and ends ${(100 * s.lossRise).toFixed(0)}% higher (the start of overfitting)`
      : s.lossRise < 0.005
        ? 'its test loss is at its minimum at the end (no sign of overfitting yet)'
        : `its test loss ends within ${(100 * s.lossRise).toFixed(0)}% of its minimum (no sign of overfitting yet)`;
  return (
    `*${panelTitle(v)}*: ${pct(s.firstTestAccuracy.mean)} test accuracy after one epoch, ${pct(s.finalTestAccuracy.mean)} after ${plural(E, 'epoch')}; ` +
    `train − test gap ${pts(gap)}; ${lossNote}.`
  );
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

/** Training time summed over the runs (each measured in its job, across resumptions) and the run's own time. */
function wallTimeText(result: P4Result): string {
  const total = result.runs.reduce((t, r) => t + r.wallSeconds, 0);
  return (
    `${result.runs.length} runs (${result.config.variants.length} variants × ${result.seeds.length} seeds): ` +
    `${(total / 60).toFixed(1)} min of training and evaluation in total, ${(total / result.runs.length / 60).toFixed(1)} min per run on average; ` +
    `the last invocation of the experiment took ${(result.wallSeconds / 60).toFixed(1)} min (runs in parallel on the worker pool; a resumed run counts only its own part)`
  );
}

/** The note that stands for a part whose variant did not run. */
function missing(v: P4Variant): Block {
  return markdown(
    `*Variant "${P4_VARIANTS[v].label}" was not part of this run (config \`variants\`), so this part is skipped.*`,
  );
}

/**
 * Parts 4.4 and 4.5: the accuracy figure of `v` beside the variants it is compared with, its dynamics, how it
 * compares with each of `against` that ran, and the part's question answered.
 */
function regulariserPart(
  result: P4Result,
  v: 'dropout' | 'bn-dropout',
  against: P4Variant[],
  figure: { id: string; title: string; variants: P4Variant[] },
): Block[] {
  if (!has(result, v)) return [missing(v)];
  const name = v === 'dropout' ? 'Dropout' : 'BN + dropout';
  const text = [`**Observations.** ${dynamicsSentence(result, v)}`];
  for (const other of against.filter((x) => has(result, x)))
    text.push(`${name} vs ${P4_VARIANTS[other].label}: ${compareSentence(result, v, other)}`);
  text.push(v === 'dropout' ? `**Did dropout help?** ${dropoutVerdict(result)}` : combinationNote(result));
  const shown = figure.variants.filter((x) => has(result, x));
  return [outputs(...accuracyFigures(figure.id, figure.title, result, shown)), markdown(text.join('\n\n'))];
}

/**
 * The note on runs that broke nnlab's divergence rule: named with where they stopped and their last finite
 * loss; they are left out of every figure, table and conclusion of the section (empty when none diverged).
 */
export function divergedNote(runs: P4Run[]): Block[] {
  const bad = runs.filter((r) => (r.diverged ?? null) !== null);
  if (bad.length === 0) return [];
  const items = bad.map((r) => {
    const d = r.diverged!;
    const last = d.lastFiniteLoss === null ? 'none' : d.lastFiniteLoss.toPrecision(4);
    return `- ${P4_VARIANTS[r.variant].label}, seed ${r.seed}: loss ${d.loss.toPrecision(4)} in epoch ${d.epoch + 1} (iteration ${d.iteration}; bound ${d.bound.toPrecision(4)}, last finite batch loss ${last})`;
  });
  return [
    markdown(
      `**${bad.length} of ${runs.length} runs diverged** (their loss became NaN, infinite or more than ten times its first-batch value, nnlab's divergence rule). ` +
        `They are left out of every figure, table and conclusion below, and no conclusion is drawn from them:\n\n${items.join('\n')}`,
    ),
  ];
}

/** Problem 4's blocks: setup, 4.2–4.5 figures and observations, and a summary table. */
export function p4Section(stored: P4Result): Block[] {
  // Diverged runs are named once and left out of everything else, the summary included (a variant with no
  // finished run is skipped like one that did not run).
  const finished = stored.runs.filter((r) => (r.diverged ?? null) === null);
  const result =
    finished.length === stored.runs.length
      ? stored
      : { ...stored, runs: finished, summary: summariseP4(finished, stored.config.variants) };
  const blocks: Block[] = [
    heading(1, p4.title),
    markdown(settingsText(result)),
    ...divergedNote(stored.runs),
    outputs({ kind: 'text', text: wallTimeText(result) }),
  ];

  blocks.push(heading(2, '4.2 Standardised input, batch normalisation in the hidden layers'));
  if (has(result, 'std-bn')) {
    const runs = runsOf(result, 'std-bn');
    const s = summaryOf(result, 'std-bn');
    blocks.push(
      markdown(
        `The learned parameters are one $\\gamma$ and one $\\beta$ per channel of each BN layer: ${s.bn.map((b) => `${b.channels} after ${b.layer}`).join(', ')}. The table lists them per layer; the violins show their distributions.`,
      ),
      outputs(
        bnTable('Part 4.2: learned BN parameters per layer (over channels and seeds)', s),
        violinFigure('p4-2-gamma-violins', 'Part 4.2: learned BN scale γ per layer', runs, 'gamma'),
        violinFigure('p4-2-beta-violins', 'Part 4.2: learned BN shift β per layer', runs, 'beta'),
      ),
      markdown(bnObservations(s, runs[0])),
    );
  } else blocks.push(missing('std-bn'));

  blocks.push(heading(2, '4.3 Batch normalisation on the input instead of standardisation'));
  if (has(result, 'bn-input')) {
    const runs = runsOf(result, 'bn-input');
    const s = summaryOf(result, 'bn-input');
    blocks.push(
      outputs(
        bnTable('Part 4.3: learned BN parameters per layer, input BN included', s),
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
      ),
      markdown(inputBnObservation(result, s)),
    );
    if (has(result, 'std-bn')) {
      const pair: P4Variant[] = ['std-bn', 'bn-input'];
      blocks.push(
        outputs(
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
        ),
        markdown(
          [
            `**Observations.** ${dynamicsSentence(result, 'std-bn')} ${dynamicsSentence(result, 'bn-input')}`,
            `**Did batch normalisation of the input improve performance?** ${compareSentence(result, 'bn-input', 'std-bn')} ${inputBnExplanation(result)}`,
          ].join('\n\n'),
        ),
      );
    }
  } else blocks.push(missing('bn-input'));

  blocks.push(
    heading(2, '4.4 Dropout instead of batch normalisation'),
    ...regulariserPart(result, 'dropout', ['std-bn', 'bn-input', 'plain'], {
      id: 'p4-4-accuracy',
      title: 'Accuracy: BN variants (4.2, 4.3) vs dropout (4.4)',
      variants: ['std-bn', 'bn-input', 'dropout'],
    }),
    heading(2, '4.5 Batch normalisation and dropout together'),
    ...regulariserPart(result, 'bn-dropout', ['bn-input', 'dropout'], {
      id: 'p4-5-accuracy',
      title: 'Accuracy: BN (4.3) vs dropout (4.4) vs BN + dropout (4.5)',
      variants: ['bn-input', 'dropout', 'bn-dropout'],
    }),
  );

  const all = (Object.keys(P4_VARIANTS) as P4Variant[]).filter((v) => has(result, v));
  blocks.push(heading(3, 'Summary of Problem 4'), outputs(summaryTable(result, all)));
  return blocks;
}

/** What the learned γ and β of a BN variant say; `run` gives the network's parameter counts. */
function bnObservations(s: P4VariantSummary, run: P4Run): string {
  const parts = s.bn.map(
    ({ layer, gamma: g, beta: b }) =>
      `${layer}: γ ${g.mean.toFixed(3)} ± ${g.std.toFixed(3)}, β ${b.mean.toFixed(3)} ± ${b.std.toFixed(3)}`,
  );
  return (
    `**Observations.** Starting from γ = 1 and β = 0, the parameters moved to (mean ± std over channels and seeds) ${parts.join('; ')}. ` +
    `γ sets how strongly each normalised channel drives the next layer and β shifts it relative to the ReLU's threshold at 0: a negative β makes a channel sparser (more outputs clipped to 0), a positive one keeps more of it active. ` +
    `Only ${s.bn.reduce((n, b) => n + 2 * b.channels, 0)} of the network's ${run.parameters.toLocaleString('en-US')} parameters are BN parameters.`
  );
}

function inputBnObservation(result: P4Result, s: P4VariantSummary): string {
  const input = s.bn.find((x) => x.layer === 'input');
  if (input === undefined) return 'This run has no input BN layer.';
  const { gamma: g, beta: b } = input;
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
  const gap = trainTestGap(result, 'dropout');
  const bnVariants = (['std-bn', 'bn-input'] as P4Variant[]).filter((v) => has(result, v));
  const parts: string[] = [];
  if (bnVariants.length > 0) {
    const bnGap = describe(bnVariants.map((v) => trainTestGap(result, v))).mean;
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
  const both = finalMean(result, 'bn-dropout');
  const bn = finalMean(result, 'bn-input');
  const dr = finalMean(result, 'dropout');
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
  const gap = (v: P4Variant): number => summaryOf(result, v).modeGap;
  const d = gap('dropout');
  const bd = gap('bn-dropout');
  const measured = `In the last epoch, switching from training mode (dropout on, batch statistics; the epoch's average) to inference mode changes the accuracy on training images by ${pts(d)} for dropout alone and by ${pts(bd)} for BN + dropout.`;
  return bd < d - 0.005
    ? `${measured} Inference mode should only help (no units dropped), so the smaller gain with BN is consistent with the variance shift: BN's moving statistics describe activations thinned by dropout. The large seed-to-seed spread and the slow first epochs of BN + dropout point the same way.`
    : `${measured} So the variance shift does not show up strongly in these numbers.`;
}
