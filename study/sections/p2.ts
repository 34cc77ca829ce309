/**
 * Problem 2's section: the outputs of the parts the notebook computes from the experiment's result (initial
 * costs, the gradient check, training progress and runs, accuracy and the comparison of the two nets over
 * seeds), each with a discussion whose every number comes from the result.
 */
import { p2, P2_REFERENCE, type P2NetKey, type P2Result, type P2Run } from '../experiments/p2.js';
import type { Block, FigureOutput, TableOutput, VegaLiteSpec } from 'nnlab';
import {
  accuracyDomain,
  nominal,
  heading,
  LINE_LEGEND,
  markdown,
  meanStd,
  outputs,
  pct,
  SCHEMA,
  sci,
} from './format.js';

const COLORS: Record<P2NetKey, string> = { original: '#1f77b4', deep: '#d62728' };

function net(r: P2Result, key: P2NetKey) {
  const n = r.nets.find((x) => x.key === key);
  if (!n) throw new Error(`p2Section: result has no net '${key}'`);
  return n;
}

function summary(r: P2Result, key: P2NetKey) {
  const s = r.summaries.find((x) => x.net === key);
  if (!s) throw new Error(`p2Section: result has no summary for '${key}'`);
  return s;
}

function runsOf(r: P2Result, key: P2NetKey): P2Run[] {
  return r.runs.filter((x) => x.net === key).sort((a, b) => a.seedIndex - b.seedIndex);
}

function shortLabel(r: P2Result, key: P2NetKey): string {
  return net(r, key).sizes.join('-');
}

function perLabelText(counts: number[]): string {
  if (counts.every((n) => n === counts[0])) return `${counts[0]} of each label 1–${counts.length}`;
  return counts.map((n, i) => `${n} of label ${i + 1}`).join(', ');
}

function setupText(r: P2Result): string {
  const c = r.config;
  const o = net(r, 'original');
  const d = net(r, 'deep');
  const fromMnist = c.dataset === 'mnist-ex4';
  return [
    `**Data.** ${r.data.m} grey ${r.data.side}×${r.data.side} digit images (${perLabelText(r.data.perLabel)}), ${fromMnist ? 'rebuilt from MNIST because the original `ex4data1.mat` is not redistributable' : 'read from the MAT file the user supplied'}: ${r.data.source}. ` +
      `Intensities span ${r.data.minIntensity.toFixed(3)} to ${r.data.maxIntensity.toFixed(3)} with mean ${r.data.meanIntensity.toFixed(3)}. ` +
      `As in ex4, each image is unrolled column by column into a row of $X$ (pixel $(r, c)$ is $X_{i,\\,20c + r}$), and label 10 stands for the digit 0.` +
      (fromMnist
        ? ' A user with the original file runs `nnlab run p2 --set p2.dataset=/path/to/ex4data1.mat`.'
        : ''),
    `**Networks.** The original notebook's net is ${o.label}, with ${o.params.toLocaleString('en-US')} parameters. The homework's net is ${d.label}, with ${d.params.toLocaleString('en-US')} parameters. Both nets prepend a bias unit to every layer's input. Both keep the logistic sigmoid at the output, because the loss is the binary cross-entropy of each of the 10 outputs against its one-hot target, and that loss needs outputs in $(0, 1)$. The scaled sigmoid, also with range $(0, 1)$, would work too, but it would change the cost function the homework asks us to keep.`,
    `**Training.** Both nets use the notebook's hyperparameters unchanged: regularisation $\\lambda = ${c.lambda}$ (the notebook names this variable \`learning_rate\`), the optimiser \`minimize(..., method='TNC', jac=True)\` with a budget of ${c.maxfun} function evaluations, and initial parameters drawn i.i.d. uniformly from $[-${c.initEpsilon}, ${c.initEpsilon})$. The notebook did not seed its initialisation, so we train each net from ${c.seeds} seeded initialisations and compare distributions. ${r.optimizerNote} nnlab's TNC is our TypeScript port of scipy 1.10's C implementation of Nash's truncated Newton method; its test suite compares it with scipy evaluation by evaluation on Rosenbrock (n = 2, 10), Powell's singular function, Beale's function and bounded problems.`,
  ].join('\n\n');
}

