import { test } from 'node:test';
import assert from 'node:assert/strict';
import { figureCaption } from './caption.js';

test('a caption is printed only when the chart does not already show the same title', () => {
  const fig = (title: unknown) => ({
    kind: 'figure' as const,
    id: 'f',
    title: 'Loss per epoch',
    spec: title === undefined ? {} : { title },
  });
  assert.equal(figureCaption(fig(undefined)), 'Loss per epoch');
  assert.equal(figureCaption(fig('Something else')), 'Loss per epoch');
  assert.equal(figureCaption(fig('Loss per epoch')), null);
  assert.equal(figureCaption(fig({ text: 'Loss per epoch', subtitle: 'x' })), null);
  assert.equal(figureCaption(fig(['Loss per', 'epoch'])), null);
});
