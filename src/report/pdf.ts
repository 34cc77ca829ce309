/**
 * The report as a PDF, drawn with pdfkit from the same blocks (no browser): body text in DejaVu Serif with
 * inline runs laid out line by line (bold, italic, code, links, MathJax-typeset math as vector SVG), display
 * math centred, code in DejaVu Sans Mono on a tinted box, tables with repeated headers, figures as vector
 * SVG. Page breaks never split a figure, table row, formula or line, and a heading always stays with the start
 * of what follows it. Fonts are the shipped TTFs, so the PDF is the same on every machine.
 */
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { fontPath, MONO_FAMILY, SANS_FAMILY, SERIF_FAMILY, textWidth, type FontFace } from '../plot/fonts.js';
import { pngSize, type RenderedFigure } from '../plot/render.js';
import { figureCaption } from './caption.js';
import type { Block, FigureOutput, ImageOutput, Output, ReportDocument, TableOutput } from './document.js';
import { parseInline, parseMarkdown, plainText, type Inline, type MdBlock } from './markdown.js';
import { texToSvg, type MathSvg } from './math.js';
import { splitComment } from './code.js';
import { checkTable, formatCell, isNumericColumn } from './table.js';

const PAGE = { width: 595.28, height: 841.89, left: 62, right: 62, top: 64, bottom: 64 };
const CONTENT_W = PAGE.width - PAGE.left - PAGE.right;
const BOTTOM = PAGE.height - PAGE.bottom;
const BODY = 10;
const LEADING = 1.42;
/** The x-height of the body font, in units of its size: MathJax sizes formulas in ex of the surrounding text. */
const EX = 0.5;
const CODE = 8.2;
const CODE_LH = CODE * 1.32;
/** CSS pixels → PDF points. */
const PX = 0.75;
const MONO_PAD = 5;
/** Line height of the table of contents. */
const TOC_LH = 13;
/** Room kept under a figure for a one-line caption. */
const FIG_CAPTION = 16;

const faces: Record<string, FontFace> = {};
for (const family of [SERIF_FAMILY, SANS_FAMILY, MONO_FAMILY] as const)
  for (const bold of [false, true])
    for (const italic of [false, true]) faces[fontName({ family, bold, italic })] = { family, bold, italic };

function fontName(f: FontFace): string {
  return `${f.family}${f.bold ? '-Bold' : ''}${f.italic ? '-Italic' : ''}`;
}

type Atom =
  | {
      kind: 'word';
      text: string;
      face: FontFace;
      size: number;
      width: number;
      color: string;
      link?: string;
      bg?: boolean;
    }
  | { kind: 'math'; m: MathSvg; width: number; ascent: number; descent: number }
  | { kind: 'space'; width: number };

/** One unbreakable piece as placed on a page (top/bottom in points from the page top); for layout tests. */
export interface Placement {
  kind: 'heading' | 'line' | 'math' | 'code' | 'table-row' | 'figure';
  page: number;
  top: number;
  bottom: number;
}

/** The page geometry the writer lays out in (points; A4). */
export const PDF_PAGE = { ...PAGE, contentBottom: PAGE.height - PAGE.bottom };

interface Line {
  atoms: Atom[];
  width: number;
  ascent: number;
  descent: number;
}

class PdfWriter {
  readonly doc: PDFKit.PDFDocument;
  y = PAGE.top;
  readonly layout: Placement[] = [];
  readonly warnings: string[] = [];
  private toc: {
    page: number;
    y: number;
    entries: { level: 1 | 2; text: string }[];
    pages: number[];
  } | null = null;
  private codeNo = 0;
  private outline: { 1?: PDFKit.PDFOutline; 2?: PDFKit.PDFOutline } = {};

  constructor(
    title: string,
    private readonly figures: ReadonlyMap<string, RenderedFigure>,
  ) {
    this.doc = new PDFDocument({
      size: [PAGE.width, PAGE.height],
      margins: { top: PAGE.top, bottom: PAGE.bottom, left: PAGE.left, right: PAGE.right },
      bufferPages: true,
      autoFirstPage: true,
      info: { Title: title, Creator: 'nnlab', Producer: 'nnlab (pdfkit)' },
      displayTitle: true,
    });
    for (const [name, face] of Object.entries(faces)) this.doc.registerFont(name, fontPath(face));
  }

  private place(kind: Placement['kind'], top: number, bottom: number): void {
    this.layout.push({ kind, page: this.doc.bufferedPageRange().count - 1, top, bottom });
  }

  private newPage(): void {
    this.doc.addPage();
    this.y = PAGE.top;
  }

  /** Starts a new page unless `h` more points fit below the cursor (a full page always counts as fitting). */
  ensure(h: number): void {
    if (this.y + h > BOTTOM && this.y > PAGE.top + 1) this.newPage();
  }

