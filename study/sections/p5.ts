/**
 * Problem 5's report section: the lr sweep and range test (5.1), the cyclical-lr run (5.2), the growing
 * batch size at fixed lr (5.3), and their comparison, all written from the stored numbers.
 */
import { p5, type P5Result } from '../experiments/p5.js';
import type { FinalMetrics } from '../experiments/p5/types.js';
import type { Block, FigureOutput, TableOutput, VegaLiteSpec } from 'nnlab';
import {
  BOTTOM_LEGEND,
  epochX,
  nominal,
  heading,
  int,
  markdown,
  outputs,
  pct,
  plural,
  SCHEMA,
} from './format.js';

/** An lr as the report writes it: 1e-3, 3.2e-2 (two significant digits at most). */
export function fmtLr(lr: number): string {
  const [m, e] = lr.toExponential(1).split('e');
  const mant = m.endsWith('.0') ? m.slice(0, -2) : m;
  return `${mant}e${Number(e)}`;
}

const LOG_LR_AXIS = { type: 'log' } as const;
/** Axis labels like 1e-3 and 1e1 (d3's .0e writes 1e+1, which runs into its neighbour). */
const LR_LABEL = "replace(format(datum.value, '.0e'), 'e+', 'e')";

/** Dashed rules at lrMin and lrMax, labelled outward (lrMin to the left of its rule, lrMax to the right). */
function boundsLayer(lrMin: number, lrMax: number): VegaLiteSpec {
  const label = (lr: number, text: string, align: 'left' | 'right'): VegaLiteSpec => ({
    data: { values: [{ lr, text }] },
    mark: {
      type: 'text',
      align,
      dx: align === 'left' ? 4 : -4,
      y: 4,
      baseline: 'top',
      color: '#2ca02c',
      fontSize: 11,
    },
    encoding: { x: { field: 'lr', type: 'quantitative' }, text: { field: 'text' } },
  });
  return {
    layer: [
      {
        data: { values: [{ lr: lrMin }, { lr: lrMax }] },
        mark: { type: 'rule', strokeDash: [5, 4], color: '#2ca02c', strokeWidth: 1.5 },
        encoding: { x: { field: 'lr', type: 'quantitative' } },
      },
      label(lrMin, `lrMin = ${fmtLr(lrMin)}`, 'right'),
      label(lrMax, `lrMax = ${fmtLr(lrMax)}`, 'left'),
    ],
  };
}

const DIVERGED = 'diverged (NaN/∞ loss)';

/** The y channel of the training loss, from 0 to `top` (values above it are clipped or drawn at the top). */
function lossY(top: number): { [k: string]: unknown } {
  return {
    field: 'loss',
    type: 'quantitative',
    title: 'training cross-entropy (nats per image)',
    scale: { domain: [0, top], nice: false },
  };
}

/**
 * 5.1: final training loss against lr (log axis); diverged runs as red crosses at the top, finite losses above
 * the top (a run thrown far off, e.g. 10⁴) as triangles there; lrMin/lrMax as rules. The top is
 * max(2.5, min(largest finite loss, 2·ln 10))·1.08: chance level is ln 10 ≈ 2.30.
 */