function gradCheckTable(r: P2Result): TableOutput {
  return {
    kind: 'table',
    caption: `backprop's gradient against central differences (h = 1e−5) at initial parameters, ${r.config.gradCheckExamples} examples`,
    columns: ['network', 'λ', 'coordinates', 'max |fd − grad|', 'max relative'],
    rows: r.gradChecks.map((g) => [
      net(r, g.net).label,
      g.lambda,
      g.coords,
      sci(g.maxAbsErr),
      sci(g.maxRelErr),
    ]),
  };
}

function runsTable(r: P2Result): TableOutput {
  const rows: (string | number)[][] = [];
  for (const key of ['original', 'deep'] as const) {
    for (const run of runsOf(r, key)) {
      rows.push([
        shortLabel(r, key),
        run.seedIndex,
        run.initialCost.toFixed(4),
        run.finalCost.toFixed(4),
        run.finalDataCost.toFixed(4),
        run.nfev,
        run.nit,
        run.status,
        pct(run.trainAccuracy),
        run.seconds.toFixed(1),
      ]);
    }
  }
  return {
    kind: 'table',
    caption: 'Every training run: TNC result and training-set accuracy',
    columns: [
      'network',
      'seed index',
      'initial cost',
      'final cost (λ)',
      'final cost (λ = 0)',
      'nfev',
      'nit',
      'status',
      'train accuracy',
      'seconds',
    ],
    rows,
  };
}

/** Running minimum of the cost over function evaluations: mean and min–max band over seeds, per net. */
function convergenceFigure(r: P2Result): FigureOutput {
  const values = r.summaries.flatMap((s) =>
    s.bestCost.mean.map((mean, e) => ({
      network: net(r, s.net).label,
      evaluation: e + 1,
      mean,
      min: s.bestCost.min[e],
      max: s.bestCost.max[e],
    })),
  );
  const color = nominal(
    'network',
    'network',
    { domain: r.nets.map((n) => n.label), range: r.nets.map((n) => COLORS[n.key]) },
    LINE_LEGEND,
  );
  const x = {
    field: 'evaluation',
    type: 'quantitative',
    title: 'function evaluations (count)',
    scale: { domain: [1, r.config.maxfun + 1], nice: false },
  };
  const yTitle = `lowest cost so far, λ = ${r.config.lambda} (nats per example)`;
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: 'TNC progress on the regularised cost',
      subtitle: `line: mean of ${r.config.seeds} seeds; band: min–max over seeds; log scale`,
    },
    width: 460,
    height: 260,
    data: { values },
    layer: [
      {
        mark: { type: 'area', opacity: 0.2 },
        encoding: {
          x,
          y: { field: 'min', type: 'quantitative', title: yTitle, scale: { type: 'log' } },
          y2: { field: 'max' },
          color,
        },
      },
      {
        mark: { type: 'line' },
        encoding: {
          x,
          y: { field: 'mean', type: 'quantitative', title: yTitle, scale: { type: 'log' } },
          color,
        },
      },
    ],
  };
  return { kind: 'figure', id: 'p2-tnc-progress', title: 'TNC progress on the regularised cost', spec };
}

