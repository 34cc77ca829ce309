/**
 * Writes a report document in every format: the notebook (NAME.ipynb), a PDF of the same content (NAME.pdf),
 * a self-contained HTML page (NAME.html), and each figure as figures/<id>.svg and .png. Figures are rendered
 * once and reused by all formats; every file is written atomically (temp file + rename), so an interrupted
 * build never leaves a half-written file.
 */
import { join } from 'node:path';
import { renderFigure, type RenderedFigure } from '../plot/render.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { FigureOutput, ReportDocument } from './document.js';
import { toHtml } from './html.js';
import { parseMarkdown } from './markdown.js';
import { texToSvg } from './math.js';
import { toNotebook, type Notebook } from './notebook.js';
import { layoutPdf } from './pdf.js';

/** Every figure of the document, each id once; a reused id with a different spec is an error. */
export function collectFigures(doc: ReportDocument): FigureOutput[] {
  const byId = new Map<string, FigureOutput>();
  for (const b of doc.blocks)
    if (b.kind === 'code')
      for (const o of b.outputs)
        if (o.kind === 'figure') {
          if (!/^[A-Za-z0-9][\w.-]*$/.test(o.id))
            throw new Error(`collectFigures: figure id "${o.id}" is not a safe file stem`);
          const prev = byId.get(o.id);
          if (prev && JSON.stringify(prev.spec) !== JSON.stringify(o.spec))
            throw new Error(`collectFigures: two different figures share the id "${o.id}"`);
          byId.set(o.id, o);
        }
  return [...byId.values()];
}

/** Renders each figure once (SVG + PNG at 2×). */
export async function renderFigures(doc: ReportDocument): Promise<Map<string, RenderedFigure>> {
  const out = new Map<string, RenderedFigure>();
  for (const f of collectFigures(doc)) {
    try {
      out.set(f.id, await renderFigure(f.spec));
    } catch (e) {
      throw new Error(`renderFigures: figure "${f.id}" (${f.title}): ${(e as Error).message}`);
    }
  }
  return out;
}

/** TeX errors anywhere in the document's Markdown (MathJax shows them in red; the build reports them). */
function texWarnings(doc: ReportDocument): string[] {
  const out: string[] = [];
  const check = (tex: string, display: boolean): void => {
    const e = texToSvg(tex, display).error;
    if (e) out.push(`TeX error in "${tex.slice(0, 60)}": ${e}`);
  };
  for (const b of doc.blocks) {
    if (b.kind !== 'markdown') continue;
    for (const m of parseMarkdown(b.text)) {
      if (m.kind === 'math') check(m.tex, true);
      const runs = m.kind === 'paragraph' ? [m.runs] : m.kind === 'list' ? m.items : [];
      for (const r of runs.flat()) if (r.kind === 'math') check(r.tex, false);
    }
  }
  return out;
}

/** Whether a spec (at any depth: layers, facets, concats) encodes a field by colour/shape/dash with a legend wanted. */
function wantsLegend(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(wantsLegend);
  if (typeof v !== 'object' || v === null) return false;
  const o = v as { [k: string]: unknown };
  const enc = o['encoding'];
  if (typeof enc === 'object' && enc !== null) {
    for (const ch of ['color', 'fill', 'stroke', 'shape', 'strokeDash']) {
      const d = (enc as { [k: string]: unknown })[ch];
      if (typeof d === 'object' && d !== null && 'field' in d && (d as { legend?: unknown }).legend !== null)
        return true;
    }
  }
  return Object.entries(o).some(([k, x]) => k !== 'data' && k !== 'datasets' && wantsLegend(x));
}

/**
 * Checks of the homework's General Instructions that can be made mechanically: every code cell carries a
 * comment, every figure has an axis title, and a figure that encodes a field by colour actually shows a legend.
 */
export function lintDocument(doc: ReportDocument, figures: ReadonlyMap<string, RenderedFigure>): string[] {
  const out: string[] = [];
  let cell = 0;
  for (const b of doc.blocks) {
    if (b.kind !== 'code') continue;
    cell++;
    if (!/\/\/|\/\*/.test(b.source)) out.push(`code cell ${cell}: no comment explains it`);
    for (const o of b.outputs) {
      if (o.kind !== 'figure') continue;
      const f = figures.get(o.id);
      if (!f) continue;
      if (!f.svg.includes('role-axis-title')) out.push(`figure ${o.id}: no axis title`);
      if (wantsLegend(o.spec) && !f.svg.includes('role-legend'))
        out.push(`figure ${o.id}: encodes a field by colour/shape but draws no legend`);
    }
  }
  return out;
}

export interface WrittenReport {
  notebook: string;
  html: string;
  pdf: string;
  figures: string[];
  warnings: string[];
}

/**
 * Writes figures/<id>.{svg,png} and report/NAME.{ipynb,html,pdf} under outDir; the .ipynb is `given.notebook`
 * (an executed notebook the document was converted from) or the document as a notebook.
 */
export async function writeReport(
  doc: ReportDocument,
  outDir: string,
  name: string,
  given: { figures?: ReadonlyMap<string, RenderedFigure>; notebook?: Notebook } = {},
): Promise<WrittenReport> {
  // A notebook converted to a document brings its figures (and itself); a document built here renders them.
  const figures = given.figures ?? (await renderFigures(doc));
  const figureFiles: string[] = [];
  for (const [id, f] of figures) {
    const base = join(outDir, 'figures', id);
    writeFileAtomic(`${base}.svg`, f.svg);
    figureFiles.push(`${base}.svg`);
    if (f.png.length > 0) {
      writeFileAtomic(`${base}.png`, f.png);
      figureFiles.push(`${base}.png`);
    }
  }
  const dir = join(outDir, 'report');
  const notebook = join(dir, `${name}.ipynb`);
  const html = join(dir, `${name}.html`);
  const pdf = join(dir, `${name}.pdf`);
  writeFileAtomic(notebook, JSON.stringify(given.notebook ?? toNotebook(doc, figures), null, 1) + '\n');
  writeFileAtomic(html, toHtml(doc, figures));
  const printed = await layoutPdf(doc, figures);
  writeFileAtomic(pdf, printed.pdf);
  const figureWarnings = [...figures].flatMap(([id, f]) => f.warnings.map((w) => `figure ${id}: ${w}`));
  return {
    notebook,
    html,
    pdf,
    figures: figureFiles,
    warnings: [...figureWarnings, ...texWarnings(doc), ...lintDocument(doc, figures), ...printed.warnings],
  };
}