  private setFont(face: FontFace, size: number): void {
    this.doc.font(fontName(face)).fontSize(size);
  }

  // ---- inline layout ----

  private atoms(runs: Inline[], size: number, base: FontFace, color = '#1d1d1d'): Atom[] {
    const out: Atom[] = [];
    const words = (
      text: string,
      face: FontFace,
      extra: Partial<Extract<Atom, { kind: 'word' }>> = {},
    ): void => {
      for (const part of text.split(/(\s+)/)) {
        if (part === '') continue;
        if (/^\s+$/.test(part)) out.push({ kind: 'space', width: textWidth(' ', size, face) });
        else
          out.push({
            kind: 'word',
            text: part,
            face,
            size,
            width: textWidth(part, size, face),
            color,
            ...extra,
          });
      }
    };
    for (const r of runs) {
      if (r.kind === 'text')
        words(r.text, { ...base, bold: base.bold || r.bold, italic: base.italic || r.italic });
      else if (r.kind === 'link') words(r.text, base, { color: '#1f5fa8', link: r.url });
      else if (r.kind === 'code') {
        const face: FontFace = { family: MONO_FAMILY, bold: false, italic: false };
        const s = size * 0.9;
        for (const part of r.text.split(/(\s+)/)) {
          if (part === '') continue;
          if (/^\s+$/.test(part)) out.push({ kind: 'space', width: textWidth(' ', s, face) });
          else
            out.push({
              kind: 'word',
              text: part,
              face,
              size: s,
              width: textWidth(part, s, face),
              color: '#24292e',
              bg: true,
            });
        }
      } else {
        const m = texToSvg(r.tex, false);
        const ex = EX * size;
        out.push({
          kind: 'math',
          m,
          width: m.widthEx * ex,
          ascent: (m.heightEx - m.depthEx) * ex,
          descent: m.depthEx * ex,
        });
      }
    }
    return out;
  }

  /** Greedy line breaking at spaces; a cluster wider than the line is split between characters. */
  private breakLines(atoms: Atom[], width: number, size: number): Line[] {
    const clusters: Atom[][] = [];
    let cur: Atom[] = [];
    const spaces: number[] = [];
    for (const a of atoms) {
      if (a.kind === 'space') {
        if (cur.length) {
          clusters.push(cur);
          spaces.push(a.width);
        }
        cur = [];
      } else cur.push(a);
    }
    if (cur.length) {
      clusters.push(cur);
      spaces.push(0);
    }
    const lines: Line[] = [];
    const baseAsc = 0.93 * size;
    const baseDesc = 0.24 * size;
    let line: Line = { atoms: [], width: 0, ascent: baseAsc, descent: baseDesc };
    let pendingSpace = 0;
    const cw = (c: Atom[]): number => c.reduce((s, a) => s + (a.kind === 'space' ? 0 : a.width), 0);
    const place = (c: Atom[]): void => {
      if (line.atoms.length) {
        line.atoms.push({ kind: 'space', width: pendingSpace });
        line.width += pendingSpace;
      }
      for (const a of c) {
        line.atoms.push(a);
        line.width += a.kind === 'space' ? 0 : a.width;
        if (a.kind === 'math') {
          line.ascent = Math.max(line.ascent, a.ascent + 1);
          line.descent = Math.max(line.descent, a.descent + 1);
        }
      }
    };
    clusters.forEach((c, i) => {
      let w = cw(c);
      if (line.atoms.length && line.width + pendingSpace + w > width) {
        lines.push(line);
        line = { atoms: [], width: 0, ascent: baseAsc, descent: baseDesc };
      }
      // An overlong word (a long identifier or URL): split its text across lines.
      while (w > width && c.length === 1 && c[0]!.kind === 'word' && c[0]!.text.length > 1) {
        const a = c[0]!;
        let n = a.text.length - 1;
        while (n > 1 && textWidth(a.text.slice(0, n), a.size, a.face) > width - line.width) n--;
        const head = { ...a, text: a.text.slice(0, n), width: textWidth(a.text.slice(0, n), a.size, a.face) };
        place([head]);
        lines.push(line);
        line = { atoms: [], width: 0, ascent: baseAsc, descent: baseDesc };
        const rest = a.text.slice(n);
        c = [{ ...a, text: rest, width: textWidth(rest, a.size, a.face) }];
        w = cw(c);
      }
      place(c);
      pendingSpace = spaces[i]!;
    });
    if (line.atoms.length) lines.push(line);
    return lines;
  }