/** Training accuracy of every seed (points) with the mean ± one standard deviation (bar and tick), per net. */
function accuracyFigure(r: P2Result): FigureOutput {
  const points = r.runs.map((run) => ({
    network: net(r, run.net).label,
    seed: run.seedIndex,
    accuracy: 100 * run.trainAccuracy,
  }));
  const summaries = r.summaries.map((s) => ({
    network: net(r, s.net).label,
    mean: 100 * s.accuracy.mean,
    lo: 100 * (s.accuracy.mean - s.accuracy.std),
    hi: 100 * (s.accuracy.mean + s.accuracy.std),
  }));
  const all = [...points.map((p) => p.accuracy), ...summaries.flatMap((s) => [s.lo, s.hi])];
  const domain = accuracyDomain(Math.min(...all), Math.max(...all));
  const color = nominal('network', 'network', {
    domain: r.nets.map((n) => n.label),
    range: r.nets.map((n) => COLORS[n.key]),
  });
  const x = {
    field: 'network',
    type: 'nominal',
    title: null,
    sort: r.nets.map((n) => n.label),
    axis: { labelAngle: 0, labelLimit: 240 },
  };
  const y = {
    type: 'quantitative',
    title: 'training-set accuracy (%)',
    scale: { domain, zero: false, nice: false },
  };
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: {
      text: 'Training accuracy after TNC: original vs two-hidden-layer net',
      subtitle: `${r.config.seeds} seeded initialisations per net (points); bar: mean ± 1 sd; ${r.config.maxfun} evaluations, λ = ${r.config.lambda}`,
    },
    width: 420,
    height: 280,
    layer: [
      {
        data: { values: summaries },
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color },
      },
      {
        data: { values: summaries },
        mark: { type: 'tick', thickness: 2, size: 40 },
        encoding: { x, y: { ...y, field: 'mean' }, color },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, opacity: 0.6, size: 50 },
        encoding: {
          x,
          xOffset: { field: 'seed', type: 'quantitative', scale: { domain: [-1, r.config.seeds] } },
          y: { ...y, field: 'accuracy' },
          color,
          tooltip: [{ field: 'network' }, { field: 'seed' }, { field: 'accuracy', format: '.2f' }],
        },
      },
    ],
  };
  return {
    kind: 'figure',
    id: 'p2-accuracy-comparison',
    title: 'Training accuracy: original vs two-hidden-layer net',
    spec,
  };
}

function summaryTable(r: P2Result): TableOutput {
  return {
    kind: 'table',
    caption: `Over ${r.config.seeds} seeds: mean ± standard deviation [min, max]`,
    columns: ['network', 'parameters', 'train accuracy', 'final cost (λ)', 'nfev', 'nit', 'status'],
    rows: r.summaries.map((s) => [
      net(r, s.net).label,
      net(r, s.net).params,
      `${meanStd(s.accuracy, (x) => pct(x))} [${pct(s.accuracy.min)}, ${pct(s.accuracy.max)}]`,
      `${meanStd(s.finalCost, (x) => x.toFixed(4))} [${s.finalCost.min.toFixed(4)}, ${s.finalCost.max.toFixed(4)}]`,
      meanStd(s.nfev, (x) => x.toFixed(1)),
      `${meanStd(s.nit, (x) => x.toFixed(1))} [${s.nit.min}, ${s.nit.max}]`,
      s.statusCounts.map((c) => `${c.status} (${c.message}) ×${c.count}`).join('; '),
    ]),
  };
}

/** Mean over seeds of the lowest cost after `e` evaluations. */
function bestAfter(r: P2Result, key: P2NetKey, e: number): number {
  const mean = summary(r, key).bestCost.mean;
  return mean[Math.min(e, mean.length) - 1];
}

