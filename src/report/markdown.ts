/**
 * The Markdown subset of document.ts, parsed once into blocks and inline runs that the HTML and PDF writers
 * render (the notebook keeps the source, which Jupyter renders itself):
 * - blocks: paragraphs (lines joined by blank-line-free runs), "- "/"* " bullet and "1. " numbered lists
 *   (indented lines continue an item), display math `$$…$$` on lines of its own (may span several lines);
 * - inline: **bold**, *italic* (also __bold__, _italic_ outside words), `code`, $math$, [text](url), and `\`
 *   escaping the next character.
 */

export type Inline =
  | { kind: 'text'; text: string; bold: boolean; italic: boolean }
  | { kind: 'code'; text: string }
  | { kind: 'math'; tex: string }
  | { kind: 'link'; text: string; url: string };

export type MdBlock =
  | { kind: 'paragraph'; runs: Inline[] }
  | { kind: 'list'; ordered: boolean; start: number; items: Inline[][] }
  | { kind: 'math'; tex: string };

const bulletRe = /^\s*[-*]\s+(.*)$/;
const numberRe = /^\s*(\d+)[.)]\s+(.*)$/;

/** Parses Markdown source (the subset above) into blocks. */
export function parseMarkdown(source: string): MdBlock[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: MdBlock[] = [];
  let para: string[] = [];
  let list: { ordered: boolean; start: number; items: string[] } | null = null;
  const flush = (): void => {
    if (para.length) blocks.push({ kind: 'paragraph', runs: parseInline(para.join(' ')) });
    para = [];
    if (list)
      blocks.push({
        kind: 'list',
        ordered: list.ordered,
        start: list.start,
        items: list.items.map(parseInline),
      });
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const t = line.trim();
    if (t === '') {
      flush();
      continue;
    }
    if (t.startsWith('$$')) {
      flush();
      // Display math: "$$ x $$" on one line, or "$$" … "$$" over several.
      let body = t.slice(2);
      while (!body.trimEnd().endsWith('$$') && i + 1 < lines.length) body += '\n' + lines[++i]!;
      body = body.trimEnd();
      if (!body.endsWith('$$'))
        throw new Error(`parseMarkdown: display math "$$${body.slice(0, 40)}…" is never closed`);
      blocks.push({ kind: 'math', tex: body.slice(0, -2).trim() });
      continue;
    }
    const b = bulletRe.exec(line);
    const n = b ? null : numberRe.exec(line);
    if (b || n) {
      const ordered = n !== null;
      if (!list || list.ordered !== ordered) {
        flush();
        list = { ordered, start: n ? +n[1]! : 1, items: [] };
      }
      list.items.push(b ? b[1]! : n![2]!);
      continue;
    }
    if (list && /^\s/.test(line)) {
      list.items[list.items.length - 1] += ' ' + t;
      continue;
    }
    if (list) flush();
    para.push(t);
  }
  flush();
  return blocks;
}

/** Index of the closing `marker` at or after `from` (skipping escaped characters), or -1. */
function findClose(s: string, marker: string, from: number): number {
  for (let j = from; j <= s.length - marker.length; j++) {
    if (s[j] === '\\') {
      j++;
      continue;
    }
    if (s.startsWith(marker, j)) return j;
  }
  return -1;
}

/** Parses one paragraph's text into runs; unmatched markers are kept as literal characters. */
export function parseInline(s: string): Inline[] {
  const runs: Inline[] = [];
  let bold = false;
  let italic = false;
  let buf = '';
  const push = (): void => {
    if (!buf) return;
    const last = runs[runs.length - 1];
    if (last && last.kind === 'text' && last.bold === bold && last.italic === italic) last.text += buf;
    else runs.push({ kind: 'text', text: buf, bold, italic });
    buf = '';
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length && /[\\`*_$[\]()#-]/.test(s[i + 1]!)) {
      buf += s[++i];
      continue;
    }
    if (c === '`') {
      const j = s.indexOf('`', i + 1);
      if (j > i) {
        push();
        runs.push({ kind: 'code', text: s.slice(i + 1, j) });
        i = j;
        continue;
      }
    }
    // "$$…$$" inside a paragraph (not on a line of its own): typeset in the line like $…$.
    if (c === '$' && s[i + 1] === '$') {
      const j = findClose(s, '$$', i + 2);
      if (j > i + 2) {
        push();
        runs.push({ kind: 'math', tex: s.slice(i + 2, j).trim() });
        i = j + 1;
        continue;
      }
    }
    // Inline math as pandoc reads it: "$" followed by non-space, closed by a "$" after non-space and not
    // followed by a digit, so "costs $5 and $6" stays text.
    if (c === '$' && s[i + 1] !== '$' && i + 1 < s.length && !/\s/.test(s[i + 1]!)) {
      let j = findClose(s, '$', i + 1);
      while (j > 0 && (/\s/.test(s[j - 1]!) || /\d/.test(s[j + 1] ?? ''))) j = findClose(s, '$', j + 1);
      if (j > i + 1) {
        push();
        runs.push({ kind: 'math', tex: s.slice(i + 1, j) });
        i = j;
        continue;
      }
    }
    if (c === '[') {
      const m = /^\[([^\]]*)\]\(([^)\s]*)\)/.exec(s.slice(i));
      if (m) {
        push();
        runs.push({ kind: 'link', text: m[1]!, url: m[2]! });
        i += m[0].length - 1;
        continue;
      }
    }
    // "_" inside a word (snake_case) is a letter, as in CommonMark; "*" always marks emphasis.
    const intraword = c === '_' && /\w/.test(s[i - 1] ?? '') && /\w/.test(s[i + 1] ?? '');
    if ((c === '*' || c === '_') && !intraword) {
      const strong = s[i + 1] === c;
      const marker = strong ? c + c : c;
      const on = strong ? bold : italic;
      // Opening needs a later closing marker; closing is always allowed.
      if (on || findClose(s, marker, i + marker.length) > i + marker.length) {
        push();
        if (strong) bold = !bold;
        else italic = !italic;
        i += marker.length - 1;
        continue;
      }
    }
    buf += c;
  }
  push();
  return runs;
}

/** The plain text of runs (math as its TeX source), e.g. for PDF bookmarks and alt text. */
export function plainText(runs: Inline[]): string {
  return runs.map((r) => (r.kind === 'math' ? r.tex : r.text)).join('');
}
