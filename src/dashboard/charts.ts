/**
 * The dashboard's charts as Vega-Lite specs with the notebook's theme (plot/theme.ts withTheme: the same font,
 * sizes, grid and colour scheme as every figure of the report), data inlined. The page compiles them with the
 * same vega and vega-lite builds the report uses, served from the package.
 */
import type { VegaLiteSpec } from '../report/document.js';
import { withTheme } from '../plot/theme.js';

export interface CurvePoint {
  job: string;
  series: string;
  step: number;
  wall: number | null;
  value: number | null;
}

/** Overlaid curves: one line per (job, series), x = step or wall seconds, y on a log scale when asked. */
export function curvesSpec(
  points: CurvePoint[],
  opts: { x: 'step' | 'wall'; logY: boolean; title: string },
): VegaLiteSpec {
  return withTheme({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    width: 'container',
    height: 300,
    data: { values: points },
    transform: [{ calculate: "datum.job + ' · ' + datum.series", as: 'curve' }],
    mark: { type: 'line', point: points.length <= 60, tooltip: true, interpolate: 'linear' },
    encoding: {
      x: {
        field: opts.x,
        type: 'quantitative',
        title: opts.x === 'step' ? 'step' : 'wall time (s)',
        ...(opts.x === 'step' ? { axis: { tickMinStep: 1, format: 'd' } } : {}),
      },
      y: {
        field: 'value',
        type: 'quantitative',
        title: 'value',
        scale: opts.logY ? { type: 'log' } : { zero: false },
      },
      color: { field: 'curve', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2 } },
    },
    config: { view: { continuousWidth: 600 } },
  });
}

/** A sweep: each job a point at (setting, outcome), e.g. P5's learning rate against the final loss. */
export function sweepSpec(
  input: { job: string; x: number | string; y: number | null; status: string }[],
  opts: { x: string; y: string; logX: boolean },
): VegaLiteSpec {
  const numeric = input.every((r) => typeof r.x === 'number');
  // A non-finite outcome (a diverged run) has no place on the y axis: drawn as a cross at the top, as the
  // notebook's 5.1 figure does, with "non-finite" in its tooltip.
  const finite = input.flatMap((r) => (r.y === null ? [] : [r.y]));
  const top = finite.length > 0 ? Math.max(...finite) : 1;
  const rows = input.map((r) =>
    r.y === null
      ? { ...r, y: top, value: 'non-finite', point: 'non-finite' }
      : { ...r, value: r.y, point: 'finite' },
  );
  return withTheme({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${opts.y} against ${opts.x}`,
    width: 'container',
    height: 260,
    data: { values: rows },
    mark: { type: 'point', filled: true, size: 80 },
    encoding: {
      x: {
        field: 'x',
        type: numeric ? 'quantitative' : 'nominal',
        title: opts.x,
        ...(numeric && opts.logX ? { scale: { type: 'log' } } : {}),
      },
      y: { field: 'y', type: 'quantitative', title: opts.y, scale: { zero: false } },
      color: { field: 'status', type: 'nominal', title: 'state' },
      shape: {
        field: 'point',
        type: 'nominal',
        title: 'outcome',
        scale: { domain: ['finite', 'non-finite'], range: ['circle', 'cross'] },
      },
      tooltip: [
        { field: 'job', type: 'nominal' },
        { field: 'x', title: opts.x },
        { field: 'value', title: opts.y },
        { field: 'status', type: 'nominal' },
      ],
    },
  });
}
