/**
 * Problem 2's report section: one heading per homework part (2.1–2.8), the maths of each function, a
 * commented nnlab code cell per part with the measured outputs, the accuracy comparison over seeds as a
 * Vega-Lite figure, and a discussion whose every number comes from the stored result.
 */
import { P2_REFERENCE, type P2NetKey, type P2Result, type P2Run, type P2Stats } from '../experiments/p2.js';
import { sigmoid, sigmoidGradient } from '../experiments/p2/network.js';
import type { Block, FigureOutput, TableOutput, VegaLiteSpec } from 'nnlab';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const COLORS: Record<P2NetKey, string> = { original: '#1f77b4', deep: '#d62728' };

const pct = (x: number, d = 2): string => `${(100 * x).toFixed(d)}%`;
const sci = (x: number): string => (x === 0 ? '0' : x.toExponential(1));
const meanStd = (s: P2Stats, f: (x: number) => string): string =>
  s.n > 1 ? `${f(s.mean)} ± ${f(s.std)}` : f(s.mean);

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

const DATA_CODE = (
  r: P2Result,
): string => `// Problem 2 setup: the ex4 digit set (5000 × 400, labels 1..10) and the two network shapes.
import { loadEx4, NET_ORIGINAL, NET_TWO_HIDDEN } from 'nnlab';

// 'mnist-ex4' rebuilds ex4's set from MNIST; pass a path to load the original ex4data1.mat instead.
const data = loadEx4(${JSON.stringify(r.config.dataset)});
console.log(data.m, data.X.length / data.m, data.source);
for (const spec of [NET_ORIGINAL, NET_TWO_HIDDEN]) console.log(spec.sizes, 'hidden k =', spec.hiddenScale);`;

const FUNCTIONS_CODE = `// Parts 1 and 4: the (scaled) sigmoid and its derivative, σ(kz) and k·σ(kz)·(1 − σ(kz)).
import { sigmoid, sigmoidGradient } from 'nnlab';

for (const z of [-2, -1, 0, 1, 2]) {
  console.log(z, sigmoid(z), sigmoid(z, 2), sigmoidGradient(z), sigmoidGradient(z, 2));
}`;

function functionsTable(): TableOutput {
  return {
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
  };
}

const FORWARD_CODE = (
  r: P2Result,
): string => `// Parts 2 and 3: forward propagation and both versions of the cost at the first seed's initial weights.
import { Ex4Network, NET_TWO_HIDDEN, NET_ORIGINAL, initParams, loadEx4, Rng } from 'nnlab';

const data = loadEx4(${JSON.stringify(r.config.dataset)});
for (const spec of [NET_ORIGINAL, NET_TWO_HIDDEN]) {
  const net = new Ex4Network(spec, data.X, data.y);       // binds X (m × 400) and one-hot y
  const theta0 = initParams(spec, new Rng(${r.seed}).derive(0).derive(spec === NET_ORIGINAL ? 0 : 1), ${r.config.initEpsilon});
  const { h } = net.forwardPropagate(theta0);              // h: m × 10 output probabilities
  console.log(spec.sizes.join('-'), h.length / 10, net.cost(theta0, 0), net.cost(theta0, ${r.config.lambda}));
  net.dispose();
}`;

function initialCostTable(r: P2Result): TableOutput {
  return {
    kind: 'table',
    caption: `Cost at the initial parameters of seed index 0, on all ${r.data.m} examples`,
    columns: ['network', 'forward output h', 'cost, λ = 0', `cost, λ = ${r.config.lambda}`],
    rows: r.initialCosts.map((c) => [
      net(r, c.net).label,
      `${r.data.m} × 10`,
      c.unregularised.toFixed(6),
      c.regularised.toFixed(6),
    ]),
  };
}

