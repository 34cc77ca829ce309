/**
 * Headless figure rendering: Vega-Lite spec → (vega-lite compile) Vega spec → vega View with renderer 'none'
 * → SVG string; SVG → PNG with resvg using only the shipped TTFs. Text is measured with the same TTFs (fontkit),
 * so layout (legend widths, label overlap, title placement) matches what resvg and the PDF draw.
 */
import { Resvg } from '@resvg/resvg-js';
import type * as Vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import type { VegaLiteSpec } from '../report/document.js';
import { familyFor, figureFontFiles, MONO_FAMILY, SANS_FAMILY, SERIF_FAMILY, textWidth } from './fonts.js';
import { withTheme } from './theme.js';

interface TextItem {
  font?: string;
  fontSize?: number;
  fontWeight?: string | number;
  fontStyle?: string;
}

/**
 * vega and vega-lite, loaded on first use: vega's canvas probe uses a top-level await, which would make every
 * module importing nnlab asynchronous (and unloadable by require(), as Jupyter's tslab kernel loads modules).
 * Once loaded, vega-scenegraph's text metrics hook (exported, but omitted from the typings) measures with our TTFs.
 */
let loaded: Promise<{ vega: typeof Vega; compile: typeof import('vega-lite').compile }> | undefined;
function loadVega(): Promise<{ vega: typeof Vega; compile: typeof import('vega-lite').compile }> {
  loaded ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => {
    const metrics = (vega as unknown as { textMetrics: { width: (item: TextItem, text: unknown) => number } })
      .textMetrics;
    metrics.width = measure;
    return { vega, compile: vl.compile };
  });
  return loaded;
}

function measure(item: TextItem, text: unknown): number {
  const size = item.fontSize != null ? +item.fontSize || 0 : 11;
  const s = text == null ? '' : String(text).trim();
  if (size <= 0 || s === '') return 0;
  const w = item.fontWeight;
  const bold =
    w === 'bold' ||
    w === 'bolder' ||
    (typeof w === 'number' && w >= 600) ||
    (typeof w === 'string' && +w >= 600);
  return textWidth(s, size, { family: familyFor(item.font), bold, italic: item.fontStyle === 'italic' });
}

export interface SvgFigure {
  svg: string;
  /** Warnings vega-lite and vega raised (e.g. conflicting legend properties), for the build to report. */
  warnings: string[];
  /** Size in CSS pixels, from the SVG's width/height attributes. */
  width: number;
  height: number;
}

export interface RenderedFigure extends SvgFigure {
  png: Buffer;
  /** Pixels per CSS pixel in the PNG. */
  pngScale: number;
}

/** Renders a Vega-Lite spec (the shared theme applied) to a standalone SVG string. */
export async function renderSvg(spec: VegaLiteSpec): Promise<SvgFigure> {
  const { vega, compile } = await loadVega();
  const warnings: string[] = [];
  // Collected instead of printed: the build reports them per figure, the console stays clean.
  const logger = vega.logger(vega.Warn, undefined, (_method, level, args) => {
    warnings.push(`${level} ${args.map(String).join(' ')}`.trim());
  });
  let compiled: Vega.Spec;
  try {
    compiled = compile(withTheme(spec) as unknown as TopLevelSpec, { logger }).spec as Vega.Spec;
  } catch (e) {
    throw new Error(`renderSvg: vega-lite could not compile the spec: ${(e as Error).message}`);
  }
  // A loader that refuses everything: figures carry inline data, and the report must never touch the network.
  const loader = vega.loader();
  loader.load = (uri: string) =>
    Promise.reject(new Error(`renderSvg: external data "${uri}" is not allowed`));
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader, logger });
  try {
    const svg = await view.toSVG();
    const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
    if (!m) throw new Error('renderSvg: vega produced an SVG without width/height');
    return { svg, warnings, width: +m[1]!, height: +m[2]! };
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG at `scale` pixels per CSS pixel, with only the shipped fonts (no system font lookup). */
export function svgToPng(svg: string, scale = 2): Buffer {
  if (!(scale > 0)) throw new Error(`svgToPng: scale must be > 0, got ${scale}`);
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: {
      loadSystemFonts: false,
      fontFiles: figureFontFiles(),
      defaultFontFamily: SANS_FAMILY,
      sansSerifFamily: SANS_FAMILY,
      serifFamily: SERIF_FAMILY,
      monospaceFamily: MONO_FAMILY,
    },
  });
  return r.render().asPng();
}

/** SVG and PNG of one spec, rendered once so every report format reuses the same bytes. */
export async function renderFigure(spec: VegaLiteSpec, pngScale = 2): Promise<RenderedFigure> {
  const f = await renderSvg(spec);
  return { ...f, png: svgToPng(f.svg, pngScale), pngScale };
}

/** A PNG's pixel size from its IHDR chunk; throws when the bytes do not start with a PNG signature and IHDR. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (b.length < 24 || sig.some((v, i) => b[i] !== v) || b.subarray(12, 16).toString('latin1') !== 'IHDR')
    throw new Error(
      `pngSize: not a PNG (first bytes ${[...b.subarray(0, 8)].map((v) => v.toString(16)).join(' ')})`,
    );
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}