  private drawLine(line: Line, x: number, baseline: number): void {
    for (const a of line.atoms) {
      if (a.kind === 'word') {
        if (a.bg) {
          this.doc
            .save()
            .roundedRect(x - 1, baseline - a.size * 0.82, a.width + 2, a.size * 1.08, 1.5)
            .fill('#f0f0f0')
            .restore();
        }
        this.setFont(a.face, a.size);
        this.doc.fillColor(a.color).text(a.text, x, baseline, { lineBreak: false, baseline: 'alphabetic' });
        if (a.link) this.doc.link(x, baseline - 0.9 * a.size, a.width, 1.15 * a.size, a.link);
      } else if (a.kind === 'math') {
        this.svg(a.m.svg, x, baseline - a.ascent, a.width, a.ascent + a.descent, 'inline math');
      }
      x += a.width;
    }
  }

  /** Lays out and draws a paragraph of runs at `x` with `width`; lines move to the next page one by one. */
  paragraph(
    runs: Inline[],
    opts: {
      x?: number;
      width?: number;
      size?: number;
      face?: FontFace;
      color?: string;
      after?: number;
      kind?: Placement['kind'];
    } = {},
  ): void {
    const size = opts.size ?? BODY;
    const x = opts.x ?? PAGE.left;
    const width = opts.width ?? CONTENT_W;
    const lines = this.breakLines(this.atoms(runs, size, opts.face ?? serif(), opts.color), width, size);
    const lead = (LEADING - 1.17) * size;
    for (const l of lines) {
      const h = l.ascent + l.descent + lead;
      this.ensure(h);
      this.drawLine(l, x, this.y + l.ascent + lead / 2);
      this.place(opts.kind ?? 'line', this.y, this.y + h);
      this.y += h;
    }
    this.y += opts.after ?? 0.55 * size;
  }

  /** Natural (unbroken) width of runs. */
  runsWidth(runs: Inline[], size: number, face: FontFace): number {
    return this.atoms(runs, size, face).reduce((w, a) => w + a.width, 0);
  }

  /** Height the first `maxLines` lines of a paragraph take (for keeping headings with what follows). */
  paragraphHeight(runs: Inline[], maxLines: number, size = BODY, width = CONTENT_W): number {
    const lead = (LEADING - 1.17) * size;
    return this.breakLines(this.atoms(runs, size, serif()), width, size)
      .slice(0, maxLines)
      .reduce((s, l) => s + l.ascent + l.descent + lead, 0);
  }

  /** Draws an SVG into the box; what svg-to-pdfkit cannot draw becomes a warning, not a failed PDF. */
  svg(svg: string, x: number, y: number, width: number, height: number, what: string): void {
    const warn = (m: string): void => {
      const w = `${what}: ${m}`;
      if (!this.warnings.includes(w)) this.warnings.push(w);
    };
    try {
      this.drawSvg(svg, x, y, width, height, warn);
    } catch (e) {
      warn(`could not be drawn in the PDF: ${(e as Error).message}`);
      this.doc.save().rect(x, y, width, height).lineWidth(0.5).strokeColor('#c00').stroke().restore();
    }
  }

  private drawSvg(
    svg: string,
    x: number,
    y: number,
    width: number,
    height: number,
    warn: (m: string) => void,
  ): void {
    SVGtoPDF(this.doc, pdfSafeSvg(svg), x, y, {
      width,
      height,
      preserveAspectRatio: 'xMinYMin meet',
      fontCallback: (family, bold, italic) => {
        const fam = /mono/i.test(family)
          ? MONO_FAMILY
          : /serif/i.test(family) && !/sans/i.test(family)
            ? SERIF_FAMILY
            : SANS_FAMILY;
        return fontName({ family: fam, bold, italic });
      },
      warningCallback: warn,
    });
  }

  // ---- blocks ----

  title(title: string, subtitle: string[]): void {
    this.setFont({ family: SANS_FAMILY, bold: true, italic: false }, 22);
    this.doc.fillColor('#111').text(title, PAGE.left, this.y, { lineBreak: false });
    this.y += 32;
    for (const l of subtitle)
      this.paragraph(parseInline(l), {
        size: 9,
        face: { ...serif(), italic: true },
        color: '#555',
        after: 0,
      });
    this.y += 6;
    this.doc
      .moveTo(PAGE.left, this.y)
      .lineTo(PAGE.width - PAGE.right, this.y)
      .lineWidth(0.8)
      .strokeColor('#999')
      .stroke();
    this.y += 14;
  }

  /**
   * Reserves room for a table of contents of the level-1 and level-2 headings right here; the entries (with
   * their page numbers, known only at the end) are drawn by drawContents once every page exists.
   */
  contents(entries: { level: 1 | 2; text: string }[]): void {
    const h = 22 + entries.length * TOC_LH;
    this.toc = { page: this.doc.bufferedPageRange().count - 1, y: this.y, entries, pages: [] };
    this.y += h + 10;
  }

