/**
 * The one look shared by every figure: the shipped DejaVu Sans everywhere, readable sizes at print width, light
 * grids, white background (the PNG and PDF have no page colour behind a transparent chart).
 */
import type { VegaLiteSpec } from './spec.js';
import { SANS_FAMILY } from './fonts.js';

export const themeConfig: { [k: string]: unknown } = {
  font: SANS_FAMILY,
  background: 'white',
  padding: 8,
  view: { stroke: '#d0d0d0', continuousWidth: 360, continuousHeight: 220 },
  title: {
    fontSize: 14,
    fontWeight: 'bold',
    anchor: 'start',
    offset: 10,
    subtitleFontSize: 11,
    subtitleColor: '#555',
  },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    titlePadding: 8,
    gridColor: '#e6e6e6',
    domainColor: '#888',
    tickColor: '#888',
    labelColor: '#333',
    titleColor: '#222',
  },
  legend: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    symbolSize: 80,
    labelLimit: 260,
  },
  header: { labelFontSize: 12, titleFontSize: 13, labelFontWeight: 'bold', titleFontWeight: 'normal' },
  line: { strokeWidth: 1.8 },
  point: { size: 36 },
  range: { category: { scheme: 'tableau10' } },
};

function isRecord(v: unknown): v is { [k: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge where `over` wins: merge(base, over)[k] = both records ? merge(base[k], over[k]) : over[k] ?? base[k]. */
function merge(base: { [k: string]: unknown }, over: { [k: string]: unknown }): { [k: string]: unknown } {
  const out: { [k: string]: unknown } = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isRecord(b) && isRecord(v) ? merge(b, v) : v;
  }
  return out;
}

/** The spec with the shared theme under its config; settings the spec makes itself take precedence. */
export function withTheme(spec: VegaLiteSpec): VegaLiteSpec {
  const own = isRecord(spec['config']) ? spec['config'] : {};
  return { ...spec, config: merge(themeConfig, own) };
}
