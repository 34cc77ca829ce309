import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findExperiment, resolveConfig, runExperiment } from 'nnlab';
import { p4, study } from './index.js';

const experiments = study.experiments;
const getExperiment = (id: string) => findExperiment(experiments, id);

test('the registry lists experiments in order with consistent defaults and fields', () => {
  const ids = experiments.map((e) => e.id);
  assert.deepEqual(ids, [...ids].sort());
  assert.ok(ids.length >= 1);
  for (const e of experiments) {
    assert.equal(getExperiment(e.id), e);
    assert.deepEqual(e.validate(e.defaults), [], `${e.id} defaults must be valid`);
    assert.deepEqual(
      e.fields.map((f) => f.name).sort(),
      Object.keys(e.defaults).sort(),
      `${e.id}: every config field is documented, and only those`,
    );
    resolveConfig(e, { quick: true });
  }
  assert.throws(() => getExperiment('p9'), /unknown experiment "p9"; known: /);
});

/** Without the wall-clock fields, which differ from run to run. */
function timeless(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(timeless);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !/seconds$/i.test(k))
      .map(([k, x]) => [k, timeless(x)]),
  );
}

test('runExperiment applies quick and overrides, and gives the same result inline and on 2 workers', async () => {
  const overrides = { variants: ['std-bn', 'dropout'], trainCount: 256, testCount: 128, trainEvalCount: 128 };
  const inline = await runExperiment(p4, overrides, { seed: 5, quick: true, workers: 1 });
  const pooled = await runExperiment(p4, overrides, { seed: 5, quick: true, workers: 2 });
  assert.equal(inline.config.epochs, 1, 'quick');
  assert.equal(inline.config.trainCount, 256, 'override over quick');
  assert.deepEqual(
    inline.runs.map((r) => r.variant),
    ['std-bn', 'dropout'],
  );
  assert.deepStrictEqual(timeless(pooled), timeless(inline));
  await assert.rejects(runExperiment(p4, { epochs: -1 }, { quick: true }), /p4: invalid config: epochs/);
});