  /** Draws the reserved contents: title, entries indented by level, dot leaders, page numbers, links. */
  drawContents(): void {
    const toc = this.toc;
    if (!toc) return;
    this.doc.switchToPage(toc.page);
    this.setFont({ ...sans(), bold: true }, 12);
    this.doc
      .fillColor('#111')
      .text('Contents', PAGE.left, toc.y + 12, { lineBreak: false, baseline: 'alphabetic' });
    toc.entries.forEach((e, i) => {
      const face = e.level === 1 ? { ...sans(), bold: true } : serif();
      const size = e.level === 1 ? 9.5 : 9;
      const x = PAGE.left + (e.level === 1 ? 0 : 14);
      const base = toc.y + 22 + (i + 1) * TOC_LH - 3;
      const page = String((toc.pages[i] ?? 0) + 1);
      const right = PAGE.width - PAGE.right;
      const text = plainText(parseInline(e.text));
      const tw = textWidth(text, size, face);
      const pw = textWidth(page, size, face);
      this.setFont(face, size);
      this.doc.fillColor('#1d1d1d').text(text, x, base, { lineBreak: false, baseline: 'alphabetic' });
      this.doc.text(page, right - pw, base, { lineBreak: false, baseline: 'alphabetic' });
      const dot = textWidth(' .', size, serif());
      const n = Math.floor((right - pw - 6 - (x + tw + 6)) / dot);
      if (n > 0) {
        this.setFont(serif(), size);
        this.doc
          .fillColor('#999')
          .text(' .'.repeat(n), right - pw - 6 - n * dot, base, { lineBreak: false, baseline: 'alphabetic' });
      }
      this.doc.goTo(x, base - size, right - x, TOC_LH, `heading-${i}`);
    });
  }

  heading(level: 1 | 2 | 3, text: string, keepWith: number): void {
    const size = level === 1 ? 16 : level === 2 ? 13 : 11.2;
    const before = level === 1 ? 18 : 12;
    const h = size * 1.3 + 6;
    if (this.y > PAGE.top + 1) this.y += before;
    this.ensure(h + keepWith);
    if (level === 1 && this.y > PAGE.top + 1 && this.y > BOTTOM - 0.3 * (BOTTOM - PAGE.top)) this.newPage();
    const runs = parseInline(text);
    this.paragraph(runs, {
      size,
      face: { family: SANS_FAMILY, bold: true, italic: false },
      color: '#111',
      after: 4,
      kind: 'heading',
    });
    if (level === 1) {
      this.doc
        .moveTo(PAGE.left, this.y - 2)
        .lineTo(PAGE.width - PAGE.right, this.y - 2)
        .lineWidth(0.5)
        .strokeColor('#bbb')
        .stroke();
      this.y += 4;
    }
    if (level <= 2 && this.toc) {
      // The destination sits at the heading's top; the contents line links to it.
      const top = this.layout.filter((p) => p.kind === 'heading').at(-1)?.top ?? this.y;
      this.doc.addNamedDestination(`heading-${this.toc.pages.length}`, 'FitH', PAGE.height - top + 4);
      this.toc.pages.push(this.doc.bufferedPageRange().count - 1);
    }
    const title = plainText(runs);
    if (level === 1) this.outline = { 1: this.doc.outline.addItem(title) };
    else if (level === 2 && this.outline[1]) this.outline[2] = this.outline[1].addItem(title);
  }

  markdownBlock(b: MdBlock): void {
    if (b.kind === 'paragraph') this.paragraph(b.runs);
    else if (b.kind === 'math') this.displayMath(b.tex);
    else {
      const indent = 18;
      b.items.forEach((item, i) => {
        const label = b.ordered ? `${b.start + i}.` : '•';
        const width = CONTENT_W - indent;
        // The first line must fit here, so the label and the line it belongs to land on the same page.
        this.ensure(this.paragraphHeight(item, 1, BODY, width));
        const lead = (LEADING - 1.17) * BODY;
        const first = this.breakLines(this.atoms(item, BODY, serif()), width, BODY)[0];
        this.setFont(serif(), BODY);
        this.doc
          .fillColor('#1d1d1d')
          .text(
            label,
            PAGE.left + indent - 5 - textWidth(label, BODY, serif()),
            this.y + (first?.ascent ?? BODY) + lead / 2,
            {
              lineBreak: false,
              baseline: 'alphabetic',
            },
          );
        this.paragraph(item, { x: PAGE.left + indent, width, after: 0.25 * BODY });
      });
      this.y += 0.3 * BODY;
    }
  }

  displayMath(tex: string): void {
    const m = texToSvg(tex, true);
    const ex = EX * BODY;
    let w = m.widthEx * ex;
    let h = m.heightEx * ex;
    if (w > CONTENT_W) {
      h *= CONTENT_W / w;
      w = CONTENT_W;
    }
    this.ensure(h + 10);
    this.y += 4;
    this.svg(m.svg, PAGE.left + (CONTENT_W - w) / 2, this.y, w, h, 'display math');
    this.place('math', this.y, this.y + h);
    this.y += h + 8;
  }

