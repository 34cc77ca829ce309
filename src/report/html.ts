/**
 * The report as one self-contained HTML file: math typeset to SVG at build time, figures as inline SVG,
 * tables as HTML tables, code in monospace. No script, stylesheet, font or image is fetched from anywhere.
 */
import type { RenderedFigure } from '../plot/render.js';
import { figureCaption } from './caption.js';
import { splitComment } from './code.js';
import type { Block, Output, ReportDocument, TableOutput } from './document.js';
import { parseInline, parseMarkdown, type Inline, type MdBlock } from './markdown.js';
import { texToSvg } from './math.js';
import { checkTable, formatCell, isNumericColumn } from './table.js';

/** Escapes &, <, >, " and ' for HTML text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** A table as an HTML `<table>` with its caption; numeric columns right-aligned. */
export function tableHtml(t: TableOutput): string {
  checkTable(t);
  const align = t.columns.map((_, c) => (isNumericColumn(t, c) ? ' class="num"' : ''));
  const head = t.columns.map((c, i) => `<th${align[i]}>${escapeHtml(c)}</th>`).join('');
  const body = t.rows
    .map((r) => `<tr>${r.map((v, i) => `<td${align[i]}>${escapeHtml(formatCell(v))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>\n<caption>${inlineHtml(parseInline(t.caption))}</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** Inline runs as HTML; math becomes an inline MathJax SVG carrying its TeX as a title. */
export function inlineHtml(runs: Inline[]): string {
  return runs
    .map((r) => {
      switch (r.kind) {
        case 'text': {
          let h = escapeHtml(r.text);
          if (r.italic) h = `<em>${h}</em>`;
          if (r.bold) h = `<strong>${h}</strong>`;
          return h;
        }
        case 'code':
          return `<code>${escapeHtml(r.text)}</code>`;
        case 'math':
          return `<span class="math" title="${escapeHtml(r.tex)}">${texToSvg(r.tex, false).svg}</span>`;
        case 'link':
          return `<a href="${escapeHtml(r.url)}">${escapeHtml(r.text)}</a>`;
      }
    })
    .join('');
}

/** TypeScript source as HTML with its // comments in a span (class "c") so they read as prose. */
export function codeHtml(source: string): string {
  return source
    .split('\n')
    .map((line) => {
      const [code, comment] = splitComment(line);
      return escapeHtml(code) + (comment ? `<span class="c">${escapeHtml(comment)}</span>` : '');
    })
    .join('\n');
}

function mdBlockHtml(b: MdBlock): string {
  switch (b.kind) {
    case 'paragraph':
      return `<p>${inlineHtml(b.runs)}</p>`;
    case 'math':
      return `<div class="display-math" title="${escapeHtml(b.tex)}">${texToSvg(b.tex, true).svg}</div>`;
    case 'list': {
      const tag = b.ordered ? 'ol' : 'ul';
      const start = b.ordered && b.start !== 1 ? ` start="${b.start}"` : '';
      return `<${tag}${start}>\n${b.items.map((it) => `<li>${inlineHtml(it)}</li>`).join('\n')}\n</${tag}>`;
    }
  }
}

/** Markdown source (document.ts's subset) as HTML. */
export function markdownHtml(source: string): string {
  return parseMarkdown(source).map(mdBlockHtml).join('\n');
}

function outputHtml(o: Output, figures: ReadonlyMap<string, RenderedFigure>): string {
  switch (o.kind) {
    case 'text':
      return `<pre class="output">${escapeHtml(o.text)}</pre>`;
    case 'table':
      return `<div class="table">${tableHtml(o)}</div>`;
    case 'markdown':
      return `<div class="output-markdown">${markdownHtml(o.text)}</div>`;
    case 'image':
      return o.mime === 'image/png'
        ? `<img class="output" alt="" src="data:image/png;base64,${o.data.replace(/[^A-Za-z0-9+/=]/g, '')}">`
        : `<img class="output" alt="" src="data:image/svg+xml;base64,${Buffer.from(o.data, 'utf8').toString('base64')}">`;
    case 'figure': {
      const f = figures.get(o.id);
      if (!f) throw new Error(`toHtml: figure "${o.id}" was not rendered`);
      const caption = figureCaption(o);
      return `<figure id="fig-${escapeHtml(o.id)}" style="max-width:${Math.ceil(f.width)}px">${f.svg}${caption === null ? '' : `<figcaption>${inlineHtml(parseInline(caption))}</figcaption>`}</figure>`;
    }
  }
}

/** An HTML anchor id for a heading: lower-case words joined by "-", made unique with a counter. */
function anchor(text: string, used: Set<string>): string {
  const base =
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'section';
  let a = base;
  for (let n = 2; used.has(a); n++) a = `${base}-${n}`;
  used.add(a);
  return a;
}

const css = `
body { font-family: "DejaVu Serif", Georgia, "Times New Roman", serif; font-size: 16px; line-height: 1.5;
  color: #1d1d1d; max-width: 900px; margin: 2em auto; padding: 0 1.2em; }
h1, h2, h3, h4 { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; line-height: 1.25; }
h1 { font-size: 2em; margin-bottom: 0.2em; } h2 { font-size: 1.5em; margin-top: 2em; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.2em; margin-top: 1.6em; } h4 { font-size: 1.05em; }
.subtitle { color: #555; font-style: italic; margin: 0.1em 0; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.85em; }
p code, li code { background: #f2f2f2; padding: 0.05em 0.25em; border-radius: 3px; }
pre.code { background: #f6f8fa; border: 1px solid #e1e4e8; border-left: 3px solid #4e79a7; padding: 0.7em 0.9em;
  overflow-x: auto; line-height: 1.4; }
pre.code .c { color: #3f7f5f; font-style: italic; }
pre.output { background: #fff; border-left: 3px solid #bbb; padding: 0.4em 0.9em; overflow-x: auto; color: #333; }
.display-math { text-align: center; margin: 0.8em 0; overflow-x: auto; }
figure { margin: 1em auto; text-align: center; } figure svg { max-width: 100%; height: auto; }
figcaption { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 0.85em; color: #555; }
.table { overflow-x: auto; margin: 1em 0; }
table { border-collapse: collapse; margin: 0 auto; font-family: "DejaVu Sans", Arial, sans-serif; font-size: 0.85em; }
caption { caption-side: top; font-weight: bold; padding-bottom: 0.4em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.7em; text-align: left; }
th { border-bottom: 2px solid #888; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
nav.toc { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 0.9em; } nav.toc ul ul { font-size: 0.92em; }
.code-cell { margin: 1em 0; } .prompt { font-family: "DejaVu Sans Mono", monospace; font-size: 0.75em; color: #4e79a7; }
`;

/** The whole document as a standalone HTML page. */
export function toHtml(doc: ReportDocument, figures: ReadonlyMap<string, RenderedFigure>): string {
  const used = new Set<string>();
  // Contents: the problems, each with its parts nested under it.
  const toc: { link: string; parts: string[] }[] = [];
  const body: string[] = [];
  let count = 0;
  for (const b of doc.blocks as Block[]) {
    if (b.kind === 'heading') {
      const a = anchor(b.text, used);
      const link = `<a href="#${a}">${inlineHtml(parseInline(b.text))}</a>`;
      if (b.level === 1) toc.push({ link, parts: [] });
      else if (b.level === 2) toc.at(-1)?.parts.push(`<li>${link}</li>`);
      body.push(`<h${b.level + 1} id="${a}">${inlineHtml(parseInline(b.text))}</h${b.level + 1}>`);
    } else if (b.kind === 'markdown') body.push(markdownHtml(b.text));
    else {
      body.push(
        `<div class="code-cell"><div class="prompt">In [${++count}]:</div><pre class="code"><code>${codeHtml(b.source)}</code></pre>\n` +
          b.outputs.map((o) => outputHtml(o, figures)).join('\n') +
          '</div>',
      );
    }
  }
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(doc.title)}</h1>`,
    ...doc.subtitle.map((l) => `<p class="subtitle">${escapeHtml(l)}</p>`),
    toc.length
      ? `<nav class="toc"><ul>\n${toc.map((t) => `<li>${t.link}${t.parts.length ? `<ul>${t.parts.join('')}</ul>` : ''}</li>`).join('\n')}\n</ul></nav>`
      : '',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
