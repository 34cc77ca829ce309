/**
 * What every section writes with: the blocks of a section (headings, discussion, outputs), number formats, and
 * the Vega-Lite pieces the figures share. A section is a list of blocks whose outputs (figures, tables, text)
 * are computed from an experiment's result; the code that made the result is the notebook's own cell, so the
 * sections carry no code listings.
 */
import type { Block, Output } from 'nnlab';

/** A heading: level 1 is a problem's title (its experiment's `title`), level 2 a homework part. */
export function heading(level: 1 | 2 | 3, text: string): Block {
  return { kind: 'heading', level, text };
}

/** Discussion computed from the result, in the Markdown subset of the report model. */
export function markdown(text: string): Block {
  return { kind: 'markdown', text };
}

/** Figures, tables and text shown together (one notebook output area). */
export function outputs(...o: Output[]): Block {
  return { kind: 'code', source: '', outputs: o };
}

/** 0.9876 → "98.76%". */
export const pct = (x: number, digits = 2): string => `${(100 * x).toFixed(digits)}%`;

/** A difference of fractions in percentage points with its sign: +0.12 points, −1.50 points. */
export const pts = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(2)} points`;

/** 2.3e-8 (0 stays "0"). */
export const sci = (x: number, digits = 1): string => (x === 0 ? '0' : x.toExponential(digits));

/** 2.35e-8 as LaTeX for inside $…$: 2.35\times10^{-8}. */
export function texSci(v: number, digits = 2): string {
  if (v === 0) return '0';
  const [m, e] = v.toExponential(digits).split('e');
  const exp = Number(e);
  return exp === 0 ? m : `${m}\\times10^{${exp}}`;
}

/** "1 epoch", "3 epochs". */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** 60000 → "60,000". */
export const int = (n: number): string => n.toLocaleString('en-US');

/** Mean ± standard deviation of a sample, or the single value when there is one. */
export function meanStd(s: { n: number; mean: number; std: number }, f: (x: number) => string): string {
  return s.n > 1 ? `${f(s.mean)} ± ${f(s.std)}` : f(s.mean);
}

/** The Vega-Lite schema every figure declares. */
export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** A legend under the plot. */
export const BOTTOM_LEGEND = { orient: 'bottom' } as const;

/** A legend under the plot whose symbols are opaque line strokes, for a line drawn over a pale min–max band. */
export const LINE_LEGEND = {
  orient: 'bottom',
  symbolType: 'stroke',
  symbolStrokeWidth: 2.5,
  symbolOpacity: 1,
  symbolFillColor: null,
} as const;

/**
 * A nominal channel (colour, stroke dash, shape) on `field`: fixed values per category when `scale` gives a
 * `range` (and the categories' `domain`), the legend under the plot.
 */
export function nominal(
  field: string,
  title: string | null,
  scale?: { domain?: readonly string[]; range?: readonly unknown[] },
  legend: object = BOTTOM_LEGEND,
): { [k: string]: unknown } {
  return { field, type: 'nominal', title, ...(scale ? { scale } : {}), legend };
}

/** An x channel of whole epochs. */
export function epochX(extra: { [k: string]: unknown } = {}): { [k: string]: unknown } {
  return {
    field: 'epoch',
    type: 'quantitative',
    title: 'epoch',
    axis: { tickMinStep: 1, format: 'd' },
    ...extra,
  };
}

/** A y channel for a fraction in [0, 1] shown as percent. */
export function fractionY(title: string): { [k: string]: unknown } {
  return {
    field: 'fraction',
    type: 'quantitative',
    title,
    scale: { domain: [0, 1] },
    axis: { format: '.0%' },
  };
}

/**
 * An accuracy axis range (in percent) around values from `lo` to `hi`: a quarter-point margin, the lower end
 * rounded down to half a point, the upper end rounded up (to half a point, or to a whole point when
 * `wholeTop`), never past 0 and 100.
 */
export function accuracyDomain(lo: number, hi: number, wholeTop = false): [number, number] {
  const top = wholeTop ? Math.ceil(hi + 0.25) : Math.ceil((hi + 0.25) * 2) / 2;
  return [Math.max(0, Math.floor((lo - 0.25) * 2) / 2), Math.min(100, top)];
}
