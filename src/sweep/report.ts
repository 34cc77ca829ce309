/**
 * The sweep's own report (notebook, HTML, PDF through report/build.ts): a table of every trial, a figure of
 * the metric against the first grid setting with each seed's score and the mean (one line per value of the
 * second setting), and, with ASHA, what early stopping spent against the full grid.
 */
import type { ReportDocument, TableOutput, FigureOutput } from '../report/document.js';
import type { SweepSummary } from './run.js';

const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : String(x));

export function sweepDocument(s: SweepSummary): ReportDocument {
  const [xAxis, colorAxis] = s.grid;
  const top = s.rungs[s.rungs.length - 1];
  // Per point, its trial at the highest rung it reached (what the figure shows).
  const last = new Map<number, SweepSummary['trials'][number]>();
  for (const t of s.trials) if ((last.get(t.point)?.rung ?? -1) < t.rung) last.set(t.point, t);
  const values: { [k: string]: string | number | null }[] = [];
  for (const [point, t] of last) {
    const p = s.points[point];
    t.scores.forEach((score, i) =>
      values.push({
        x: p.texts[xAxis.key],
        series:
          colorAxis === undefined ? 'all' : `${colorAxis.key}=${JSON.stringify(p.settings[colorAxis.key])}`,
        seed: s.seeds[i],
        epochs: t.resource,
        score: Number.isFinite(score) ? score : null,
      }),
    );
  }
  const figure: FigureOutput = {
    kind: 'figure',
    id: `sweep-${s.expId}`,
    title:
      `${s.metric} against ${xAxis.key}${colorAxis === undefined ? '' : ` and ${colorAxis.key}`}` +
      (s.asha === null ? '' : ` (each configuration at the most ${s.resourceKey} it reached)`),
    spec: {
      width: 420,
      height: 260,
      data: { values },
      encoding: {
        x: {
          field: 'x',
          type: 'ordinal',
          title: xAxis.key,
          sort: xAxis.values,
        },
        color: { field: 'series', type: 'nominal', title: colorAxis?.key ?? '' },
      },
      layer: [
        {
          mark: { type: 'point', opacity: 0.5 },
          encoding: { y: { field: 'score', type: 'quantitative', title: s.metric } },
        },
        {
          mark: { type: 'line' },
          encoding: { y: { aggregate: 'mean', field: 'score', type: 'quantitative' } },
        },
      ],
    },
  };
  const table: TableOutput = {
    kind: 'table',
    caption: `Every trial: settings, ${s.resourceKey} trained, mean ${s.metric} over ${s.seeds.length} seed(s), and each seed's score`,
    columns: ['settings', s.resourceKey, `mean ${s.metric}`, 'per seed'],
    rows: s.trials.map((t) => [t.name, t.resource, fmt(t.mean), t.scores.map(fmt).join(' ')]),
  };
  const saved = 1 - s.spent.trained / s.spent.fullGrid;
  const lines = [
    `Grid: ${s.grid.map((a) => `${a.key} ∈ {${a.values.join(', ')}}`).join(' × ')}; seeds ${s.seeds.join(', ')}; ` +
      `${s.points.length} configurations, ${s.resourceKey} up to ${top}.`,
    s.best === null
      ? 'No trial finished.'
      : `Best: **${s.best.name}** with mean ${s.metric} ${fmt(s.best.mean)} at ${s.resourceKey} = ${s.best.resource}.`,
  ];
  if (s.asha !== null) {
    lines.push(
      `ASHA: rungs at ${s.resourceKey} = ${s.rungs.join(', ')} (grace ${s.asha.grace}, reduction factor η = ${s.asha.eta}). ` +
        `It trained ${s.spent.trained} seed-epochs against ${s.spent.fullGrid} for the full grid, ` +
        `${(100 * saved).toFixed(0)}% less (${s.spent.resumed} had promoted trials continued from their checkpoints).`,
    );
  }
  return {
    title: `Sweep of ${s.expId}`,
    subtitle: [`${s.trials.length} trials in ${s.wallSeconds.toFixed(1)} s`],
    blocks: [
      { kind: 'heading', level: 2, text: 'Summary' },
      { kind: 'markdown', text: lines.join('\n\n') },
      {
        kind: 'code',
        source: `// nnlab sweep ${s.expId} ${s.grid.map((a) => `--grid ${a.key}=${a.values.join(',')}`).join(' ')}`,
        outputs: [figure, table],
      },
    ],
  };
}