  /** Monospace lines in a box; `tint` for code, a left rule for output text. Breaks between lines only. */
  /** Monospace text as the lines it is drawn in: long lines wrap with a hanging marker, keeping every character. */
  private monoLines(text: string): { text: string; commentFrom: number }[] {
    const maxChars = Math.floor((CONTENT_W - 2 * MONO_PAD - 2) / textWidth('M', CODE, mono()));
    const lines: { text: string; commentFrom: number }[] = [];
    for (const raw of text.replace(/\t/g, '  ').replace(/\n+$/, '').split('\n')) {
      const cut = splitComment(raw)[0].length;
      // Pieces are prefix + raw[start, end); the comment colour starts at `cut` of the raw line.
      for (let start = 0, prefix = ''; start === 0 || start < raw.length; prefix = '↪ ') {
        const end = Math.min(raw.length, start + maxChars - prefix.length);
        const from = cut <= start ? 0 : Math.min(cut, end) - start;
        lines.push({ text: prefix + raw.slice(start, end), commentFrom: prefix.length + from });
        start = end;
        if (end === raw.length) break;
      }
    }
    return lines;
  }

  private monoBox(text: string, style: 'code' | 'output'): void {
    const face = mono();
    const pad = MONO_PAD;
    const lines = this.monoLines(text);
    let i = 0;
    while (i < lines.length) {
      const fit = Math.floor((BOTTOM - this.y - 2 * pad) / CODE_LH);
      if (fit < Math.min(3, lines.length - i)) {
        this.newPage();
        continue;
      }
      const n = Math.min(fit, lines.length - i);
      const h = n * CODE_LH + 2 * pad;
      const x = PAGE.left;
      if (style === 'code') {
        this.doc.save().rect(x, this.y, CONTENT_W, h).fill('#f6f8fa').restore();
        this.doc.save().rect(x, this.y, 2.2, h).fill('#4e79a7').restore();
      } else this.doc.save().rect(x, this.y, 1.5, h).fill('#bbbbbb').restore();
      this.setFont(face, CODE);
      this.doc.fillColor(style === 'code' ? '#24292e' : '#333333');
      for (let k = 0; k < n; k++) {
        const { text: line, commentFrom } = lines[i + k]!;
        const baseline = this.y + pad + k * CODE_LH + CODE * 0.93;
        // Output text is never highlighted; in code, the // comment reads in green italics.
        const cut = style === 'code' ? commentFrom : line.length;
        const opts = { lineBreak: false, baseline: 'alphabetic' } as const;
        if (cut > 0) this.doc.text(line.slice(0, cut), x + pad + 2, baseline, opts);
        if (cut < line.length) {
          this.setFont({ ...face, italic: true }, CODE);
          this.doc
            .fillColor('#3f7f5f')
            .text(line.slice(cut), x + pad + 2 + textWidth(line.slice(0, cut), CODE, face), baseline, opts);
          this.setFont(face, CODE);
          this.doc.fillColor('#24292e');
        }
      }
      this.place('code', this.y, this.y + h);
      this.y += h;
      i += n;
    }
    this.y += 6;
  }

  /** What must fit below the cursor for a code cell to start here: with its first output when short. */
  codeLead(source: string, outputs: Output[]): number {
    const lines = this.monoLines(source).length;
    const codeH = 9 + lines * CODE_LH + 2 * MONO_PAD + 6;
    const first = outputs[0];
    const firstH = !first
      ? 0
      : first.kind === 'figure'
        ? this.figureSize(first).h + FIG_CAPTION + 4
        : first.kind === 'table'
          ? this.tableLead(first)
          : first.kind === 'text'
            ? Math.min(3, this.monoLines(first.text).length) * CODE_LH + 2 * MONO_PAD
            : 0;
    return lines <= 15 && codeH + firstH <= BOTTOM - PAGE.top ? codeH + firstH : 9 + 3 * CODE_LH + 10;
  }

  code(source: string, outputs: Output[]): void {
    const n = ++this.codeNo;
    // A short cell stays on one page with the start of its first output (the figure or table it made).
    this.ensure(this.codeLead(source, outputs));
    this.setFont(mono(), 7);
    this.doc
      .fillColor('#4e79a7')
      .text(`In [${n}]:`, PAGE.left, this.y + 6, { lineBreak: false, baseline: 'alphabetic' });
    this.y += 9;
    this.monoBox(source, 'code');
    for (const o of outputs) {
      if (o.kind === 'text') this.monoBox(o.text, 'output');
      else if (o.kind === 'table') this.table(o);
      else if (o.kind === 'markdown') for (const m of parseMarkdown(o.text)) this.markdownBlock(m);
      else if (o.kind === 'image') this.image(o);
      else this.figure(o);
    }
    this.y += 4;
  }