function sweepFigure(r: P5Result): FigureOutput {
  const runs = r.sweep.runs;
  const losses = runs.filter((x) => x.finalLoss !== null).map((x) => x.finalLoss as number);
  const top = Math.max(2.5, Math.min(Math.max(0, ...losses), 2 * Math.LN10)) * 1.08;
  const offScale = `loss > ${top.toFixed(2)} (drawn at the top)`;
  const rows = runs.map((x) => ({
    lr: x.lr,
    loss: Math.min(x.finalLoss ?? top, top),
    status: x.diverged !== null ? DIVERGED : (x.finalLoss as number) > top ? offScale : 'trained',
    detail:
      x.diverged === null
        ? `final loss ${(x.finalLoss as number).toFixed(4)}`
        : `diverged in epoch ${x.diverged.epoch + 1}, iteration ${x.diverged.iteration}`,
  }));
  const x = {
    field: 'lr',
    type: 'quantitative',
    title: 'learning rate (log scale)',
    scale: LOG_LR_AXIS,
    axis: { values: runs.map((x) => x.lr), labelExpr: LR_LABEL },
  };
  // The legend lists only the kinds of run present.
  const kinds = (['trained', offScale, DIVERGED] as const)
    .map((k, i) => ({
      k,
      colour: ['#1f77b4', '#ff7f0e', '#d62728'][i],
      shape: ['circle', 'triangle-up', 'cross'][i],
    }))
    .filter(({ k }) => rows.some((d) => d.status === k));
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: `Training loss after ${plural(r.config.sweepEpochs, 'epoch')} vs learning rate`,
      subtitle: `LeNet-5, SGD, batch ${r.config.sweepBatchSize}, same initial weights; loss = mean over the last epoch's batches`,
    },
    width: 460,
    height: 260,
    layer: [
      {
        data: { values: rows.filter((d) => d.status !== DIVERGED) },
        mark: { type: 'line', color: '#1f77b4' },
        encoding: { x, y: { field: 'loss', type: 'quantitative' } },
      },
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, size: 70 },
        encoding: {
          x,
          y: lossY(top),
          color: nominal('status', 'run', {
            domain: kinds.map((d) => d.k),
            range: kinds.map((d) => d.colour),
          }),
          shape: {
            field: 'status',
            type: 'nominal',
            scale: { domain: kinds.map((d) => d.k), range: kinds.map((d) => d.shape) },
          },
          tooltip: [{ field: 'lr', format: '.0e' }, { field: 'detail' }],
        },
      },
      boundsLayer(r.sweep.chosen.lrMin, r.sweep.chosen.lrMax),
    ],
  };
  return { kind: 'figure', id: 'p5-lr-sweep', title: 'Training loss vs learning rate (5.1)', spec };
}

/** 5.1 cross-check: the range test's raw and smoothed loss against lr. */
function finderFigure(r: P5Result): FigureOutput {
  const f = r.finder;
  const rows = f.lr.flatMap((lr, i) => [
    { lr, loss: f.loss[i], curve: 'batch loss' },
    { lr, loss: f.smoothed[i], curve: 'smoothed (bias-corrected EMA, β = 0.98)' },
  ]);
  // The top: 1.25 × the starting smoothed loss, so the flat part and the dip are readable; the explosion is clipped.
  const top =
    1.25 *
    Math.max(
      f.smoothed[0],
      ...f.smoothed.filter((v) => Number.isFinite(v)).slice(0, Math.ceil(f.smoothed.length / 2)),
    );
  const decades: number[] = [];
  for (let e = Math.ceil(Math.log10(f.lr[0]) - 1e-9); e <= Math.log10(f.lr[f.lr.length - 1]) + 1e-9; e++)
    decades.push(10 ** e);
  const x = {
    field: 'lr',
    type: 'quantitative',
    title: 'learning rate (log scale)',
    scale: LOG_LR_AXIS,
    axis: { values: decades, labelExpr: LR_LABEL },
  };
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: 'LR range test: loss while the learning rate grows every batch',
      subtitle: `lr from ${fmtLr(f.startLr)} ×${((f.endLr / f.startLr) ** (1 / f.numIterations)).toFixed(4)} per batch; stopped after ${f.iterations} batches (${f.stopReason})`,
    },
    width: 460,
    height: 260,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', clip: true },
        encoding: {
          x,
          y: lossY(top),
          color: nominal('curve', null, { range: ['#c7c7c7', '#1f77b4'] }),
        },
      },
      boundsLayer(r.sweep.chosen.lrMin, r.sweep.chosen.lrMax),
    ],
  };
  return { kind: 'figure', id: 'p5-lr-finder', title: 'LR range test (5.1 cross-check)', spec };
}

