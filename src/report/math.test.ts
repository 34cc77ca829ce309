import { test } from 'node:test';
import assert from 'node:assert/strict';
import { texToSvg } from './math.js';

test('TeX typesets to path-only SVG with sizes in ex; display fractions are taller than inline ones', () => {
  const inline = texToSvg('\\frac{\\partial L}{\\partial v_i} = o_i - y_i', false);
  const display = texToSvg('\\frac{\\partial L}{\\partial v_i} = o_i - y_i', true);
  assert.equal(inline.error, undefined);
  assert.match(inline.svg, /^<svg[^>]*viewBox="[^"]+"/);
  assert.ok(inline.svg.includes('<path'), 'glyphs are paths');
  assert.ok(!inline.svg.includes('<use'), 'no font cache references');
  assert.ok(inline.widthEx > 5 && inline.heightEx > 1 && inline.depthEx > 0);
  assert.ok(display.heightEx > inline.heightEx, `${display.heightEx} > ${inline.heightEx}`);
});

test('cases, aligned and sums parse; a TeX error is reported, not thrown', () => {
  for (const tex of [
    '\\phi(z) = \\begin{cases} z & \\text{if } z > 0 \\\\ 0.01z & \\text{if } z \\leq 0 \\end{cases}',
    '\\begin{aligned} a &= \\sum_{j=1}^k b_j \\\\ &= c \\end{aligned}',
  ])
    assert.equal(texToSvg(tex, true).error, undefined, tex);
  const bad = texToSvg('\\frac{a', true);
  assert.match(bad.error ?? '', /brace/i);
  assert.ok(bad.svg.startsWith('<svg'));
});

test('results are memoised per formula and style', () => {
  assert.equal(texToSvg('x^2', false), texToSvg('x^2', false));
  assert.notEqual(texToSvg('x^2', false), texToSvg('x^2', true));
});
