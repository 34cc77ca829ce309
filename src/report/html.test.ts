import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderFigures } from './build.js';
import { codeHtml, escapeHtml, markdownHtml, tableHtml, toHtml } from './html.js';
import { sampleDocument } from './sample-document.fixture.js';

const doc = sampleDocument();
const figures = await renderFigures(doc);
const html = toHtml(doc, figures);

test('the HTML is self-contained: no script, stylesheet link, external src, CSS url() or non-local href', () => {
  assert.ok(!/<script\b/i.test(html), 'no script');
  assert.ok(!/<link\b/i.test(html), 'no link element');
  assert.ok(!/\bsrc\s*=/i.test(html), 'no src attribute at all');
  assert.ok(!/url\((?!#)|@import/i.test(html), 'no CSS resources; url() only for local clip paths');
  // Many SVGs share one page, so their clip-path ids must not collide.
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
  assert.equal(new Set(ids).size, ids.length, 'element ids are unique');
  for (const m of html.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids.includes(m[1]!), `url(#${m[1]}) resolves`);
  assert.ok(html.includes('url(#'), 'the sample exercises clipped marks');
  // Hyperlinks to the references are navigation, not resources; every other href is a local "#" reference.
  for (const m of html.matchAll(/<(\w+)[^>]*?\s(?:xlink:)?href="([^"]*)"/g))
    if (m[1] !== 'a') assert.ok(m[2]!.startsWith('#'), `${m[1]} href=${m[2]}`);
});

test('the HTML holds every figure as inline SVG, typeset math, tables and escaped code', () => {
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  for (const [id, f] of figures)
    assert.ok(html.includes(`<figure id="fig-${id}"`) && html.includes(f.svg), id);
  assert.equal((html.match(/<svg[^>]*class="marks"/g) ?? []).length, figures.size);
  assert.ok((html.match(/class="display-math"/g) ?? []).length >= 2);
  assert.match(html, /<div class="display-math" title="\\begin\{aligned\}[^"]*"><svg/);
  assert.match(html, /<span class="math" title="v_1, \\dots, v_k"><svg/);
  assert.match(html, /<table>\n<caption>Final accuracy \(%\) per variant<\/caption>/);
  assert.ok(html.includes('<pre class="code"><code><span class="c">// Check ∂L/∂v'));
  assert.equal(codeHtml('a < b; // x<y\nc'), 'a &lt; b; <span class="c">// x&lt;y</span>\nc');
  assert.ok(html.includes('<h2 id="problem-1-softmax-activation-function">'));
  assert.ok(
    html.includes(
      '<li><a href="#problem-1-softmax-activation-function">Problem 1 — Softmax activation function</a><ul><li><a href="#1-1-the-jacobian-of-the-softmax">',
    ),
  );
  assert.ok(html.includes('<strong><em>both</em></strong>'));
});

test('escaping and Markdown to HTML', () => {
  assert.equal(escapeHtml(`<a href="x">&'</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  assert.equal(
    markdownHtml('- a `<b>`\n- **c**'),
    '<ul>\n<li>a <code>&lt;b&gt;</code></li>\n<li><strong>c</strong></li>\n</ul>',
  );
  assert.equal(markdownHtml('3. x'), '<ol start="3">\n<li>x</li>\n</ol>');
  // Captions take the same inline Markdown as the PDF (math, emphasis); cells stay plain text.
  const t = tableHtml({ kind: 'table', caption: 'Loss $L$ *per* run', columns: ['a<b'], rows: [['*x*']] });
  assert.match(t, /<caption>Loss <span class="math" title="L"><svg[^]*<\/span> <em>per<\/em> run<\/caption>/);
  assert.ok(t.includes('<th>a&lt;b</th>') && t.includes('<td>*x*</td>'));
});