/** Figure 4 of the PyImageSearch post: train/val loss and accuracy over epochs on one chart. */
function clrCurvesFigure(r: P5Result): FigureOutput {
  const rows = r.clr.epochs.flatMap((e) => [
    { epoch: e.epoch, value: e.loss, curve: 'train loss' },
    { epoch: e.epoch, value: e.valLoss, curve: 'validation loss' },
    { epoch: e.epoch, value: e.accuracy, curve: 'train accuracy' },
    { epoch: e.epoch, value: e.valAccuracy, curve: 'validation accuracy' },
  ]);
  const c = r.clr;
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: 'Cyclical learning rate (exp_range): loss and accuracy per epoch',
      subtitle: `lr ${fmtLr(c.lrMin)}…${fmtLr(c.lrMax)}, step ${plural(c.stepSizeEpochs, 'epoch')}, ${plural(c.cycles, 'cycle')}, γ = ${c.gamma.toPrecision(6)}, batch ${c.batchSize}; train = mean over the epoch's batches`,
    },
    width: 460,
    height: 260,
    data: { values: rows },
    mark: { type: 'line', point: { size: 18 } },
    encoding: {
      x: epochX(),
      y: { field: 'value', type: 'quantitative', title: 'loss (nats per image) / accuracy (fraction)' },
      color: nominal(
        'curve',
        null,
        {
          domain: ['train loss', 'validation loss', 'train accuracy', 'validation accuracy'],
          range: ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'],
        },
        { ...BOTTOM_LEGEND, columns: 4 },
      ),
      tooltip: [{ field: 'curve' }, { field: 'epoch' }, { field: 'value', format: '.4f' }],
    },
  };
  return { kind: 'figure', id: 'p5-clr-curves', title: 'CLR training curves (5.2)', spec };
}

/** The CLR schedule: lr per iteration, with the epoch boundaries of the cycles. */
function clrScheduleFigure(r: P5Result): FigureOutput {
  const c = r.clr;
  const rows = c.lr.iteration.map((it, i) => ({ epoch: it / c.iterationsPerEpoch, lr: c.lr.value[i] }));
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: 'The exp_range schedule',
      subtitle: `stepSize = ${int(c.stepSize)} iterations (${plural(c.stepSizeEpochs, 'epoch')} × ${int(c.iterationsPerEpoch)}); ${
        c.lr.stride > 1 ? `every ${c.lr.stride}th iteration shown` : 'every iteration shown'
      }`,
    },
    width: 460,
    height: 180,
    data: { values: rows },
    mark: { type: 'line', color: '#9467bd', strokeWidth: 1.2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch (iteration / iterations per epoch)' },
      y: { field: 'lr', type: 'quantitative', title: 'learning rate', axis: { format: '~g' } },
    },
  };
  return { kind: 'figure', id: 'p5-clr-schedule', title: 'CLR learning-rate schedule (5.2)', spec };
}

/** 5.3: training loss per epoch against log2(batch size). */
function batchFigure(r: P5Result): FigureOutput {
  const b = r.batch;
  const rows = b.epochs.map((e) => ({
    log2b: Math.log2(e.batchSize),
    batchSize: e.batchSize,
    epoch: e.epoch,
    loss: e.loss,
    valLoss: e.valLoss,
    which: `epoch ${((e.epoch - 1) % b.epochsPerBatchSize) + 1} of ${b.epochsPerBatchSize} at this batch size`,
  }));
  const x = {
    field: 'log2b',
    type: 'quantitative',
    title: 'log₂(batch size)   (batch size in brackets)',
    scale: {
      domain: [Math.log2(b.batchSizes[0]) - 0.3, Math.log2(b.batchSizes[b.batchSizes.length - 1]) + 0.3],
      nice: false,
    },
    axis: {
      values: b.batchSizes.map((s) => Math.log2(s)),
      labelExpr: "datum.value + ' (' + pow(2, datum.value) + ')'",
    },
  };
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: `Training loss vs log₂(batch size), lr fixed at ${fmtLr(b.lr)}`,
      subtitle: `batch size doubles every ${plural(b.epochsPerBatchSize, 'epoch')} (${b.batchSizes[0]} → ${b.batchSizes[b.batchSizes.length - 1]}); loss = mean over each epoch's batches`,
    },
    width: 460,
    height: 260,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'line', color: '#1f77b4' },
        encoding: { x, y: { field: 'loss', type: 'quantitative' }, order: { field: 'epoch' } },
      },
      {
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x,
          y: { field: 'loss', type: 'quantitative', title: 'training cross-entropy (nats per image)' },
          color: nominal('which', null),
          tooltip: [
            { field: 'batchSize' },
            { field: 'epoch' },
            { field: 'loss', format: '.4f' },
            { field: 'valLoss', format: '.4f' },
          ],
        },
      },
    ],
  };
  return { kind: 'figure', id: 'p5-batch-size', title: 'Training loss vs log2(batch size) (5.3)', spec };
}

