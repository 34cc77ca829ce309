import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Block, ReportDocument } from './document.js';
import { renderFigures } from './build.js';
import { layoutPdf, PDF_PAGE, pdfSafeSvg, wrapText } from './pdf.js';
import { textWidth } from '../plot/fonts.js';
import { sampleDocument } from './sample-document.fixture.js';

const sample = sampleDocument();
const sampleFigures = await renderFigures(sample);
const { pdf } = await layoutPdf(sample, sampleFigures);
const text = pdf.toString('latin1');

test('the PDF has pages, embeds the shipped fonts, every figure (named destinations) and the links', () => {
  assert.ok(text.startsWith('%PDF-1.'));
  assert.ok(text.trimEnd().endsWith('%%EOF'));
  const pages = (text.match(/\/Type \/Page\b(?!s)/g) ?? []).length;
  assert.ok(pages >= 2 && pages <= 6, `${pages} pages`);
  for (const id of sampleFigures.keys()) assert.ok(text.includes(`(figure-${id})`), id);
  for (const f of ['DejaVuSerif', 'DejaVuSans-Bold', 'DejaVuSansMono'])
    assert.match(text, new RegExp(`/BaseFont /[A-Z]{6}\\+${f}\\b`));
  assert.ok(text.includes('/FontFile2'), 'TrueType fonts embedded');
  assert.ok(text.includes('/URI (https://arxiv.org/abs/1502.03167)'));
  assert.ok(text.includes('/Outlines'), 'bookmarks for the problems');
  // The contents lists the 5 level-1/2 headings of the sample, each line a link to its heading's destination.
  const entries = sample.blocks.filter((b) => b.kind === 'heading' && b.level <= 2).length;
  assert.equal(entries, 5);
  assert.equal((text.match(/\/S \/GoTo/g) ?? []).length, entries);
  for (let i = 0; i < entries; i++) assert.ok(text.includes(`(heading-${i})`), `heading-${i}`);
});

// A document built to stress page breaking: long paragraphs, many tall figures, headings late on a page.
function stressDocument(spec: { [k: string]: unknown }): ReportDocument {
  const blocks: Block[] = [];
  const para = 'Lorem ipsum dolor sit amet, with inline math $\\sum_{i=1}^n x_i^2$ and more words. '.repeat(
    9,
  );
  for (let i = 0; i < 7; i++) {
    blocks.push(
      { kind: 'heading', level: 1, text: `Problem ${i}` },
      { kind: 'heading', level: 2, text: `Part ${i}.1` },
    );
    blocks.push({
      kind: 'markdown',
      text: para.repeat(1 + (i % 3)) + '\n\n$$\\frac{a}{b} = \\begin{cases} 1 \\\\ 2 \\end{cases}$$',
    });
    blocks.push({
      kind: 'code',
      source: Array.from({ length: 4 + 9 * (i % 2) }, (_, k) => `const x${k} = ${k}; // line ${k}`).join(
        '\n',
      ),
      outputs: [
        { kind: 'figure', id: `stress-${i}`, title: `Figure ${i}`, spec },
        {
          kind: 'table',
          caption: 'T',
          columns: ['a', 'b'],
          rows: Array.from({ length: 8 * i }, (_, k) => [`r${k}`, k / 7]),
        },
      ],
    });
    blocks.push(
      { kind: 'heading', level: 3, text: `Notes ${i}` },
      { kind: 'markdown', text: '- one\n- two' },
    );
  }
  return { title: 'Stress', subtitle: ['layout test'], blocks };
}