  /** A picture without a spec: PNG through pdfkit, SVG like a figure; shrunk to the text width. */
  image(o: ImageOutput): void {
    if (o.mime === 'image/svg+xml') {
      const m = /<svg[^>]*\bwidth="([\d.]+)[^"]*"[^>]*\bheight="([\d.]+)/.exec(o.data);
      const [w0, h0] = m ? [Number(m[1]), Number(m[2])] : [400, 300];
      const s = Math.min(PX, CONTENT_W / w0, (BOTTOM - PAGE.top - 8) / h0);
      this.ensure(h0 * s + 8);
      this.svg(o.data, PAGE.left + (CONTENT_W - w0 * s) / 2, this.y, w0 * s, h0 * s, 'an image output');
      this.y += h0 * s + 8;
      return;
    }
    const png = Buffer.from(o.data, 'base64');
    const { width, height } = pngSize(png);
    // Notebook PNGs are usually drawn at 2× for sharpness: print them at half their pixel size.
    const s = Math.min(PX / 2, CONTENT_W / width, (BOTTOM - PAGE.top - 8) / height);
    this.ensure(height * s + 8);
    this.doc.image(png, PAGE.left + (CONTENT_W - width * s) / 2, this.y, {
      width: width * s,
      height: height * s,
    });
    this.place('figure', this.y, this.y + height * s);
    this.y += height * s + 8;
  }

  /** A figure's drawn size: CSS px at 0.75 pt, shrunk to the text width and to one page with its caption. */
  private figureSize(o: FigureOutput): { f: RenderedFigure; w: number; h: number } {
    const f = this.figures.get(o.id);
    if (!f) throw new Error(`toPdf: figure "${o.id}" was not rendered`);
    const maxH = BOTTOM - PAGE.top - FIG_CAPTION - 8;
    const scale = Math.min(PX, CONTENT_W / f.width, maxH / f.height);
    return { f, w: f.width * scale, h: f.height * scale };
  }

  figure(o: FigureOutput): void {
    const { f, w, h } = this.figureSize(o);
    // Below 80 % of print size (0.75 pt per px) an 11 px label prints under 6.6 pt: say so, the spec can be narrower.
    const scale = w / f.width;
    if (scale < 0.8 * PX)
      this.warnings.push(
        `figure ${o.id}: ${Math.round(f.width)}×${Math.round(f.height)} px prints at ${Math.round((100 * scale) / PX)}% (11 px text ≈ ${(11 * scale).toFixed(1)} pt); a spec about ${Math.round(CONTENT_W / PX)} px wide prints at full size`,
      );
    this.ensure(h + FIG_CAPTION + 4);
    this.doc.addNamedDestination(`figure-${o.id}`, 'FitH', PAGE.height - this.y);
    this.svg(f.svg, PAGE.left + (CONTENT_W - w) / 2, this.y, w, h, `figure ${o.id}`);
    this.place('figure', this.y, this.y + h);
    this.y += h + 4;
    const text = figureCaption(o);
    if (text === null) {
      this.y += 8;
      return;
    }
    const caption = parseInline(text);
    const cw = Math.min(CONTENT_W, this.runsWidth(caption, 8.5, sans()) + 2);
    this.paragraph(caption, {
      x: PAGE.left + (CONTENT_W - cw) / 2,
      width: cw,
      size: 8.5,
      face: sans(),
      color: '#444',
      after: 10,
    });
  }

  /** Column widths, font size and wrapped lines of a table, shared by drawing and page-break planning. */
  private tableLayout(t: TableOutput) {
    checkTable(t);
    const cells = t.rows.map((r) => r.map(formatCell));
    const bold = { ...sans(), bold: true };
    const pad = 5;
    const W = CONTENT_W;
    const longestWord = (text: string, s: number, face: FontFace): number =>
      Math.max(0, ...text.split(/\s+/).map((w) => textWidth(w, s, face)));
    // Natural widths (nothing wraps) when they fit; else each column gets at least its longest word and the
    // rest of the width in proportion to how much more it would like; the font shrinks when even that fails.
    const columnWidths = (s: number): number[] | null => {
      const head = t.columns.map((c) => [textWidth(c, s, bold), longestWord(c, s, bold)] as const);
      const cell = t.columns.map((_, i) => [
        Math.max(0, ...cells.map((r) => textWidth(r[i]!, s, sans()))),
        Math.max(0, ...cells.map((r) => longestWord(r[i]!, s, sans()))),
      ]);
      // Widths in order of preference: nothing wraps; only headers wrap; headers and cells wrap at spaces.
      const tiers = [
        t.columns.map((_, i) => Math.max(head[i]![0], cell[i]![0]) + 2 * pad),
        t.columns.map((_, i) => Math.max(head[i]![1], cell[i]![0]) + 2 * pad),
        t.columns.map((_, i) => Math.max(head[i]![1], cell[i]![1]) + 2 * pad),
      ];
      const sum = (w: number[]): number => w.reduce((x, y) => x + y, 0);
      if (sum(tiers[0]!) <= W) return tiers[0]!;
      for (let k = 1; k < tiers.length; k++) {
        const lo = tiers[k]!;
        const hi = tiers[k - 1]!;
        // The tightest tier that fits, widened toward the looser one in proportion to what each column wants.
        if (sum(lo) <= W) return lo.map((m, i) => m + (hi[i]! - m) * ((W - sum(lo)) / (sum(hi) - sum(lo))));
      }
      return null;
    };
    let size = 8.5;
    let widths = columnWidths(size);
    while (!widths && size > 6) widths = columnWidths((size -= 0.25));
    if (!widths) {
      // Even the longest words do not fit at 6 pt: scale the minimum widths and let words break anywhere.
      const min = t.columns.map(
        (c, i) =>
          Math.max(longestWord(c, size, bold), ...cells.map((r) => longestWord(r[i]!, size, sans()))) +
          2 * pad,
      );
      const sum = min.reduce((x, y) => x + y, 0);
      widths = min.map((m) => (m * W) / sum);
    }
    const cols = widths;
    const total = cols.reduce((x, y) => x + y, 0);
    const lh = size * 1.2;
    const rowPad = size * 0.4;
    const head = t.columns.map((c, i) => wrapText(c, cols[i]! - 2 * pad, size, bold));
    const body = cells.map((r) => r.map((v, i) => wrapText(v, cols[i]! - 2 * pad, size, sans())));
    const heightOf = (lines: string[][]): number =>
      Math.max(1, ...lines.map((l) => l.length)) * lh + 2 * rowPad;
    const headH = heightOf(head);
    return { size, cols, total, lh, rowPad, pad, bold, head, body, heightOf, headH };
  }

  /** Height a table needs on the page it starts on: caption, header and its first three rows. */
  tableLead(t: TableOutput): number {
    const { body, heightOf, headH } = this.tableLayout(t);
    const firstRows = body.slice(0, 3).reduce((h, r) => h + heightOf(r), 0);
    return this.paragraphHeight(parseInline(t.caption), 2, 9) + 3 + headH + firstRows + 4;
  }

  table(t: TableOutput): void {
    const { size, cols, total, lh, rowPad, pad, bold, head, body, heightOf, headH } = this.tableLayout(t);
    const x0 = PAGE.left + (CONTENT_W - total) / 2;
    const numeric = t.columns.map((_, c) => isNumericColumn(t, c));
    const drawRow = (lines: string[][], face: FontFace, y: number, bottomAlign: boolean): void => {
      this.setFont(face, size);
      this.doc.fillColor('#1d1d1d');
      const n = Math.max(1, ...lines.map((l) => l.length));
      let x = x0;
      lines.forEach((cell, c) => {
        // Headers sit on the bottom line, so one-line headers share the baseline of wrapped ones' last line.
        const first = y + rowPad + size * 0.9 + (bottomAlign ? (n - cell.length) * lh : 0);
        cell.forEach((l, k) => {
          const tx = numeric[c] ? x + cols[c]! - pad - textWidth(l, size, face) : x + pad;
          this.doc.text(l, tx, first + k * lh, { lineBreak: false, baseline: 'alphabetic' });
        });
        x += cols[c]!;
      });
    };
    const rule = (y: number): void => {
      this.doc
        .moveTo(x0, y)
        .lineTo(x0 + total, y)
        .lineWidth(0.8)
        .strokeColor('#777')
        .stroke();
    };
    const header = (): void => {
      rule(this.y);
      drawRow(head, bold, this.y, true);
      this.place('table-row', this.y, this.y + headH);
      this.y += headH;
      rule(this.y);
    };
    this.ensure(this.tableLead(t));
    this.paragraph(parseInline(t.caption), { size: 9, face: bold, after: 3 });
    header();
    body.forEach((r, i) => {
      const h = heightOf(r);
      if (this.y + h > BOTTOM) {
        this.newPage();
        header();
      }
      if (i % 2 === 1) this.doc.save().rect(x0, this.y, total, h).fill('#f5f5f5').restore();
      drawRow(r, sans(), this.y, false);
      this.place('table-row', this.y, this.y + h);
      this.y += h;
    });
    rule(this.y);
    this.y += 10;
  }

  /** How much of `b` must fit on the page with a heading above it. */
  leadHeight(b: Block | undefined): number {
    if (!b) return 0;
    if (b.kind === 'heading') return 30;
    if (b.kind === 'code') return this.codeLead(b.source, b.outputs);
    const first = parseMarkdown(b.text)[0];
    if (!first) return 0;
    if (first.kind === 'math') {
      const m = texToSvg(first.tex, true);
      return m.heightEx * EX * BODY + 12;
    }
    return this.paragraphHeight(first.kind === 'paragraph' ? first.runs : first.items[0]!, 3);
  }

  footers(title: string): void {
    const range = this.doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      this.doc.switchToPage(i);
      this.doc.page.margins.bottom = 0;
      this.setFont(sans(), 8);
      const label = `${title} — ${i + 1} / ${range.count}`;
      this.doc
        .fillColor('#888')
        .text(label, PAGE.width - PAGE.right - textWidth(label, 8, sans()), PAGE.height - 36, {
          lineBreak: false,
          baseline: 'alphabetic',
        });
    }
  }
}

