/**
 * Shows a problem's analysis in the running notebook cell: the figures, tables and discussion a section
 * computes from a result, in order. A section's outputs blocks carry no code (the code that ran is the
 * notebook's own cell), so only their outputs are shown.
 */
import { showAll, showMarkdown, type Block } from 'nnlab';

export async function showSection(blocks: readonly Block[]): Promise<void> {
  for (const b of blocks) {
    if (b.kind === 'heading') await showMarkdown(`**${b.text}**`);
    else if (b.kind === 'markdown') await showMarkdown(b.text);
    else await showAll(b.outputs);
  }
}

/**
 * Whether a section heading is the part `key`: the heading itself, or its number ("3.1" for "3.1 Vanishing
 * gradients…", "2.7" for "Problem 2.7 — Predictions…", "3" for "Problem 3 — Weight initialisation…").
 */
function isPart(heading: string, key: string): boolean {
  const h = heading.replace(/^Problem /, '');
  return heading === key || h === key || h.startsWith(`${key} `);
}

/**
 * Shows one part of a section, named by its number or heading (isPart): its blocks up to the next heading.
 * The notebook writes the part's heading in its own Markdown cell, so the heading itself is not shown.
 */
export async function showPart(blocks: readonly Block[], key: string): Promise<void> {
  const at = blocks.findIndex((b) => b.kind === 'heading' && isPart(b.text, key));
  if (at < 0) {
    const known = blocks.filter((b) => b.kind === 'heading').map((b) => (b.kind === 'heading' ? b.text : ''));
    throw new Error(`showPart: no part "${key}" in this section (headings: ${known.join(' | ')})`);
  }
  const end = blocks.findIndex((b, i) => i > at && b.kind === 'heading');
  await showSection(blocks.slice(at + 1, end < 0 ? blocks.length : end));
}
