/** What the sections' tests read from a section's blocks. */
import assert from 'node:assert/strict';
import { type Block, type FigureOutput, type Output, parseMarkdown, type TableOutput, texToSvg } from 'nnlab';

/** Every output of the blocks, in order. */
export function outputsOf(blocks: readonly Block[]): Output[] {
  return blocks.flatMap((b) => (b.kind === 'code' ? b.outputs : []));
}

export function figuresOf(blocks: readonly Block[]): FigureOutput[] {
  return outputsOf(blocks).filter((o): o is FigureOutput => o.kind === 'figure');
}

export function tablesOf(blocks: readonly Block[]): TableOutput[] {
  return outputsOf(blocks).filter((o): o is TableOutput => o.kind === 'table');
}

export function headingsOf(blocks: readonly Block[]): string[] {
  return blocks.flatMap((b) => (b.kind === 'heading' ? [b.text] : []));
}

/** The discussion: every Markdown block's text, one after the other. */
export function markdownOf(blocks: readonly Block[]): string {
  return blocks.flatMap((b) => (b.kind === 'markdown' ? [b.text] : [])).join('\n');
}

/** No code listings: every code block is outputs only, and has some. */
export function assertOutputsOnly(blocks: readonly Block[]): void {
  for (const b of blocks) if (b.kind === 'code') assert.ok(b.source === '' && b.outputs.length > 0);
}

/** Every formula of the blocks' Markdown typesets without a MathJax error; returns how many there are. */
export function assertFormulasTypeset(blocks: readonly Block[]): number {
  let n = 0;
  for (const b of blocks) {
    if (b.kind !== 'markdown') continue;
    for (const m of parseMarkdown(b.text)) {
      const found: { tex: string; display: boolean }[] = [];
      if (m.kind === 'math') found.push({ tex: m.tex, display: true });
      const runs = m.kind === 'paragraph' ? [m.runs] : m.kind === 'list' ? m.items : [];
      for (const r of runs.flat()) if (r.kind === 'math') found.push({ tex: r.tex, display: false });
      for (const f of found) assert.equal(texToSvg(f.tex, f.display).error, undefined, f.tex);
      n += found.length;
    }
  }
  return n;
}