const BACKPROP_CODE = (
  r: P2Result,
): string => `// Part 5: backprop returns { cost, grad }; compare the gradient with central differences of the cost.
import { Ex4Network, NET_TWO_HIDDEN, initParams, loadEx4, Rng } from 'nnlab';

const data = loadEx4(${JSON.stringify(r.config.dataset)});            // the experiment checks on ${r.config.gradCheckExamples} examples
const net = new Ex4Network(NET_TWO_HIDDEN, data.X, data.y);
const theta = initParams(NET_TWO_HIDDEN, new Rng(1), ${r.config.initEpsilon});
const h = 1e-5;
for (const lambda of [0, ${r.config.lambda}]) {                        // unregularised, then regularised
  const { cost, grad } = net.backprop(theta, lambda);
  const i = 123;                                        // the experiment checks ${r.config.gradCheckCoords} random coordinates
  const plus = Float64Array.from(theta); plus[i] += h;
  const minus = Float64Array.from(theta); minus[i] -= h;
  const fd = (net.cost(plus, lambda) - net.cost(minus, lambda)) / (2 * h);
  console.log(lambda, cost, Math.abs(fd - grad[i]));
}`;

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

const TRAIN_CODE = (r: P2Result): string => `// Part 6: train with the notebook's hyperparameters, as scipy's
// minimize(fun=backprop, x0=params, args=(X, y, learning_rate), method='TNC', jac=True, options={'maxiter': 250}).
import { minimize, runExperiment, Ex4Network, NET_TWO_HIDDEN, initParams, loadEx4, Rng } from 'nnlab';

const data = loadEx4(${JSON.stringify(r.config.dataset)});
const net = new Ex4Network(NET_TWO_HIDDEN, data.X, data.y);
const lambda = ${r.config.lambda};                                   // the notebook's "learning_rate"
const x0 = initParams(NET_TWO_HIDDEN, new Rng(${r.seed}).derive(0).derive(1), ${r.config.initEpsilon}); // U[−${r.config.initEpsilon}, ${r.config.initEpsilon})
const fmin = minimize((theta) => net.backprop(theta, lambda), x0, { method: 'TNC', jac: true, maxfun: ${r.config.maxfun} });
console.log(fmin.fun, fmin.nfev, fmin.nit, fmin.status, fmin.message);

// All ${r.config.seeds} seeds × both nets, spread over the worker pool:
const result = await runExperiment('p2', {}, { seed: ${r.seed} });`;

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
  const values: { [k: string]: string | number }[] = [];
  for (const key of ['original', 'deep'] as const) {
    const runs = runsOf(r, key);
    const curves = runs.map((run) => {
      let best = Infinity;
      return run.evalCosts.map((c) => (best = Math.min(best, c)));
    });
    const len = Math.min(...curves.map((c) => c.length));
    for (let e = 0; e < len; e++) {
      const col = curves.map((c) => c[e]);
      values.push({
        network: net(r, key).label,
        evaluation: e + 1,
        mean: col.reduce((a, b) => a + b, 0) / col.length,
        min: Math.min(...col),
        max: Math.max(...col),
      });
    }
  }
  const color = {
    field: 'network',
    type: 'nominal',
    title: 'network',
    scale: { domain: r.nets.map((n) => n.label), range: r.nets.map((n) => COLORS[n.key]) },
    legend: { orient: 'bottom', symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 },
  };
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
  // Half-point steps with a quarter-point margin around every point and bar.
  const domain = [
    Math.floor((Math.min(...all) - 0.25) * 2) / 2,
    Math.min(100, Math.ceil((Math.max(...all) + 0.25) * 2) / 2),
  ];
  const color = {
    field: 'network',
    type: 'nominal',
    title: 'network',
    scale: { domain: r.nets.map((n) => n.label), range: r.nets.map((n) => COLORS[n.key]) },
    legend: { orient: 'bottom' },
  };
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