function part6Text(r: P2Result): string {
  const n = r.config.maxfun;
  const checkpoints = [Math.round(n / 5), Math.round(n / 2), n].filter(
    (e, i, a) => e >= 1 && a.indexOf(e) === i,
  );
  const at = checkpoints
    .map(
      (e) =>
        `after ${e} evaluations ${bestAfter(r, 'original', e).toFixed(3)} against ${bestAfter(r, 'deep', e).toFixed(3)}`,
    )
    .join(', ');
  let lead: P2NetKey | null = null;
  let lastSwitch = 0;
  for (let e = 1; e <= n; e++) {
    const o = bestAfter(r, 'original', e);
    const d = bestAfter(r, 'deep', e);
    const now: P2NetKey | null = o < d ? 'original' : d < o ? 'deep' : lead;
    if (now !== lead) {
      lead = now;
      lastSwitch = e;
    }
  }
  const o = summary(r, 'original');
  const d = summary(r, 'deep');
  return (
    `The mean lowest cost over the seeds is, for the ${shortLabel(r, 'original')} and ${shortLabel(r, 'deep')} nets: ${at}. ` +
    (lead === null
      ? 'The two curves coincide.'
      : `From evaluation ${lastSwitch} on, the ${shortLabel(r, lead)} net keeps the lower mean cost. `) +
    `Every run ends with TNC status ${[...new Set([...o.statusCounts, ...d.statusCounts].map((c) => `${c.status} ("${c.message}")`))].join(' or ')}, after ${Math.min(o.nit.min, d.nit.min)}–${Math.max(o.nit.max, d.nit.max)} outer iterations. ` +
    `The truncated-Newton steps are expensive (each inner CG step costs an evaluation), so the budget buys few iterations. ` +
    stillFalling(r)
  );
}

/** How much each net's mean lowest cost fell over the last tenth of the budget. */
function stillFalling(r: P2Result): string {
  const n = r.config.maxfun;
  const e0 = Math.max(1, Math.round(0.9 * n));
  const drop = (key: P2NetKey): number => 1 - bestAfter(r, key, n) / bestAfter(r, key, e0);
  const dO = drop('original');
  const dD = drop('deep');
  const f = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const falling = (x: number): boolean => x > 0.001;
  return falling(dO) && falling(dD)
    ? `In the last tenth of the budget, the mean costs still fell by ${f(dO)} and ${f(dD)}, so neither net had converged when the budget ran out.`
    : `In the last tenth of the budget, the mean costs fell by ${f(dO)} and ${f(dD)}; ${falling(dO) || falling(dD) ? 'only one net was still making progress' : 'both had nearly stopped improving'}.`;
}

function part7Text(r: P2Result): string {
  const d0 = runsOf(r, 'deep')[0];
  const s = summary(r, 'deep');
  return (
    `For seed index 0, the trained ${shortLabel(r, 'deep')} net classifies ${d0.correct} of ${r.data.m} training images correctly, which is ${pct(d0.trainAccuracy)}. ` +
    (s.accuracy.n > 1
      ? `Over all ${s.accuracy.n} seeds its training accuracy is ${meanStd(s.accuracy, (x) => pct(x))}, from ${pct(s.accuracy.min)} to ${pct(s.accuracy.max)}. `
      : '') +
    `Like the notebook, this measures accuracy on the training data. With ${net(r, 'deep').params.toLocaleString('en-US')} parameters for ${r.data.m} examples, it shows how well the optimiser fitted the data, not how well the net generalises.`
  );
}