/** Validation accuracy per epoch of 5.2 and 5.3 side by side, for the generalisation comparison. */
function comparisonFigure(r: P5Result): FigureOutput {
  const rows = [
    ...r.clr.epochs.map((e) => ({
      epoch: e.epoch,
      run: '5.2 CLR exp_range, batch 64',
      set: 'validation',
      value: e.valAccuracy,
    })),
    ...r.clr.epochs.map((e) => ({
      epoch: e.epoch,
      run: '5.2 CLR exp_range, batch 64',
      set: 'train',
      value: e.accuracy,
    })),
    ...r.batch.epochs.map((e) => ({
      epoch: e.epoch,
      run: `5.3 lr ${fmtLr(r.batch.lr)}, growing batch`,
      set: 'validation',
      value: e.valAccuracy,
    })),
    ...r.batch.epochs.map((e) => ({
      epoch: e.epoch,
      run: `5.3 lr ${fmtLr(r.batch.lr)}, growing batch`,
      set: 'train',
      value: e.accuracy,
    })),
  ];
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: 'Train and validation accuracy: CLR (5.2) vs growing batch (5.3)',
      subtitle: 'solid: validation; dashed: train (mean over the epoch’s batches)',
    },
    width: 460,
    height: 240,
    data: { values: rows },
    mark: { type: 'line', point: { size: 14 } },
    encoding: {
      x: epochX(),
      y: { field: 'value', type: 'quantitative', title: 'accuracy (fraction)', scale: { zero: false } },
      color: nominal('run', null, undefined, { ...BOTTOM_LEGEND, columns: 1 }),
      strokeDash: nominal('set', null, {
        domain: ['validation', 'train'],
        range: [
          [1, 0],
          [5, 3],
        ],
      }),
      tooltip: [{ field: 'run' }, { field: 'set' }, { field: 'epoch' }, { field: 'value', format: '.4f' }],
    },
  };
  return { kind: 'figure', id: 'p5-generalisation', title: 'Generalisation: CLR vs growing batch', spec };
}

function sweepTable(r: P5Result): TableOutput {
  return {
    kind: 'table',
    caption: `5.1: training loss per epoch for each learning rate (batch ${r.config.sweepBatchSize})`,
    columns: [
      'lr',
      ...Array.from({ length: r.config.sweepEpochs }, (_, i) => `epoch ${i + 1}`),
      'final',
      'train acc. (last epoch)',
      'wall time',
    ],
    rows: r.sweep.runs.map((x) => [
      fmtLr(x.lr),
      ...Array.from({ length: r.config.sweepEpochs }, (_, i) =>
        i < x.epochs.length ? x.epochs[i].loss.toFixed(4) : '—',
      ),
      x.diverged === null ? (x.finalLoss as number).toFixed(4) : `diverged (epoch ${x.diverged.epoch + 1})`,
      x.epochs.length > 0 && x.diverged === null ? pct(x.epochs[x.epochs.length - 1].accuracy) : '—',
      `${x.seconds.toFixed(0)} s`,
    ]),
  };
}

function finalRow(
  name: string,
  f: FinalMetrics | null,
  epochs: number,
  seconds: number,
): (string | number)[] {
  const time = `${seconds.toFixed(0)} s`;
  if (f === null) return [name, epochs, 'diverged', '—', '—', '—', '—', '—', '—', time];
  return [
    name,
    epochs,
    f.trainLoss.toFixed(4),
    f.valLoss.toFixed(4),
    f.testLoss.toFixed(4),
    pct(f.trainAccuracy),
    pct(f.valAccuracy),
    pct(f.testAccuracy),
    `${(100 * (f.trainAccuracy - f.testAccuracy)).toFixed(2)} points`,
    time,
  ];
}

