/**
 * The one display helper of notebooks: `show(output)` sends a figure, table, text or Markdown output to the
 * Jupyter kernel the code runs in, as the same MIME bundle the report writers use (a figure as its Vega-Lite
 * spec + SVG + PNG, a table as HTML + text + its data). Outside a kernel (a script, a test) the bundles are
 * collected (see `shown()`) and the text/plain part is printed, so the same code runs everywhere.
 */
import { renderFigure } from '../plot/render.js';
import type { Output } from '../report/document.js';
import { outputOf, type MimeBundle, type NotebookOutput } from '../report/notebook.js';

type WriteDisplayData = (
  msg: { data: MimeBundle; metadata: Record<string, unknown>; transient: object },
  update: boolean,
) => void;

/**
 * tslab's own display channel: the kernel loads its `tslab` module under `globalThis.__tslab__`, and its
 * `lastWriteDisplayData` writes to the cell that is running (a bundle of several MIME types, unlike the
 * public one-type `display.*` calls).
 */
function tslabWriter(): WriteDisplayData | null {
  try {
    const g = globalThis as { __tslab__?: { require(id: string): unknown } };
    const j = g.__tslab__?.require('tslab/dist/jupyter') as { lastWriteDisplayData?: unknown } | undefined;
    return typeof j?.lastWriteDisplayData === 'function'
      ? (j.lastWriteDisplayData as WriteDisplayData)
      : null;
  } catch {
    return null;
  }
}

const collected: NotebookOutput[] = [];

/** The outputs shown outside a kernel since the last call (and forgets them). */
export function shown(): NotebookOutput[] {
  return collected.splice(0);
}

/** Whether the code runs in a Jupyter kernel that `show` can write to. */
export function inKernel(): boolean {
  return tslabWriter() !== null;
}

/** Shows one output in the running cell: a figure is rendered (SVG + PNG) first. */
export async function show(o: Output): Promise<void> {
  const figures = o.kind === 'figure' ? new Map([[o.id, await renderFigure(o.spec)]]) : new Map();
  const out = outputOf(o, figures);
  if (out.output_type !== 'display_data' && out.output_type !== 'stream') return;
  const write = tslabWriter();
  if (out.output_type === 'stream') {
    const text = Array.isArray(out.text) ? out.text.join('') : out.text;
    if (write !== null) process.stdout.write(text);
    else {
      collected.push(out);
      process.stdout.write(text);
    }
    return;
  }
  if (write !== null) write({ data: out.data, metadata: out.metadata, transient: {} }, false);
  else {
    collected.push(out);
    const plain = out.data['text/plain'];
    if (plain !== undefined)
      process.stdout.write((Array.isArray(plain) ? plain.join('') : String(plain)) + '\n');
  }
}

/** Shows each output in order. */
export async function showAll(outputs: readonly Output[]): Promise<void> {
  for (const o of outputs) await show(o);
}

/** Shows Markdown (discussion computed from results) as the cell's output. */
export async function showMarkdown(text: string): Promise<void> {
  await show({ kind: 'markdown', text });
}
