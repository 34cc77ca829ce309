import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type AnyExperiment, type Config } from '../experiment/index.js';
import { reportMeta } from './report.js';
import type { StoredResult } from './store.js';

/** Two experiments with quick presets, as a study would define them. */
const experiments: AnyExperiment[] = [
  {
    id: 'p1',
    title: 'p1',
    defaults: { n: 10 },
    quick: { n: 2 },
    fields: [],
    validate: () => [],
    run: async () => null,
  },
  {
    id: 'p4',
    title: 'p4',
    defaults: { variants: ['bn', 'dropout'], epochs: 10 },
    quick: { epochs: 1 },
    fields: [],
    validate: () => [],
    run: async () => null,
  },
];
const getExperiment = (id: string): AnyExperiment => experiments.find((e) => e.id === id) as AnyExperiment;

function stored(id: string, quick: boolean, seed: number, change: Config = {}): StoredResult {
  const config = { ...resolveConfig(getExperiment(id), { quick }), ...change };
  return {
    id,
    title: id,
    nnlabVersion: '0',
    seed,
    quick,
    config,
    wallSeconds: 2,
    workers: 2,
    finishedAt: '',
    result: null,
  };
}

test('reportMeta: the preset, then each setting that differs from it, and differing seeds', () => {
  assert.equal(reportMeta(experiments, [stored('p1', false, 1), stored('p4', false, 1)]).scale, 'full');
  const m = reportMeta(experiments, [
    stored('p1', true, 1),
    stored('p4', true, 1, { epochs: 2, variants: ['dropout'] }),
  ]);
  assert.equal(m.scale, 'quick, p4.variants=["dropout"], p4.epochs=2');
  assert.equal(m.seed, 1);
  assert.deepEqual(m.wallSeconds, { p1: 2, p4: 2 });
  const mixed = reportMeta(experiments, [stored('p1', false, 1), stored('p4', true, 7)]);
  assert.equal(mixed.scale, 'p1 full, p4 quick, seeds p1 1, p4 7');
});