function comparisonTable(r: P5Result): TableOutput {
  const last = r.batch.batchSizes[r.batch.batchSizes.length - 1];
  return {
    kind: 'table',
    caption:
      `Final weights, evaluated in inference mode on the whole sets: train = ${int(r.data.trainSize)} images, ` +
      `validation = ${int(r.data.validationSize)} held-out training images, test = ${int(r.data.testSize)} test images`,
    columns: [
      'run',
      'epochs',
      'train loss',
      'validation loss',
      'test loss',
      'train accuracy',
      'validation accuracy',
      'test accuracy',
      'train − test accuracy',
      'wall time',
    ],
    rows: [
      finalRow(
        `5.2 CLR exp_range ${fmtLr(r.clr.lrMin)}…${fmtLr(r.clr.lrMax)}, batch ${r.clr.batchSize}`,
        r.clr.final,
        r.clr.epochs.length,
        r.clr.seconds,
      ),
      finalRow(
        `5.3 lr ${fmtLr(r.batch.lr)}, batch ${r.batch.batchSizes[0]} → ${last}`,
        r.batch.final,
        r.batch.epochs.length,
        r.batch.seconds,
      ),
    ],
  };
}

/** The 5.3 discussion, from the numbers: final test accuracies, generalisation gaps and the noise-scale argument. */
export function generalisationText(r: P5Result): string {
  const a = r.clr.final;
  const b = r.batch.final;
  if (a === null || b === null) {
    const which = a === null ? '5.2 (CLR)' : '5.3 (growing batch)';
    return `The ${which} run diverged, so the two cannot be compared on final accuracy; see the tables above.`;
  }
  const diff = b.testAccuracy - a.testAccuracy;
  // The binomial standard error of a test accuracy over n images; differences below ~2 SE are not told apart.
  const se = Math.sqrt((a.testAccuracy * (1 - a.testAccuracy)) / r.data.testSize);
  const gapA = a.trainAccuracy - a.testAccuracy;
  const gapB = b.trainAccuracy - b.testAccuracy;
  const verdict =
    Math.abs(diff) < 2 * Math.SQRT2 * se
      ? `similar: the ${Math.abs(100 * diff).toFixed(2)}-point difference is within about two standard errors of a difference of two test accuracies on ${int(r.data.testSize)} images (±${(200 * Math.SQRT2 * se).toFixed(2)} points)`
      : diff > 0
        ? `different: the growing batch ends ${(100 * diff).toFixed(2)} points **higher** than CLR, more than two standard errors (±${(200 * Math.SQRT2 * se).toFixed(2)} points)`
        : `different: the growing batch ends ${(100 * -diff).toFixed(2)} points **lower** than CLR, more than two standard errors (±${(200 * Math.SQRT2 * se).toFixed(2)} points)`;
  const bMax = r.batch.batchSizes[r.batch.batchSizes.length - 1];
  const bMin = r.batch.batchSizes[0];
  const lossesAtLast = r.batch.epochs.filter((e) => e.batchSize === bMax).map((e) => e.loss);
  const lossesAtFirst = r.batch.epochs.filter((e) => e.batchSize === bMin).map((e) => e.loss);
  // Last-epoch training loss of each batch-size stage, and its drop from one stage to the next.
  const stageLoss = r.batch.batchSizes
    .map((bs) => r.batch.epochs.filter((e) => e.batchSize === bs).at(-1)?.loss)
    .filter((v): v is number => v !== undefined);
  const stageDrops = stageLoss.slice(1).map((v, i) => stageLoss[i] - v);
  return [
    `**Generalisation.** Test accuracy ${pct(a.testAccuracy)} with CLR (5.2) vs ${pct(b.testAccuracy)} with the growing batch at lr ${fmtLr(r.batch.lr)} (5.3): ${verdict}. ` +
      `The generalisation gap (train − test accuracy of the final weights) is ${(100 * gapA).toFixed(2)} points for CLR and ${(100 * gapB).toFixed(2)} for the growing batch` +
      (Math.abs(gapA - gapB) < 2 * Math.SQRT2 * se
        ? ', about the same.'
        : gapA < gapB
          ? ': the growing batch overfits more.'
          : ': CLR overfits more.'),
    `**Why they are comparable at all.** With SGD the gradient noise scale is $g \\approx \\epsilon N / B$ (Smith et al., 2018), so doubling $B$ at fixed $\\epsilon$ halves the noise as halving $\\epsilon$ at fixed $B$ would: the batch-size ladder ${bMin} → ${bMax} is an annealing schedule that divides the effective learning rate by ${bMax / bMin}, like the decaying envelope of exp_range. ` +
      `The training loss went from ${lossesAtFirst.map((v) => v.toFixed(3)).join(', ')} at batch ${bMin} to ${lossesAtLast.map((v) => v.toFixed(3)).join(', ')} at batch ${bMax}` +
      (stageDrops.length >= 2
        ? stageDrops.every((d, k) => d > 0 && (k === 0 || d < stageDrops[k - 1]))
          ? `; each doubling lowers the last-epoch loss by less: ${stageDrops.map((d) => d.toFixed(3)).join(', ')} from one batch size to the next, the flattening an lr decay also shows. `
          : `; from one batch size to the next the last-epoch loss changes by ${stageDrops.map((d) => `${d > 0 ? '−' : '+'}${Math.abs(d).toFixed(3)}`).join(', ')}. `
        : '. ') +
      `The equivalence only holds while $B \\ll N$: at $B = ${bMax}$ with $N = ${r.data.trainSize}$ an epoch has ${int(Math.ceil(r.data.trainSize / bMax))} updates instead of ${int(Math.ceil(r.data.trainSize / bMin))} at $B = ${bMin}$, so the late stages make little progress per epoch, while CLR keeps taking ${int(r.clr.iterationsPerEpoch)} small-lr steps per epoch.`,
  ].join('\n\n');
}

