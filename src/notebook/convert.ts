/**
 * Any notebook (nbformat 4) to nnlab's document model, and from there to HTML and PDF with the report writers
 * — the way `jupyter nbconvert --to html|pdf` does, without a browser or LaTeX. Markdown cells become headings
 * and Markdown; code cells keep their source and outputs: nnlab's tables and figures come back exactly (their
 * data travels in the bundle), other outputs by their richest type the writers can draw: Markdown, SVG, PNG,
 * then plain text (HTML that is not nnlab's table is shown as its text/plain, never injected).
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic.js';
import { toHtml } from '../report/html.js';
import { layoutPdf } from '../report/pdf.js';
import { renderFigure, pngSize, type RenderedFigure } from '../plot/render.js';
import type { Block, Output, ReportDocument, TableOutput } from '../report/document.js';
import {
  TABLE_MIME,
  validateNotebook,
  type MimeBundle,
  type Notebook,
  type NotebookOutput,
} from '../report/notebook.js';

const text = (s: unknown): string => (Array.isArray(s) ? s.join('') : typeof s === 'string' ? s : '');

/** Reads and validates a notebook file; errors name the file and the first problems. */
export function readNotebook(path: string): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`readNotebook: ${path} is not a readable JSON notebook: ${(e as Error).message}`);
  }
  const problems = validateNotebook(raw);
  if (problems.length > 0) {
    throw new Error(
      `readNotebook: ${path} is not a valid nbformat 4 notebook: ${problems.slice(0, 5).join('; ')}`,
    );
  }
  return raw as Notebook;
}

