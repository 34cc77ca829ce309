import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import type { VegaLiteSpec } from '../report/document.js';
import { pngSize, renderFigure } from './render.js';
import { SANS_FAMILY, textWidth } from './fonts.js';

/** Fraction of dark pixels (red < 200), decoding the 8-bit RGBA, non-interlaced PNG by hand (PNG spec §9). */
function inkFraction(png: Buffer): number {
  const { width, height } = pngSize(png);
  assert.equal(png[24], 8, 'bit depth');
  assert.equal(png[25], 6, 'colour type RGBA');
  const idat: Buffer[] = [];
  for (let off = 8; off < png.length;) {
    const len = png.readUInt32BE(off);
    if (png.subarray(off + 4, off + 8).toString('latin1') === 'IDAT')
      idat.push(png.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = 4 * width;
  assert.equal(raw.length, height * (1 + stride), 'decoded scanline bytes');
  let prev = new Uint8Array(stride);
  let ink = 0;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (1 + stride)]!;
    const line = raw.subarray(y * (1 + stride) + 1, (y + 1) * (1 + stride));
    const cur = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= 4 ? cur[i - 4]! : 0;
      const b = prev[i]!;
      const c = i >= 4 ? prev[i - 4]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a),
        pb = Math.abs(p - b),
        pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      assert.ok(pred !== undefined, `filter type ${filter}`);
      cur[i] = (line[i]! + pred) & 255;
    }
    for (let x = 0; x < width; x++) if (cur[4 * x]! < 200) ink++;
    prev = cur;
  }
  return ink / (width * height);
}

const lineSpec: VegaLiteSpec = {
  data: {
    values: [0, 1, 2, 3, 4].flatMap((e) => [
      { epoch: e, split: 'train', loss: 1 / (e + 1) },
      { epoch: e, split: 'test', loss: 1.2 / (e + 1) },
    ]),
  },
  mark: 'line',
  width: 300,
  height: 200,
  encoding: {
    x: { field: 'epoch', type: 'quantitative', title: 'Epoch number' },
    y: { field: 'loss', type: 'quantitative', title: 'Cross-entropy loss' },
    color: { field: 'split', type: 'nominal', title: 'Split' },
  },
};

const violinSpec: VegaLiteSpec = {
  data: {
    values: ['conv1', 'conv2', 'dense1'].flatMap((layer, i) =>
      Array.from({ length: 40 }, (_, k) => ({ layer, gamma: 1 + 0.1 * i + 0.02 * Math.sin(k * 1.7 + i) })),
    ),
  },
  transform: [{ density: 'gamma', groupby: ['layer'], as: ['gamma', 'density'] }],
  mark: { type: 'area', orient: 'horizontal' },
  width: 80,
  height: 200,
  encoding: {
    y: { field: 'gamma', type: 'quantitative', title: 'Learned gamma' },
    x: { field: 'density', type: 'quantitative', stack: 'center', impute: null, title: null, axis: null },
    column: { field: 'layer', type: 'nominal', title: 'Batch-norm layer' },
  },
};

test('a line chart renders to SVG with its axis titles and legend, and to a PNG of twice its size', async () => {
  const f = await renderFigure(lineSpec, 2);
  assert.match(f.svg, /^<svg/);
  for (const t of ['Epoch number', 'Cross-entropy loss', 'Split', 'train', 'test'])
    assert.ok(f.svg.includes(`>${t}<`), t);
  assert.ok(f.svg.includes(SANS_FAMILY), 'the shipped font family is named in the SVG');
  // 300 px plot + axes, legend and padding on both sides.
  assert.ok(f.width > 300 && f.width < 520, `width ${f.width}`);
  assert.ok(f.height > 200 && f.height < 300, `height ${f.height}`);
  assert.deepEqual(pngSize(f.png), { width: Math.round(2 * f.width), height: Math.round(2 * f.height) });
  const ink = inkFraction(f.png);
  assert.ok(ink > 0.005 && ink < 0.5, `ink fraction ${ink}`);
});

test('a faceted violin spec renders to SVG with the facet and axis titles, and to a PNG of its size', async () => {
  const f = await renderFigure(violinSpec, 1);
  for (const t of ['Learned gamma', 'Batch-norm layer', 'conv1', 'conv2', 'dense1'])
    assert.ok(f.svg.includes(`>${t}<`), t);
  // Three 80 px columns side by side.
  assert.ok(f.width > 240, `width ${f.width}`);
  assert.deepEqual(pngSize(f.png), { width: Math.round(f.width), height: Math.round(f.height) });
});

test('text widths come from the TTF: "iii" is narrower than "MMM", and width scales with size', () => {
  const face = { family: SANS_FAMILY, bold: false, italic: false } as const;
  assert.ok(textWidth('iii', 10, face) < textWidth('MMM', 10, face) / 2);
  assert.ok(Math.abs(textWidth('Epoch', 20, face) - 2 * textWidth('Epoch', 10, face)) < 1e-9);
  // DejaVu Sans "M" advance is 1767/2048 em (from the font's hmtx table).
  assert.ok(Math.abs(textWidth('M', 2048, face) - 1767) < 1e-6, `${textWidth('M', 2048, face)}`);
});

test('vega-lite warnings are collected on the figure instead of printed', async () => {
  const f = await renderFigure(
    {
      ...lineSpec,
      encoding: {
        ...(lineSpec['encoding'] as object),
        size: { field: 'nope', type: 'quantitative', bin: 'x' },
      },
    },
    1,
  );
  assert.equal((await renderFigure(lineSpec, 1)).warnings.length, 0);
  assert.ok(f.warnings.length > 0, JSON.stringify(f.warnings));
});

test('an invalid spec fails with the function name in the message', async () => {
  await assert.rejects(() => renderFigure({ mark: 'nonsense-mark' }), /renderSvg/);
});

test('pngSize reads IHDR and rejects bytes that are not a PNG', () => {
  const ihdr = Buffer.from('89504e470d0a1a0a0000000d49484452000001f400000064', 'hex');
  assert.deepEqual(pngSize(ihdr), { width: 500, height: 100 });
  assert.throws(() => pngSize(Buffer.from('GIF89a-not-a-png-at-all')), /pngSize: not a PNG/);
});
