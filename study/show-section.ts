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

/** Shows the part of a section under the heading `heading`: its blocks up to the next heading. */
export async function showPart(blocks: readonly Block[], heading: string): Promise<void> {
  const at = blocks.findIndex((b) => b.kind === 'heading' && b.text === heading);
  if (at < 0) {
    const known = blocks.filter((b) => b.kind === 'heading').map((b) => (b.kind === 'heading' ? b.text : ''));
    throw new Error(`showPart: no heading "${heading}" in this section (headings: ${known.join(' | ')})`);
  }
  const end = blocks.findIndex((b, i) => i > at && b.kind === 'heading');
  await showSection(blocks.slice(at + 1, end < 0 ? blocks.length : end));
}
