import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyExperiment } from '../experiment/index.js';
import { gridPoints, parseGridAxis, parseSeeds } from './run.js';

test('parseSeeds: ranges and lists; bad text is refused with the expected forms', () => {
  assert.deepEqual(parseSeeds('1-4'), [1, 2, 3, 4]);
  assert.deepEqual(parseSeeds('3'), [3]);
  assert.deepEqual(parseSeeds('5, 1,5'), [5, 1]);
  assert.throws(() => parseSeeds('4-1'), /range "4-1" must be A-B with A ≤ B/);
  assert.throws(() => parseSeeds('a,b'), /"a,b" must be A-B or a list like 1,2,5/);
});

test('parseGridAxis: KEY=v1,v2 with or without the experiment id', () => {
  assert.deepEqual(parseGridAxis('p4.learningRate=0.01, 0.1', 'p4'), {
    key: 'learningRate',
    values: ['0.01', '0.1'],
  });
  assert.deepEqual(parseGridAxis('batchSize=32', 'p4'), { key: 'batchSize', values: ['32'] });
  assert.throws(() => parseGridAxis('learningRate', 'p4'), /expected KEY=v1,v2/);
  assert.throws(() => parseGridAxis('learningRate=', 'p4'), /no values/);
});

const exp = {
  id: 'toy',
  title: 'toy',
  defaults: { lr: 0.1, bs: 32, lrs: [0.5], epochs: 3 },
  quick: { epochs: 1 },
  fields: [],
  validate: (c: { lr: number }) => (c.lr > 0 ? [] : [`lr must be > 0, got ${c.lr}`]),
  run: () => Promise.resolve(null),
} as unknown as AnyExperiment;

test('gridPoints: the product of the axes, typed like the defaults, named by their settings; bad values refused', () => {
  const points = gridPoints(
    exp,
    true,
    [],
    [
      { key: 'lr', values: ['0.01', '0.1'] },
      { key: 'lrs', values: ['0.2', '[0.3,0.4]'] },
    ],
  );
  assert.deepEqual(
    points.map((p) => p.name),
    ['lr=0.01,lrs=0.2', 'lr=0.01,lrs=[0.3,0.4]', 'lr=0.1,lrs=0.2', 'lr=0.1,lrs=[0.3,0.4]'],
  );
  assert.deepEqual(points[1].settings, { lr: 0.01, lrs: [0.3, 0.4] });
  assert.equal(points[0].config.epochs, 1, '--quick applies');
  assert.equal(points[0].config.bs, 32);
  assert.throws(() => gridPoints(exp, false, [], [{ key: 'lr', values: ['fast'] }]), /expected a number/);
  assert.throws(() => gridPoints(exp, false, [], [{ key: 'lr', values: ['-1'] }]), /lr must be > 0, got -1/);
  assert.throws(
    () => gridPoints(exp, false, [], [{ key: 'nope', values: ['1'] }]),
    /toy has no setting "nope"/,
  );
});