function settingsText(r: P5Result): string {
  const c = r.config;
  return [
    `**Setup.** Fashion-MNIST: ${int(r.data.trainSize)} training images, a validation set of ${int(r.data.validationSize)} images carved from the 60,000 training images by a seeded permutation (disjoint from the training images), and the ${int(r.data.testSize)} test images, used only for the final test metrics. Inputs ${c.normalize === 'standardize' ? `are standardised with the training split's pixel statistics, $(x/255 - ${r.data.mean.toFixed(4)})/${r.data.std.toFixed(4)}$` : 'are scaled to $x/255$'}. ` +
      `LeNet-5 (conv 6@5×5 → max pool → conv 16@5×5 → max pool → dense 120 → 84 → 10, softmax) with ${c.activation} activations, cross-entropy loss, ${c.momentum > 0 ? `SGD with momentum ${c.momentum}` : 'plain SGD (no momentum)'}. Every run starts from the same initial weights and sees the same shuffles (seed ${r.seed}).`,
    `Training loss is the mean of the minibatch losses over an epoch (what Keras reports as \`loss\`); validation and test metrics are evaluated after the epoch on the whole set.`,
  ].join('\n\n');
}

/** Problem 5's blocks: setup, 5.1 sweep and range test, 5.2 CLR, 5.3 batch size and the comparison. */
export function p5Section(r: P5Result): Block[] {
  const s = r.sweep;
  const diverged = s.runs.filter((x) => x.diverged !== null).map((x) => fmtLr(x.lr));
  const chosenText =
    s.chosen.source === 'rule'
      ? `The rule gives **lrMin = ${fmtLr(s.chosen.lrMin)}** and **lrMax = ${fmtLr(s.chosen.lrMax)}**, used below.`
      : `The config set the bounds by hand: **lrMin = ${fmtLr(s.chosen.lrMin)}**, **lrMax = ${fmtLr(s.chosen.lrMax)}**` +
        (s.suggested !== null
          ? ` (the rule would give ${fmtLr(s.suggested.lrMin)} and ${fmtLr(s.suggested.lrMax)}).`
          : ' (the rule gave no reading).');
  const f = r.finder;
  const perDecade = Math.log(10) / Math.log((f.endLr / f.startLr) ** (1 / f.numIterations));
  const firstDiverged = s.runs.filter((x) => x.diverged !== null).sort((a, b) => a.lr - b.lr)[0];
  const finderText =
    `The continuous range test (one run, ${int(f.iterations)} batches, stopped: ${f.stopReason}) puts the minimum of the smoothed loss at lr ≈ ${fmtLr(f.minLossLr)} and its steepest descent at ≈ ${fmtLr(f.steepestLr)}` +
    (f.suggested !== null
      ? `; the same rule applied to its smoothed curve gives lrMin ≈ ${fmtLr(f.suggested.lrMin)}, lrMax ≈ ${fmtLr(f.suggested.lrMax)}.`
      : '.') +
    (f.minLossLr > s.chosen.lrMax
      ? ` Its minimum lies ${(f.minLossLr / s.chosen.lrMax).toFixed(1)}× above the sweep's lrMax, for two reasons: the EMA lags the raw loss by about 1/(1 − β) = 50 batches (${(50 / perDecade).toFixed(2)} decades of lr here), and each lr is used for only ${Math.round(perDecade)} batches per decade, against ${plural(r.config.sweepEpochs, 'epoch')} per lr in the sweep` +
        (firstDiverged !== undefined ? `, where lr ${fmtLr(firstDiverged.lr)} diverged.` : '.')
      : " Its minimum is at or below the sweep's lrMax, so the two readings agree on where training stops improving.");
  const c = r.clr;
  const clrFinal = c.final;
  const b = r.batch;
  return [
    heading(1, p5.title),
    markdown(settingsText(r)),
    heading(2, '5.1 Training loss as a function of the learning rate'),
    outputs(sweepFigure(r), sweepTable(r)),
    markdown(
      (diverged.length > 0
        ? `${diverged.length === 1 ? 'The run' : 'The runs'} at lr ${diverged.join(', ')} diverged (the loss became NaN or infinite; the fit stopped with a DivergenceError and the run is recorded, drawn as a red cross). `
        : 'No run diverged. ') +
        `**Rule for the bounds.** ${s.rule} Here f = ${r.config.dropFraction}. ${chosenText}`,
    ),
    outputs(finderFigure(r)),
    markdown(finderText),
    heading(2, '5.2 Cyclical learning rate with exponential decay'),
    markdown(
      `With $t$ the batch iteration from 0 and $s$ the step size: $\\mathrm{cycle} = \\lfloor 1 + t/(2s) \\rfloor$, $x = |t/s - 2\\,\\mathrm{cycle} + 1|$, $\\eta_t = \\eta_{\\min} + (\\eta_{\\max} - \\eta_{\\min})\\max(0, 1 - x)\\,\\gamma^t$. Here $s = ${c.stepSize}$ iterations (${plural(c.stepSizeEpochs, 'epoch')}), $\\gamma = ${c.gamma.toPrecision(8)}$ (the last cycle's peak is ${(c.gamma ** ((2 * c.cycles - 2) * c.stepSize)).toFixed(3)} of the first's) and ${plural(c.cycles, 'cycle')}, i.e. ${plural(c.epochs.length, 'epoch')}, ending at a trough. As in PyTorch's and bckenstler's exp_range, the decay $\\gamma^t$ runs from $t = 0$, so even the first peak stays below $\\eta_{\\max}$: it reaches $\\eta_{\\min} + \\gamma^{s}(\\eta_{\\max} - \\eta_{\\min})$ = ${fmtLr(c.lrMin + c.gamma ** c.stepSize * (c.lrMax - c.lrMin))}.`,
    ),
    outputs(clrCurvesFigure(r), clrScheduleFigure(r)),
    markdown(
      clrFinal === null
        ? `The CLR run diverged (${c.diverged?.message ?? ''}).`
        : `After ${c.epochs.length} epochs (final weights, inference mode): training loss ${clrFinal.trainLoss.toFixed(4)} and accuracy ${pct(clrFinal.trainAccuracy)}, validation loss ${clrFinal.valLoss.toFixed(4)} and accuracy ${pct(clrFinal.valAccuracy)}, **test accuracy ${pct(clrFinal.testAccuracy)}**. ` +
            `The best validation accuracy, ${pct(Math.max(...c.epochs.map((e) => e.valAccuracy ?? 0)))}, came in epoch ${c.epochs.reduce((best, e) => ((e.valAccuracy ?? 0) > (best.valAccuracy ?? 0) ? e : best)).epoch}.`,
    ),
    heading(2, '5.3 Growing the batch size at a fixed learning rate'),
    outputs(batchFigure(r), comparisonFigure(r), comparisonTable(r)),
    markdown(generalisationText(r)),
    markdown(
      `*Settings:* batch sizes ${b.batchSizes.join(', ')}, ${b.epochsPerBatchSize} epoch${b.epochsPerBatchSize === 1 ? '' : 's'} each (${b.epochs.length} epochs in all), lr ${fmtLr(b.lr)} throughout; 5.2 and 5.3 start from the same initial weights as every 5.1 run. Total wall time of the experiment: ${r.wallSeconds.toFixed(0)} s.`,
    ),
  ];
}
