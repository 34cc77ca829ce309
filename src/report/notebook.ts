/**
 * The report as a Jupyter notebook (nbformat 4.5) for a TypeScript kernel (tslab): a Markdown cell per
 * heading/markdown block, a code cell per code block with its outputs retained (figures as PNG + SVG + the
 * Vega-Lite spec, tables as HTML + text, text as stdout), numbered as if run top to bottom.
 */
import type { RenderedFigure } from '../plot/render.js';
import { withTheme } from '../plot/theme.js';
import type { Block, Output, ReportDocument } from './document.js';
import { tableHtml } from './html.js';
import { checkTable, tableToText } from './table.js';

export type MultilineString = string | string[];
export type MimeBundle = { [mime: string]: unknown };

export type NotebookOutput =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: MultilineString }
  | { output_type: 'display_data'; data: MimeBundle; metadata: { [k: string]: unknown } }
  | {
      output_type: 'execute_result';
      data: MimeBundle;
      metadata: { [k: string]: unknown };
      execution_count: number | null;
    }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

export type NotebookCell =
  | { id: string; cell_type: 'markdown'; metadata: { [k: string]: unknown }; source: MultilineString }
  | {
      id: string;
      cell_type: 'code';
      metadata: { [k: string]: unknown };
      source: MultilineString;
      outputs: NotebookOutput[];
      execution_count: number | null;
    };

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: { [k: string]: unknown };
  cells: NotebookCell[];
}

/** nbformat's multiline string: lines that keep their "\n", the last one without. */
export function toLines(s: string): string[] {
  const parts = s.split('\n');
  return parts.map((p, i) => (i < parts.length - 1 ? p + '\n' : p)).filter((p) => p !== '');
}

export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';
/** nnlab's own mimetype of a table: { caption, columns, rows }, so a converter gets the table back exactly. */
export const TABLE_MIME = 'application/vnd.nnlab.table+json';

/**
 * A document output as notebook output: text as stdout, Markdown as text/markdown, a table as HTML + text
 * (+ its data), a figure as the Vega-Lite spec + SVG + PNG (with its id and title in the metadata).
 */
export function outputOf(o: Output, figures: ReadonlyMap<string, RenderedFigure>): NotebookOutput {
  switch (o.kind) {
    case 'text':
      return {
        output_type: 'stream',
        name: 'stdout',
        text: toLines(o.text.endsWith('\n') ? o.text : o.text + '\n'),
      };
    case 'markdown':
      return {
        output_type: 'display_data',
        data: { 'text/markdown': toLines(o.text), 'text/plain': toLines(o.text) },
        metadata: {},
      };
    case 'image':
      return {
        output_type: 'display_data',
        data: { [o.mime]: o.mime === 'image/png' ? o.data : toLines(o.data) },
        metadata: {},
      };
    case 'table':
      checkTable(o);
      return {
        output_type: 'display_data',
        data: {
          'text/html': toLines(tableHtml(o)),
          'text/plain': toLines(tableToText(o)),
          [TABLE_MIME]: { caption: o.caption, columns: o.columns, rows: o.rows },
        },
        metadata: {},
      };
    case 'figure': {
      const f = figures.get(o.id);
      if (!f) throw new Error(`toNotebook: figure "${o.id}" was not rendered`);
      // JupyterLab renders the spec interactively; the SVG/PNG serve viewers without Vega (GitHub, nbconvert).
      // Labelled v5 whatever the section wrote: JupyterLab's renderer is Vega-Lite 5 and warns on other versions.
      const spec = { ...withTheme(o.spec), $schema: 'https://vega.github.io/schema/vega-lite/v5.json' };
      return {
        output_type: 'display_data',
        data: {
          [VEGALITE_MIME]: spec,
          'image/svg+xml': toLines(f.svg),
          'image/png': f.png.toString('base64'),
          'text/plain': [`<Figure ${o.id}: ${o.title}>`],
        },
        metadata: {
          'image/png': { width: Math.round(f.width), height: Math.round(f.height) },
          nnlab: { id: o.id, title: o.title },
        },
      };
    }
  }
}

function headingSource(b: Extract<Block, { kind: 'heading' }>): string {
  // The document title is the notebook's only "#"; section headings sit one level below it.
  return `${'#'.repeat(b.level + 1)} ${b.text}`;
}