test('page breaking: nothing crosses a page edge, and every heading shares a page with what follows it', async () => {
  const spec = {
    data: {
      values: [
        { x: 1, y: 2 },
        { x: 2, y: 1 },
      ],
    },
    mark: 'line',
    width: 420,
    height: 300,
    encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
  };
  const doc = stressDocument(spec);
  const { layout } = await layoutPdf(doc, await renderFigures(doc));
  assert.ok(layout.length > 100);
  const pages = Math.max(...layout.map((p) => p.page)) + 1;
  assert.ok(pages >= 8, `${pages} pages`);
  for (const p of layout) {
    assert.ok(p.top >= PDF_PAGE.top - 0.01, `${p.kind} on page ${p.page} starts at ${p.top}`);
    assert.ok(p.bottom <= PDF_PAGE.contentBottom + 0.01, `${p.kind} on page ${p.page} ends at ${p.bottom}`);
  }
  assert.equal(layout.filter((p) => p.kind === 'figure').length, 7);
  layout.forEach((p, i) => {
    if (p.kind !== 'heading') return;
    const next = layout.slice(i + 1).find((q) => q.kind !== 'heading');
    assert.ok(
      next && next.page === p.page,
      `heading at placement ${i} (page ${p.page}) is separated from what follows`,
    );
  });
  // The pieces of one page never overlap (y increases down the page).
  for (let i = 1; i < layout.length; i++)
    if (layout[i]!.page === layout[i - 1]!.page)
      assert.ok(layout[i]!.top >= layout[i - 1]!.bottom - 0.01, `overlap at ${i}`);
});

test('pdfSafeSvg: dash arrays with zero lengths become solid or near-zero, others stay', () => {
  assert.equal(pdfSafeSvg('<path stroke-dasharray="1,0" d="M0,0"/>'), '<path d="M0,0"/>');
  assert.equal(pdfSafeSvg('<path stroke-dasharray="0 4" d=""/>'), '<path stroke-dasharray="0.001,4" d=""/>');
  assert.equal(pdfSafeSvg('<path stroke-dasharray="5,3"/>'), '<path stroke-dasharray="5,3"/>');
});

test('wrapText: every line fits, words stay whole unless one alone is too wide, nothing is lost', () => {
  const face = { family: 'DejaVu Sans', bold: false, italic: false } as const;
  const text = 'Max. number of function evaluations reached (status 3) ×2 supercalifragilisticexpialidocious';
  for (const width of [40, 80, 200]) {
    const lines = wrapText(text, width, 8, face);
    for (const l of lines) assert.ok(textWidth(l, 8, face) <= width + 1e-9, `"${l}" wider than ${width}`);
    assert.equal(lines.join('').replace(/\s/g, ''), text.replace(/\s/g, ''));
    // Greedy: a line followed by another could not have taken that line's first word.
    for (let k = 0; k + 1 < lines.length; k++) {
      const next = lines[k + 1]!.split(' ')[0]!;
      if (lines[k]!.includes(' ') || textWidth(lines[k]!, 8, face) < width)
        assert.ok(textWidth(`${lines[k]} ${next}`, 8, face) > width, `"${lines[k]}" could take "${next}"`);
    }
  }
  assert.deepEqual(wrapText('', 50, 8, face), ['']);
});

test('an SVG svg-to-pdfkit cannot parse becomes a warning naming the figure, and the PDF is still written', async () => {
  const doc: ReportDocument = {
    title: 't',
    subtitle: [],
    blocks: [
      { kind: 'code', source: '// x', outputs: [{ kind: 'figure', id: 'bad', title: 'b', spec: {} }] },
    ],
  };
  const bad = {
    svg: '<svg width="100" height="50"><rect/></sv',
    width: 100,
    height: 50,
    png: Buffer.alloc(0),
    pngScale: 1,
    warnings: [],
  };
  const r = await layoutPdf(doc, new Map([['bad', bad]]));
  assert.ok(
    r.warnings.length > 0 && r.warnings.every((w) => w.startsWith('figure bad: ')),
    JSON.stringify(r.warnings),
  );
  assert.ok(r.pdf.subarray(0, 5).toString() === '%PDF-');
  assert.deepEqual(
    (await layoutPdf(sample, sampleFigures)).warnings,
    [],
    'the sample draws without warnings',
  );
});
