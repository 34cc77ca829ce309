import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInline, parseMarkdown, plainText } from './markdown.js';

const t = (text: string, bold = false, italic = false) => ({ kind: 'text' as const, text, bold, italic });

test('inline runs: bold, italic, code, math, link and escapes', () => {
  assert.deepEqual(parseInline('a **b** *c* ***d*** `e*f` $x_1^2$ [g](https://h.io/x) \\$ \\*'), [
    t('a '),
    t('b', true),
    t(' '),
    t('c', false, true),
    t(' '),
    t('d', true, true),
    t(' '),
    { kind: 'code', text: 'e*f' },
    t(' '),
    { kind: 'math', tex: 'x_1^2' },
    t(' '),
    { kind: 'link', text: 'g', url: 'https://h.io/x' },
    t(' $ *'),
  ]);
});

test('unmatched markers and currency dollars stay literal text', () => {
  assert.deepEqual(parseInline('2 * 3 = 6, costs $5 and $6, a lone ` tick'), [
    t('2 * 3 = 6, costs $5 and $6, a lone ` tick'),
  ]);
  assert.deepEqual(parseInline('$ x$ is not math'), [t('$ x$ is not math')]);
  assert.deepEqual(parseInline('snake_case_name and _it_'), [
    t('snake_case_name and '),
    t('it', false, true),
  ]);
});

test('blocks: paragraphs joined across lines, lists with continuation, display math over lines', () => {
  const src = [
    'First line',
    'same paragraph.',
    '',
    '$$o_i = \\frac{a}{b}$$',
    '1. one',
    '   continued',
    '2. two',
    '- bullet',
    '',
    '$$',
    '\\begin{cases} a \\\\ b \\end{cases}',
    '$$',
    'Last.',
  ].join('\n');
  assert.deepEqual(parseMarkdown(src), [
    { kind: 'paragraph', runs: [t('First line same paragraph.')] },
    { kind: 'math', tex: 'o_i = \\frac{a}{b}' },
    { kind: 'list', ordered: true, start: 1, items: [[t('one continued')], [t('two')]] },
    { kind: 'list', ordered: false, start: 1, items: [[t('bullet')]] },
    { kind: 'math', tex: '\\begin{cases} a \\\\ b \\end{cases}' },
    { kind: 'paragraph', runs: [t('Last.')] },
  ]);
});

test('a numbered list keeps its start number; an unclosed $$ is an error naming the parser', () => {
  const [l] = parseMarkdown('3. c\n4. d');
  assert.ok(l && l.kind === 'list' && l.start === 3 && l.items.length === 2);
  assert.throws(() => parseMarkdown('$$\\frac{a}{b}\nno end'), /parseMarkdown: display math/);
});

test('$$…$$ inside a paragraph becomes inline math, not stray dollars', () => {
  assert.deepEqual(parseInline('so $$x^2$$ holds'), [t('so '), { kind: 'math', tex: 'x^2' }, t(' holds')]);
});

test('plainText keeps math as TeX source', () => {
  assert.equal(plainText(parseInline('Loss $L$ is **low**')), 'Loss L is low');
});
