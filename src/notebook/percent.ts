/**
 * Notebooks as plain TypeScript files in the "percent" format (as jupytext writes them): a line
 * `// %%` starts a code cell, `// %% [markdown]` a Markdown cell whose lines are written as `// ` comments,
 * and `tags=["…"]` after the marker gives the cell's tags (e.g. `// %% tags=["parameters"]`). Pleasant to edit
 * and review as text; `fromPercent` and `toPercent` convert to and from nbformat 4 without loss of sources,
 * cell kinds or tags.
 */
import type { Notebook, NotebookCell } from '../report/notebook.js';
import { toLines } from '../report/notebook.js';

const MARKER = /^\/\/ %%(?:\s+\[(markdown|md)\])?(?:\s+tags=(\[.*\]))?\s*$/;

/** The kernelspec of nnlab's notebooks: tslab, the TypeScript kernel that `nnlab kernel install` registers. */
export const TSLAB_KERNELSPEC = { name: 'tslab', display_name: 'TypeScript', language: 'typescript' };

function trimBlank(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a].trim() === '') a++;
  while (b > a && lines[b - 1].trim() === '') b--;
  return lines.slice(a, b);
}

/** Parses a percent-format file; text before the first marker (if any) is a code cell. */
export function fromPercent(text: string, where = 'notebook'): Notebook {
  const cells: NotebookCell[] = [];
  let kind: 'code' | 'markdown' = 'code';
  let tags: string[] = [];
  let lines: string[] = [];
  const flush = (): void => {
    const body = trimBlank(lines);
    if (body.length === 0 && cells.length === 0 && tags.length === 0 && kind === 'code') return;
    const id = `cell-${String(cells.length).padStart(3, '0')}`;
    const metadata = tags.length > 0 ? { tags } : {};
    if (kind === 'markdown') {
      const md = body.map((l) => (l.startsWith('// ') ? l.slice(3) : l.replace(/^\/\/$/, '')));
      cells.push({ id, cell_type: 'markdown', metadata, source: toLines(md.join('\n')) });
    } else {
      cells.push({
        id,
        cell_type: 'code',
        metadata,
        source: toLines(body.join('\n')),
        outputs: [],
        execution_count: null,
      });
    }
  };
  text.split('\n').forEach((line, i) => {
    const m = MARKER.exec(line);
    if (m === null) {
      lines.push(line);
      return;
    }
    flush();
    kind = m[1] !== undefined ? 'markdown' : 'code';
    lines = [];
    try {
      tags = m[2] !== undefined ? (JSON.parse(m[2]) as string[]) : [];
      if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string'))
        throw new Error('not a list of strings');
    } catch (e) {
      throw new Error(
        `fromPercent: ${where}:${i + 1}: tags must be a JSON list of strings (${(e as Error).message})`,
      );
    }
  });
  flush();
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: TSLAB_KERNELSPEC, language_info: { name: 'typescript', file_extension: '.ts' } },
    cells,
  };
}

/** Writes a notebook as a percent-format file (outputs are not part of the source). */
export function toPercent(nb: Notebook): string {
  const out: string[] = [];
  for (const c of nb.cells) {
    const src = Array.isArray(c.source) ? c.source.join('') : c.source;
    const tags = Array.isArray(c.metadata.tags) ? ` tags=${JSON.stringify(c.metadata.tags)}` : '';
    if (c.cell_type === 'markdown') {
      out.push(`// %% [markdown]${tags}`, ...src.split('\n').map((l) => (l === '' ? '//' : `// ${l}`)));
    } else out.push(`// %%${tags}`, ...src.split('\n'));
    out.push('');
  }
  return out.join('\n');
}