/** Mean over seeds of the lowest cost after `e` evaluations (all runs have at least maxfun evaluations). */
function bestAfter(r: P2Result, key: P2NetKey, e: number): number {
  const runs = runsOf(r, key);
  return runs.reduce((s, run) => s + Math.min(...run.evalCosts.slice(0, e)), 0) / runs.length;
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

const PREDICT_CODE = `// Part 7: forward predictions of the trained net and its training-set accuracy.
// The predicted label is 1 + argmax over the 10 outputs, the notebook's np.argmax(h, axis=1) + 1.
const predictions = net.predict(fmin.x);
const accuracy = net.accuracy(fmin.x, data.y);
console.log(\`accuracy = \${(100 * accuracy).toFixed(2)}%\`);`;

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

const COMPARE_CODE = `// Part 8: compare the two nets over the seeds (a paired comparison: same seed index, same data).
const { summaries, comparison } = result;
console.log(summaries.map((s) => [s.net, s.accuracy.mean, s.accuracy.std]), comparison);`;

/** Problem 2's blocks: setup, parts 2.1–2.8 with maths, code, tables and the comparison figure. */
export function p2Section(result: P2Result): Block[] {
  const r = result;
  return [
    { kind: 'heading', level: 1, text: 'Problem 2 — Neural network training and backpropagation' },
    { kind: 'markdown', text: setupText(r) },
    {
      kind: 'code',
      source: DATA_CODE(r),
      outputs: [
        {
          kind: 'text',
          text: `${r.data.m} ${r.data.side * r.data.side} ${r.data.source}\n${r.nets.map((n) => `[${n.sizes.join(', ')}] hidden k = ${n.hiddenScale}`).join('\n')}`,
        },
      ],
    },
    { kind: 'heading', level: 2, text: 'Problem 2.1 — sigmoid() returns the scaled sigmoid' },
    { kind: 'code', source: FUNCTIONS_CODE, outputs: [functionsTable()] },
    { kind: 'heading', level: 2, text: 'Problem 2.2 — forward_propagate() with two hidden layers' },
    { kind: 'heading', level: 2, text: 'Problem 2.3 — cost() with and without regularisation' },
    { kind: 'code', source: FORWARD_CODE(r), outputs: [initialCostTable(r)] },
    {
      kind: 'markdown',
      text: r.initialCosts
        .map(
          (c) =>
            `At its initial weights, the ${shortLabel(r, c.net)} net's cost is ${c.unregularised.toFixed(4)}; regularisation adds ${(c.regularised - c.unregularised).toExponential(2)}. For comparison, $10 \\log 2 = ${(10 * Math.LN2).toFixed(4)}$ is the cost of outputs that are all exactly $\\tfrac12$.`,
        )
        .join(' '),
    },
    { kind: 'heading', level: 2, text: 'Problem 2.4 — sigmoid_gradient() of the scaled sigmoid' },
    { kind: 'heading', level: 2, text: 'Problem 2.5 — backprop() with and without regularisation' },
    { kind: 'code', source: BACKPROP_CODE(r), outputs: [gradCheckTable(r)] },
    {
      kind: 'markdown',
      text: `Across both nets and both values of λ, the largest deviation between backprop and the finite differences is ${sci(Math.max(...r.gradChecks.map((g) => g.maxAbsErr)))} (relative ${sci(Math.max(...r.gradChecks.map((g) => g.maxRelErr)))}). ${Math.max(...r.gradChecks.map((g) => g.maxAbsErr)) < 1e-8 ? 'This is at the level of finite-difference rounding error, so the analytic gradient is correct.' : 'That is larger than finite-difference rounding error alone would explain; the gradient needs checking.'}`,
    },
    { kind: 'heading', level: 2, text: 'Problem 2.6 — Training with TNC, hyperparameters unchanged' },
    {
      kind: 'code',
      source: TRAIN_CODE(r),
      outputs: [
        convergenceFigure(r),
        runsTable(r),
        { kind: 'text', text: `wall time ${r.wallSeconds.toFixed(1)} s (${r.backend} backend, float64)` },
      ],
    },
    { kind: 'markdown', text: part6Text(r) },
    { kind: 'heading', level: 2, text: 'Problem 2.7 — Predictions and accuracy' },
    {
      kind: 'code',
      source: PREDICT_CODE,
      outputs: [
        {
          kind: 'text',
          text: `accuracy = ${pct(runsOf(r, 'deep')[0].trainAccuracy)}  (seed index 0, ${runsOf(r, 'deep')[0].correct}/${r.data.m})`,
        },
      ],
    },
    { kind: 'markdown', text: part7Text(r) },
    { kind: 'heading', level: 2, text: 'Problem 2.8 — Comparison with the 2-layer network' },
    { kind: 'code', source: COMPARE_CODE, outputs: [accuracyFigure(r), summaryTable(r)] },
    { kind: 'markdown', text: part8Text(r) },
  ];
}