function part8Text(r: P2Result): string {
  const o = summary(r, 'original');
  const d = summary(r, 'deep');
  const c = r.comparison;
  const n = o.accuracy.n;
  const diff = c.meanDiff;
  const sign = diff >= 0 ? '+' : '−';
  const higher = diff > 0 ? 'higher' : diff < 0 ? 'lower' : 'the same';
  const seSigma = n > 1 ? c.stdDiff / Math.sqrt(n) : NaN;
  const t = n > 1 && seSigma > 0 ? Math.abs(diff) / seSigma : Infinity;
  const lines: string[] = [];
  lines.push(
    `With the same hyperparameters and evaluation budget, the ${shortLabel(r, 'original')} net reaches a training accuracy of ${meanStd(o.accuracy, (x) => pct(x))}, and the ${shortLabel(r, 'deep')} net reaches ${meanStd(d.accuracy, (x) => pct(x))}${n > 1 ? ` (mean ± sd over ${n} seeds)` : ''}. ` +
      `On average the two-hidden-layer net's accuracy is ${higher}${diff !== 0 ? ` by ${Math.abs(100 * diff).toFixed(2)} points` : ''} (difference ${sign}${Math.abs(100 * diff).toFixed(2)}). ` +
      (n > 1
        ? `Paired by seed, it is better in ${c.deepBetter} of ${n} runs, worse in ${c.originalBetter}, and tied in ${c.ties}. The mean difference is ${Number.isFinite(t) ? `${t.toFixed(1)} standard errors` : 'exact in every run'} from zero, so ${t >= 3 ? 'the gap is systematic, not seed-to-seed noise' : t >= 2 ? 'the gap is probably real, though not by a wide margin' : 'the seeds cannot tell the two nets apart'}.`
        : 'With a single seed this is one draw from each net, not a distribution; run more seeds to judge the gap.'),
  );
  lines.push(
    `Their final regularised costs are ${meanStd(o.finalCost, (x) => x.toFixed(3))} and ${meanStd(d.finalCost, (x) => x.toFixed(3))}. ` +
      costVsAccuracy(r) +
      `Both nets spend their whole budget (mean nfev ${o.nfev.mean.toFixed(1)} and ${d.nfev.mean.toFixed(1)}, TNC status ${[...new Set([...o.statusCounts, ...d.statusCounts].map((s) => s.status))].join('/')}), in ${o.nit.mean.toFixed(1)} and ${d.nit.mean.toFixed(1)} outer iterations on average. ` +
      `So the comparison is between two nets trained for the same number of evaluations, not between two fully converged nets. The deep net has ${net(r, 'deep').params < net(r, 'original').params ? 'fewer' : 'more'} parameters (${net(r, 'deep').params.toLocaleString('en-US')} against ${net(r, 'original').params.toLocaleString('en-US')}), so the comparison does not favour it through size.`,
  );
  if (n > 1) {
    const ratio = d.accuracy.std / Math.max(o.accuracy.std, 1e-12);
    lines.push(
      ratio > 1.5 || ratio < 1 / 1.5
        ? `The seeds spread the two nets differently. The ${ratio > 1 ? shortLabel(r, 'deep') : shortLabel(r, 'original')} net's standard deviation over seeds is ${(ratio > 1 ? ratio : 1 / ratio).toFixed(1)}× the other's. Its accuracies range from ${pct((ratio > 1 ? d : o).accuracy.min)} to ${pct((ratio > 1 ? d : o).accuracy.max)}, against ${pct((ratio > 1 ? o : d).accuracy.min)} to ${pct((ratio > 1 ? o : d).accuracy.max)}. So with this budget, its result depends more on the initialisation.`
        : `The two nets vary about equally from seed to seed (standard deviations ${pct(o.accuracy.std)} and ${pct(d.accuracy.std)}).`,
    );
  }
  const fromMnist = r.config.dataset === 'mnist-ex4';
  const ref = P2_REFERENCE;
  const oRun = runsOf(r, 'original');
  const matchNit = oRun.filter((x) => x.nit === ref.nit).length;
  lines.push(
    `The original notebook reports ${pct(ref.accuracy)} (${ref.correct}/5000), final cost ${ref.finalCost}, nfev ${ref.nfev}, nit ${ref.nit} and status ${ref.status} for its 2-layer net on \`ex4data1.mat\`. ` +
      `Our runs of the same net give ${meanStd(o.accuracy, (x) => pct(x))} and cost ${meanStd(o.finalCost, (x) => x.toFixed(3))}, and ${matchNit} of these ${oRun.length} runs ${matchNit === 1 ? 'stops' : 'stop'} after exactly ${ref.nit} iterations, as the notebook's did. ` +
      (fromMnist
        ? `These runs use the MNIST-derived set rather than the original file, so the digits are similar but not the same images; closeness, not identity, is the expected outcome.`
        : `These runs use the data file given in the config.`),
  );
  return lines.join('\n\n');
}