/** Builds the notebook; `figures` maps every figure id of the document to its rendering. */
export function toNotebook(doc: ReportDocument, figures: ReadonlyMap<string, RenderedFigure>): Notebook {
  const cells: NotebookCell[] = [];
  const id = (): string => `cell-${String(cells.length).padStart(3, '0')}`;
  const md = (source: string): void => {
    cells.push({ id: id(), cell_type: 'markdown', metadata: {}, source: toLines(source) });
  };
  md(
    [
      `# ${doc.title}`,
      '',
      ...doc.subtitle
        .map((l) => `*${l}*`)
        .join('  \n')
        .split('\n'),
    ].join('\n'),
  );
  let count = 0;
  for (const b of doc.blocks) {
    if (b.kind === 'heading') md(headingSource(b));
    else if (b.kind === 'markdown') md(b.text);
    else
      cells.push({
        id: id(),
        cell_type: 'code',
        metadata: {},
        source: toLines(b.source),
        outputs: b.outputs.map((o) => outputOf(o, figures)),
        execution_count: ++count,
      });
  }
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' },
      language_info: {
        name: 'typescript',
        file_extension: '.ts',
        mimetype: 'text/typescript',
        codemirror_mode: { name: 'javascript', typescript: true },
      },
      title: doc.title,
    },
    cells,
  };
}

// ---- Validation against the nbformat v4.5 schema's required structure ----

