/**
 * The report's content model. Section builders turn stored results into blocks; the notebook, HTML and PDF
 * writers render the same blocks, so the three always say the same thing.
 *
 * Markdown text uses a small subset that every writer renders: paragraphs, `#`-less text (headings are
 * blocks), **bold**, *italic*, `code`, "- " bullet lists, "1. " numbered lists, inline math $…$ and display
 * math $$…$$ on lines of their own (LaTeX as MathJax understands it), and [text](url) links.
 */

/** A Vega-Lite spec (v5/v6 JSON with inline data values). */
export type VegaLiteSpec = { [k: string]: unknown };

export interface FigureOutput {
  kind: 'figure';
  /** File stem under figures/, unique in the report, e.g. "p4-gamma-violins". */
  id: string;
  title: string;
  spec: VegaLiteSpec;
}

export interface TableOutput {
  kind: 'table';
  caption: string;
  columns: string[];
  rows: (string | number)[][];
}

export interface TextOutput {
  kind: 'text';
  text: string;
}

/** Discussion computed from results: Markdown (the subset above), shown as a cell's output. */
export interface MarkdownOutput {
  kind: 'markdown';
  text: string;
}

/** A picture that came without a Vega-Lite spec (a notebook nnlab did not write): PNG or SVG. */
export interface ImageOutput {
  kind: 'image';
  mime: 'image/png' | 'image/svg+xml';
  /** Base64 for PNG, the markup for SVG. */
  data: string;
}

export type Output = FigureOutput | TableOutput | TextOutput | MarkdownOutput | ImageOutput;

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'markdown'; text: string }
  /** A TypeScript code cell (commented, calling the nnlab API) with the outputs it produced. */
  | { kind: 'code'; source: string; outputs: Output[] };

export interface ReportDocument {
  title: string;
  /** Lines under the title: how and when the run was made (nnlab version, seed, scale, wall time). */
  subtitle: string[];
  blocks: Block[];
}