/** Whether the net with the lower final cost also has the higher accuracy (they need not agree). */
function costVsAccuracy(r: P2Result): string {
  const o = summary(r, 'original');
  const d = summary(r, 'deep');
  const lowerCost: P2NetKey = d.finalCost.mean < o.finalCost.mean ? 'deep' : 'original';
  const higherAcc: P2NetKey = d.accuracy.mean > o.accuracy.mean ? 'deep' : 'original';
  if (lowerCost === higherAcc)
    return `The ${shortLabel(r, lowerCost)} net is ahead on both the cost and the accuracy. `;
  return `The ${shortLabel(r, lowerCost)} net ends at the lower cost but not at the higher accuracy. The cost averages the cross-entropy of all 10 outputs and includes the weight penalty (which differs between the nets), while the accuracy only counts whether the largest output is the right one. `;
}

/** A note naming the runs that broke the divergence rule (none: no note). */
function divergedNote(r: P2Result): Block[] {
  const bad = r.runs.filter((run) => run.diverged !== null);
  if (bad.length === 0) return [];
  return [
    markdown(
      `**Diverged:** ${bad.length} of ${r.runs.length} TNC runs broke nnlab's divergence rule (final cost NaN, infinite or above 10× its first value): ` +
        `${bad.map((run) => `${shortLabel(r, run.net)} net, seed index ${run.seedIndex}: ${run.diverged!.message}`).join('; ')}. ` +
        `They are left out of every statistic and comparison below.`,
    ),
  ];
}

/** Problem 2's blocks: the setup, then the outputs and discussion of parts 2.3 and 2.5–2.8. */
export function p2Section(result: P2Result): Block[] {
  const r = result;
  const deep0 = runsOf(r, 'deep')[0];
  const maxAbsErr = Math.max(...r.gradChecks.map((g) => g.maxAbsErr));
  return [
    heading(1, p2.title),
    ...divergedNote(r),
    markdown(setupText(r)),
    outputs({
      kind: 'text',
      text: `${r.data.m} ${r.data.side * r.data.side} ${r.data.source}\n${r.nets.map((n) => `[${n.sizes.join(', ')}] hidden k = ${n.hiddenScale}`).join('\n')}`,
    }),
    // 2.3's table is the notebook's own: its cost() beside the experiment's numbers.
    heading(2, 'Problem 2.3 — cost() with and without regularisation'),
    markdown(
      r.initialCosts
        .map(
          (c) =>
            `At its initial weights, the ${shortLabel(r, c.net)} net's cost is ${c.unregularised.toFixed(4)}; regularisation adds ${(c.regularised - c.unregularised).toExponential(2)}. For comparison, $10 \\log 2 = ${(10 * Math.LN2).toFixed(4)}$ is the cost of outputs that are all exactly $\\tfrac12$.`,
        )
        .join(' '),
    ),
    heading(2, 'Problem 2.5 — backprop() with and without regularisation'),
    outputs(gradCheckTable(r)),
    markdown(
      `Across both nets and both values of λ, the largest deviation between backprop and the finite differences is ${sci(maxAbsErr)} (relative ${sci(Math.max(...r.gradChecks.map((g) => g.maxRelErr)))}). ${maxAbsErr < 1e-8 ? 'This is at the level of finite-difference rounding error, so the analytic gradient is correct.' : 'That is larger than finite-difference rounding error alone would explain; the gradient needs checking.'}`,
    ),
    heading(2, 'Problem 2.6 — Training with TNC, hyperparameters unchanged'),
    outputs(convergenceFigure(r), runsTable(r), {
      kind: 'text',
      text: `wall time ${r.wallSeconds.toFixed(1)} s (${r.backend} backend, float64)`,
    }),
    markdown(part6Text(r)),
    heading(2, 'Problem 2.7 — Predictions and accuracy'),
    outputs({
      kind: 'text',
      text: `accuracy = ${pct(deep0.trainAccuracy)}  (seed index 0, ${deep0.correct}/${r.data.m})`,
    }),
    markdown(part7Text(r)),
    heading(2, 'Problem 2.8 — Comparison with the 2-layer network'),
    outputs(accuracyFigure(r), summaryTable(r)),
    markdown(part8Text(r)),
  ];
}