function isRecord(v: unknown): v is { [k: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isMultiline(v: unknown): boolean {
  return typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'));
}
function onlyKeys(o: { [k: string]: unknown }, allowed: string[], where: string, errs: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) errs.push(`${where}: unexpected property "${k}"`);
}
function requireKeys(
  o: { [k: string]: unknown },
  required: string[],
  where: string,
  errs: string[],
): boolean {
  const missing = required.filter((k) => !(k in o));
  for (const k of missing) errs.push(`${where}: missing required property "${k}"`);
  return missing.length === 0;
}
function isCount(v: unknown): boolean {
  return v === null || (Number.isInteger(v) && (v as number) >= 0);
}

function validateMimeBundle(d: unknown, where: string, errs: string[]): void {
  if (!isRecord(d)) {
    errs.push(`${where}: mime bundle must be an object`);
    return;
  }
  for (const [mime, v] of Object.entries(d)) {
    if (!/^[a-z]+\/[-+.\w]+$/i.test(mime)) errs.push(`${where}: "${mime}" is not a mime type`);
    // JSON mime types may hold any JSON; all others hold a multiline string.
    if (!/^application\/(.*\+)?json$/.test(mime) && !isMultiline(v))
      errs.push(`${where}["${mime}"]: must be a string or an array of strings`);
  }
  const png = d['image/png'];
  if (typeof png === 'string' && !/^[A-Za-z0-9+/=\s]*$/.test(png))
    errs.push(`${where}["image/png"]: not base64`);
}

function validateOutput(o: unknown, where: string, errs: string[]): void {
  if (!isRecord(o)) {
    errs.push(`${where}: output must be an object`);
    return;
  }
  switch (o['output_type']) {
    case 'stream':
      if (!requireKeys(o, ['output_type', 'name', 'text'], where, errs)) return;
      onlyKeys(o, ['output_type', 'name', 'text'], where, errs);
      if (typeof o['name'] !== 'string') errs.push(`${where}.name: must be a string`);
      if (!isMultiline(o['text'])) errs.push(`${where}.text: must be a string or an array of strings`);
      return;
    case 'display_data':
    case 'execute_result': {
      const keys = [
        'output_type',
        'data',
        'metadata',
        ...(o['output_type'] === 'execute_result' ? ['execution_count'] : []),
      ];
      if (!requireKeys(o, keys, where, errs)) return;
      onlyKeys(o, keys, where, errs);
      validateMimeBundle(o['data'], `${where}.data`, errs);
      if (!isRecord(o['metadata'])) errs.push(`${where}.metadata: must be an object`);
      if ('execution_count' in o && !isCount(o['execution_count']))
        errs.push(`${where}.execution_count: must be a non-negative integer or null`);
      return;
    }
    case 'error':
      if (!requireKeys(o, ['output_type', 'ename', 'evalue', 'traceback'], where, errs)) return;
      onlyKeys(o, ['output_type', 'ename', 'evalue', 'traceback'], where, errs);
      if (!Array.isArray(o['traceback']) || !o['traceback'].every((s) => typeof s === 'string'))
        errs.push(`${where}.traceback: must be an array of strings`);
      return;
    default:
      errs.push(`${where}: unknown output_type ${JSON.stringify(o['output_type'])}`);
  }
}

/**
 * Checks a parsed notebook against the structure nbformat.v4.5.schema.json requires (top-level keys and
 * versions, cell types and their exact key sets, cell ids matching ^[a-zA-Z0-9-_]{1,64}$ and unique,
 * multiline strings, outputs and mime bundles, execution counts). Returns the problems found; [] = valid.
 */
export function validateNotebook(nb: unknown): string[] {
  const errs: string[] = [];
  if (!isRecord(nb)) return ['notebook: must be a JSON object'];
  if (!requireKeys(nb, ['metadata', 'nbformat_minor', 'nbformat', 'cells'], 'notebook', errs)) return errs;
  onlyKeys(nb, ['metadata', 'nbformat_minor', 'nbformat', 'cells'], 'notebook', errs);
  if (nb['nbformat'] !== 4) errs.push(`notebook.nbformat: must be 4, got ${JSON.stringify(nb['nbformat'])}`);
  const minor = nb['nbformat_minor'];
  if (!Number.isInteger(minor) || (minor as number) < 5)
    errs.push(`notebook.nbformat_minor: must be an integer ≥ 5`);
  const meta = nb['metadata'];
  if (!isRecord(meta)) errs.push('notebook.metadata: must be an object');
  else {
    const ks = meta['kernelspec'];
    if (
      ks !== undefined &&
      (!isRecord(ks) || typeof ks['name'] !== 'string' || typeof ks['display_name'] !== 'string')
    )
      errs.push('notebook.metadata.kernelspec: needs string "name" and "display_name"');
    const li = meta['language_info'];
    if (li !== undefined && (!isRecord(li) || typeof li['name'] !== 'string'))
      errs.push('notebook.metadata.language_info: needs a string "name"');
  }
  const cells = nb['cells'];
  if (!Array.isArray(cells)) return [...errs, 'notebook.cells: must be an array'];
  const ids = new Set<string>();
  cells.forEach((c: unknown, i) => {
    const where = `cells[${i}]`;
    if (!isRecord(c)) {
      errs.push(`${where}: must be an object`);
      return;
    }
    const type = c['cell_type'];
    const keys =
      type === 'code'
        ? ['id', 'cell_type', 'metadata', 'source', 'outputs', 'execution_count']
        : type === 'markdown' || type === 'raw'
          ? ['id', 'cell_type', 'metadata', 'source']
          : null;
    if (!keys) {
      errs.push(`${where}: unknown cell_type ${JSON.stringify(type)}`);
      return;
    }
    if (!requireKeys(c, keys, where, errs)) return;
    onlyKeys(c, type === 'code' ? keys : [...keys, 'attachments'], where, errs);
    const id = c['id'];
    if (typeof id !== 'string' || !/^[a-zA-Z0-9-_]{1,64}$/.test(id))
      errs.push(`${where}.id: must match ^[a-zA-Z0-9-_]{1,64}$, got ${JSON.stringify(id)}`);
    else if (ids.has(id)) errs.push(`${where}.id: "${id}" is not unique`);
    else ids.add(id);
    if (!isRecord(c['metadata'])) errs.push(`${where}.metadata: must be an object`);
    if (!isMultiline(c['source'])) errs.push(`${where}.source: must be a string or an array of strings`);
    if (type === 'code') {
      if (!isCount(c['execution_count']))
        errs.push(`${where}.execution_count: must be a non-negative integer or null`);
      const outs = c['outputs'];
      if (!Array.isArray(outs)) errs.push(`${where}.outputs: must be an array`);
      else outs.forEach((o: unknown, k) => validateOutput(o, `${where}.outputs[${k}]`, errs));
    }
  });
  return errs;
}
