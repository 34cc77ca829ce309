import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Config, Experiment } from './types.js';
import { ConfigError, executeExperiment, parseSetting, resolveConfig, type AnyExperiment } from './index.js';

interface FakeConfig extends Config {
  epochs: number;
  rate: number;
  name: string;
  shuffle: boolean;
  lrs: number[];
  variants: string[];
  matPath: string | null;
  clr: { stepSize: number; mode: string };
}

const fake: Experiment<FakeConfig, { sum: number }> = {
  id: 'px',
  title: 'fake',
  defaults: {
    epochs: 10,
    rate: 0.05,
    name: 'a',
    shuffle: true,
    lrs: [1e-9, 0.1, 1],
    variants: ['x', 'y'],
    matPath: null,
    clr: { stepSize: 4, mode: 'exp' },
  },
  quick: { epochs: 1 },
  fields: [],
  validate: (c) =>
    Number.isInteger(c.epochs) && c.epochs > 0 ? [] : [`epochs must be a positive integer, got ${c.epochs}`],
  async run(c, seed, ctx) {
    ctx.progress({ label: 'fake', done: 1, total: 1, unit: 'step' });
    return { sum: c.epochs + c.rate + seed + ctx.workers };
  },
};
const exp = fake as AnyExperiment;
const set = (...args: string[]): Config => resolveConfig(exp, { settings: args.map(parseSetting) });

test('config layers: defaults ← quick ← overrides ← --set', () => {
  assert.equal(resolveConfig(exp).epochs, 10);
  assert.equal(resolveConfig(exp, { quick: true }).epochs, 1);
  assert.equal(resolveConfig(exp, { quick: true, overrides: { epochs: 3 } }).epochs, 3);
  const c = resolveConfig(exp, {
    quick: true,
    overrides: { epochs: 3 },
    settings: [parseSetting('px.epochs=5')],
  });
  assert.equal(c.epochs, 5);
  assert.equal(fake.defaults.epochs, 10, 'defaults are not mutated');
});

test('--set parses values by the type of the default', () => {
  const c = set(
    'px.rate=1e-3',
    'px.name=hello=world',
    'px.shuffle=false',
    'px.lrs=[0.01, 0.1]',
    'px.variants=x, y ,z',
    'px.matPath=/data/ex4data1.mat',
    'px.clr.stepSize=8',
  );
  assert.equal(c.rate, 0.001);
  assert.equal(c.name, 'hello=world');
  assert.equal(c.shuffle, false);
  assert.deepEqual(c.lrs, [0.01, 0.1]);
  assert.deepEqual(c.variants, ['x', 'y', 'z']);
  assert.equal(c.matPath, '/data/ex4data1.mat');
  assert.deepEqual(c.clr, { stepSize: 8, mode: 'exp' });
  assert.deepEqual(set('px.lrs=1,2.5').lrs, [1, 2.5]);
  assert.deepEqual(set('px.clr={"mode":"tri"}').clr, { stepSize: 4, mode: 'tri' });
});

test('--set rejects wrong types with the key, the value and the expected type', () => {
  assert.throws(
    () => set('px.rate=fast'),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /px\.rate=fast: expected a number \(the default is 0\.05\)/);
      return true;
    },
  );
  assert.throws(() => set('px.rate='), /px\.rate=: expected a number/);
  assert.throws(() => set('px.rate=Infinity'), /expected a number/);
  assert.throws(() => set('px.shuffle=yes'), /px\.shuffle=yes: expected a boolean/);
  assert.throws(() => set('px.lrs=0.1,big'), /px\.lrs\[1\]=big: expected a number/);
  assert.throws(() => set('px.lrs=["a"]'), /px\.lrs\[0\]: expected a number .* got "a"/);
  assert.throws(() => set('px.lrs=[1,'), /px\.lrs=\[1,: expected a list of numbers/);
  assert.throws(() => set('px.clr.stepSize=big'), /px\.clr\.stepSize=big: expected a number/);
  assert.throws(() => set('px.name.x=1'), /px\.name is not a record/);
});

test('unknown keys and malformed settings are rejected with the valid ones listed', () => {
  assert.throws(
    () => set('px.epoch=3'),
    /px has no setting "epoch"; valid: epochs, rate, name, shuffle, lrs, variants, matPath, clr/,
  );
  assert.throws(() => set('px.clr.step=3'), /px\.clr has no setting "step"; valid: stepSize, mode/);
  assert.throws(() => set('px.clr={"step":3}'), /no key "step"; valid keys: stepSize, mode/);
  assert.throws(() => parseSetting('epochs=3'), /expected EXPERIMENT\.KEY=VALUE/);
  assert.throws(() => parseSetting('px.epochs'), /expected EXPERIMENT\.KEY=VALUE/);
  assert.throws(() => resolveConfig(exp, { overrides: { epoch: 3 } }), /override px\.epoch: no such setting/);
  assert.throws(
    () => resolveConfig(exp, { overrides: { rate: '0.1' } }),
    /override px\.rate: expected a number/,
  );
  assert.throws(() => resolveConfig(exp, { settings: [parseSetting('p4.epochs=1')] }), /not for px/);
});

test("the experiment's own validate() runs last", () => {
  assert.throws(
    () => set('px.epochs=2.5'),
    /px: invalid config: epochs must be a positive integer, got 2\.5/,
  );
});

test('executeExperiment passes seed, workers and progress through', async () => {
  const seen: string[] = [];
  const r = await executeExperiment(exp, resolveConfig(exp), {
    seed: 7,
    workers: 1,
    onProgress: (k) => seen.push(k),
  });
  assert.deepEqual(r, { sum: 10 + 0.05 + 7 + 1 });
  assert.deepEqual(seen, ['px']);
});
