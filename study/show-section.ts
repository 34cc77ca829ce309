/**
 * Shows a problem's analysis in the running notebook cell: the figures, tables and discussion a section
 * computes from a result, in order. Code listings of the section model are skipped: the code that ran is the
 * notebook's own cell.
 */
import { showAll, showMarkdown, type Block } from 'nnlab';

export async function showSection(blocks: readonly Block[]): Promise<void> {
  for (const b of blocks) {
    if (b.kind === 'heading') await showMarkdown(`**${b.text}**`);
    else if (b.kind === 'markdown') await showMarkdown(b.text);
    else await showAll(b.outputs);
  }
}