/** Headings (# …) of a Markdown cell become heading blocks; the first "# " of the notebook is its title. */
function markdownBlocks(source: string, state: { title: string | null }): Block[] {
  const blocks: Block[] = [];
  let para: string[] = [];
  let fence = false;
  const flush = (): void => {
    const t = para.join('\n').trim();
    if (t !== '') blocks.push({ kind: 'markdown', text: t });
    para = [];
  };
  for (const line of source.split('\n')) {
    if (/^\s*```/.test(line)) fence = !fence;
    const m = fence ? null : /^(#{1,6})\s+(.*)$/.exec(line);
    if (m === null) {
      para.push(line);
      continue;
    }
    flush();
    const level = m[1].length;
    if (level === 1 && state.title === null) state.title = m[2].trim();
    else
      blocks.push({
        kind: 'heading',
        level: Math.min(3, Math.max(1, level - 1)) as 1 | 2 | 3,
        text: m[2].trim(),
      });
  }
  flush();
  return blocks;
}

function isTable(v: unknown): v is Omit<TableOutput, 'kind'> {
  const t = v as Partial<TableOutput> | null;
  return (
    t !== null &&
    typeof t === 'object' &&
    typeof t.caption === 'string' &&
    Array.isArray(t.columns) &&
    Array.isArray(t.rows) &&
    t.rows.every((r) => Array.isArray(r) && r.length === t.columns?.length)
  );
}

/** Width/height in CSS px from an SVG's attributes (viewBox as fallback). */
function svgSize(svg: string): { width: number; height: number } {
  const w = /<svg[^>]*?\swidth="([\d.]+)/.exec(svg);
  const h = /<svg[^>]*?\sheight="([\d.]+)/.exec(svg);
  if (w && h) return { width: Number(w[1]), height: Number(h[1]) };
  const vb = /<svg[^>]*?\sviewBox="[\d.-]+\s+[\d.-]+\s+([\d.]+)\s+([\d.]+)"/.exec(svg);
  return vb ? { width: Number(vb[1]), height: Number(vb[2]) } : { width: 400, height: 300 };
}

/** The Vega-Lite spec in a bundle (any major version JupyterLab knows), if any. */
function vegaLite(data: MimeBundle): Record<string, unknown> | undefined {
  const key = Object.keys(data).find((k) => /^application\/vnd\.vegalite\.v\d+\+json$/.test(k));
  const v = key === undefined ? undefined : data[key];
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
}

/**
 * The document of a notebook and the rendered figures its outputs carry. Figures are taken from the
 * notebook's own SVG/PNG; a Vega-Lite spec without a picture is rendered here.
 */
export async function notebookDocument(
  nb: Notebook,
  opts: { title?: string; subtitle?: string[] } = {},
): Promise<{ doc: ReportDocument; figures: Map<string, RenderedFigure> }> {
  const state = { title: null as string | null };
  const blocks: Block[] = [];
  const figures = new Map<string, RenderedFigure>();
  let cellNo = 0;
  for (const cell of nb.cells) {
    cellNo++;
    if (cell.cell_type === 'markdown') {
      blocks.push(...markdownBlocks(text(cell.source), state));
      continue;
    }
    if (cell.cell_type !== 'code') continue;
    const outputs: Output[] = [];
    for (const [k, o] of (cell.outputs as NotebookOutput[]).entries()) {
      outputs.push(...(await outputOfNotebook(o, `cell${cellNo}-${k + 1}`, figures)));
    }
    blocks.push({ kind: 'code', source: text(cell.source).replace(/\n+$/, ''), outputs });
  }
  return {
    doc: { title: opts.title ?? state.title ?? 'Notebook', subtitle: opts.subtitle ?? [], blocks },
    figures,
  };
}

async function outputOfNotebook(
  o: NotebookOutput,
  fallbackId: string,
  figures: Map<string, RenderedFigure>,
): Promise<Output[]> {
  if (o.output_type === 'stream') {
    const t = text(o.text);
    return t === '' ? [] : [{ kind: 'text', text: t.replace(/\n$/, '') }];
  }
  if (o.output_type === 'error') {
    return [{ kind: 'text', text: [`${o.ename}: ${o.evalue}`, ...o.traceback.slice(1)].join('\n') }];
  }
  const data = o.data;
  const table = data[TABLE_MIME];
  if (isTable(table))
    return [{ kind: 'table', caption: table.caption, columns: table.columns, rows: table.rows }];
  const spec = vegaLite(data);
  if (spec !== undefined) {
    const meta = (o.metadata.nnlab ?? {}) as { id?: unknown; title?: unknown };
    const id = typeof meta.id === 'string' && /^[A-Za-z0-9][\w.-]*$/.test(meta.id) ? meta.id : fallbackId;
    const title = typeof meta.title === 'string' ? meta.title : '';
    const svg = text(data['image/svg+xml']);
    if (svg !== '') {
      const png =
        typeof data['image/png'] === 'string' ? Buffer.from(data['image/png'], 'base64') : Buffer.alloc(0);
      const size = svgSize(svg);
      const pngScale = png.length > 0 ? pngSize(png).width / size.width : 1;
      figures.set(id, { svg, png, pngScale, warnings: [], ...size });
    } else figures.set(id, await renderFigure(spec));
    return [{ kind: 'figure', id, title, spec }];
  }
  if (data['text/markdown'] !== undefined) return [{ kind: 'markdown', text: text(data['text/markdown']) }];
  if (data['image/svg+xml'] !== undefined)
    return [{ kind: 'image', mime: 'image/svg+xml', data: text(data['image/svg+xml']) }];
  if (typeof data['image/png'] === 'string')
    return [{ kind: 'image', mime: 'image/png', data: data['image/png'] }];
  const plain = text(data['text/plain']);
  return plain === '' ? [] : [{ kind: 'text', text: plain }];
}

/** Converts a notebook file to a self-contained HTML page or a PDF, written atomically to `outPath`. */
export async function convertNotebook(
  path: string,
  to: 'html' | 'pdf',
  outPath: string,
): Promise<{ path: string; warnings: string[] }> {
  const { doc, figures } = await notebookDocument(readNotebook(path));
  if (to === 'html') {
    writeFileAtomic(outPath, toHtml(doc, figures));
    return { path: outPath, warnings: [] };
  }
  const printed = await layoutPdf(doc, figures);
  writeFileAtomic(outPath, printed.pdf);
  return { path: outPath, warnings: printed.warnings };
}
