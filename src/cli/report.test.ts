import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type AnyExperiment, type Config } from '../experiment/index.js';
import { changedSettings } from './report.js';
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

test('changedSettings: each setting that differs from its preset, as ID.KEY=JSON', () => {
  assert.deepEqual(changedSettings(experiments, stored('p4', false, 1)), []);
  assert.deepEqual(
    changedSettings(experiments, stored('p4', true, 1, { epochs: 2, variants: ['dropout'] })),
    ['p4.variants=["dropout"]', 'p4.epochs=2'],
  );
  // Strings as `--set` takes them (no quotes), so the notebook's injected settings resolve to the same config.
  assert.deepEqual(changedSettings(experiments, stored('p1', false, 1, { mode: 'fast' })), ['p1.mode=fast']);
  // The quick preset itself is no change.
  assert.deepEqual(changedSettings(experiments, stored('p1', true, 3)), []);
});