/**
 * Rewrites what pdfkit refuses but SVG allows: a dash array with zero lengths (Vega's solid line in a dash
 * legend is "1,0"). All gaps zero → solid (attribute dropped); other zeros → a negligible 0.001.
 */
export function pdfSafeSvg(svg: string): string {
  return svg.replace(/\sstroke-dasharray="([^"]*)"/g, (all, v: string) => {
    const parts = v
      .split(/[\s,]+/)
      .filter((p) => p !== '')
      .map(Number);
    if (parts.length === 0 || parts.some((p) => !Number.isFinite(p) || p < 0)) return '';
    const list = parts.length % 2 ? [...parts, ...parts] : parts;
    if (list.every((p, i) => i % 2 === 0 || p === 0)) return '';
    return parts.every((p) => p > 0)
      ? all
      : ` stroke-dasharray="${parts.map((p) => (p === 0 ? 0.001 : p)).join(',')}"`;
  });
}

function serif(): FontFace {
  return { family: SERIF_FAMILY, bold: false, italic: false };
}
/** Greedy word wrap of plain text to `width` points; a word wider than the line breaks between characters. */
export function wrapText(text: string, width: number, size: number, face: FontFace): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter((w) => w !== '')) {
    const joined = line ? `${line} ${word}` : word;
    if (textWidth(joined, size, face) <= width) {
      line = joined;
      continue;
    }
    if (line) lines.push(line);
    while (word.length > 1 && textWidth(word, size, face) > width) {
      let n = word.length - 1;
      while (n > 1 && textWidth(word.slice(0, n), size, face) > width) n--;
      lines.push(word.slice(0, n));
      word = word.slice(n);
    }
    line = word;
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

function mono(): FontFace {
  return { family: MONO_FAMILY, bold: false, italic: false };
}
function sans(): FontFace {
  return { family: SANS_FAMILY, bold: false, italic: false };
}

/** Renders the document to PDF bytes; `figures` maps every figure id to its rendering. */
export async function toPdf(
  doc: ReportDocument,
  figures: ReadonlyMap<string, RenderedFigure>,
): Promise<Buffer> {
  return (await layoutPdf(doc, figures)).pdf;
}

/**
 * toPdf that also returns where every unbreakable piece landed (for tests of the page breaking) and what
 * svg-to-pdfkit could not draw faithfully.
 */
export function layoutPdf(
  doc: ReportDocument,
  figures: ReadonlyMap<string, RenderedFigure>,
): Promise<{ pdf: Buffer; layout: Placement[]; warnings: string[] }> {
  const w = new PdfWriter(doc.title, figures);
  const chunks: Buffer[] = [];
  const done = new Promise<{ pdf: Buffer; layout: Placement[]; warnings: string[] }>((resolve, reject) => {
    w.doc.on('data', (c: Buffer) => chunks.push(c));
    w.doc.on('end', () => resolve({ pdf: Buffer.concat(chunks), layout: w.layout, warnings: w.warnings }));
    w.doc.on('error', reject);
  });
  w.title(doc.title, doc.subtitle);
  const entries = doc.blocks.flatMap((b) =>
    b.kind === 'heading' && b.level <= 2 ? [{ level: b.level as 1 | 2, text: b.text }] : [],
  );
  if (entries.filter((e) => e.level === 1).length >= 2) w.contents(entries);
  doc.blocks.forEach((b, i) => {
    if (b.kind === 'heading') {
      // Chained headings ("Problem 4" then "Part 1") all stay with the first content block.
      let j = i + 1;
      let keep = 0;
      for (; doc.blocks[j]?.kind === 'heading'; j++) keep += 30;
      w.heading(b.level, b.text, keep + w.leadHeight(doc.blocks[j]));
    } else if (b.kind === 'markdown') for (const m of parseMarkdown(b.text)) w.markdownBlock(m);
    else w.code(b.source, b.outputs);
  });
  w.drawContents();
  w.footers(doc.title);
  w.doc.end();
  return done;
}
