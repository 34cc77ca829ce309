import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceBackend } from '../kernels/index.js';
import { Rng } from '../util/rng.js';
import { Conv2D } from './layers/conv2d.js';
import { Dense } from './layers/dense.js';
import {
  GlorotNormal,
  RandomNormal,
  RandomUniform,
  resolveInitializer,
  type InitializerSpec,
} from './initializers.js';

function stats(a: ArrayLike<number>): {
  mean: number;
  std: number;
  maxAbs: number;
  min: number;
  max: number;
} {
  let s = 0;
  let s2 = 0;
  let maxAbs = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < a.length; i++) {
    s += a[i];
    s2 += a[i] * a[i];
    maxAbs = Math.max(maxAbs, Math.abs(a[i]));
    min = Math.min(min, a[i]);
    max = Math.max(max, a[i]);
  }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean), maxAbs, min, max };
}

const N = 200_000;
function draw(spec: InitializerSpec, fanIn: number, fanOut: number): Float64Array {
  const out = new Float64Array(N);
  resolveInitializer(spec, 'test').fill(out, { fanIn, fanOut }, new Rng(3));
  return out;
}

test('variance-scaling initialisers have the Keras standard deviations and bounds', () => {
  const fi = 300;
  const fo = 100;
  const near = (a: number, b: number, what: string): void =>
    assert.ok(Math.abs(a / b - 1) < 0.01, `${what}: ${a} vs ${b}`);
  const cases: [InitializerSpec, number, number | null][] = [
    ['glorotNormal', Math.sqrt(2 / (fi + fo)), 2 / 0.87962566103423978],
    ['heNormal', Math.sqrt(2 / fi), 2 / 0.87962566103423978],
    ['lecunNormal', Math.sqrt(1 / fi), 2 / 0.87962566103423978],
    ['glorotUniform', Math.sqrt(6 / (fi + fo)) / Math.sqrt(3), Math.sqrt(3)],
    ['heUniform', Math.sqrt(6 / fi) / Math.sqrt(3), Math.sqrt(3)],
  ];
  for (const [spec, std, boundInStd] of cases) {
    const s = stats(draw(spec, fi, fo));
    near(s.std, std, `${spec} std`);
    assert.ok(Math.abs(s.mean) < 0.01 * std, `${spec} mean ${s.mean}`);
    if (boundInStd !== null) {
      assert.ok(s.maxAbs <= boundInStd * std * (1 + 1e-12), `${spec} max |w| ${s.maxAbs}`);
      assert.ok(s.maxAbs > 0.98 * boundInStd * std, `${spec} reaches its bound`);
    }
  }
  const rn = stats(draw(new RandomNormal({ mean: 1, stddev: 0.5 }), 1, 1));
  near(rn.std, 0.5, 'RandomNormal std');
  near(rn.mean, 1, 'RandomNormal mean');
  assert.ok(rn.maxAbs > 1 + 4 * 0.5, 'RandomNormal is not truncated');
  const ru = stats(draw(new RandomUniform({ minval: -0.2, maxval: 0.6 }), 1, 1));
  assert.ok(ru.min >= -0.2 && ru.max < 0.6 && ru.min < -0.199 && ru.max > 0.599);
  assert.deepEqual([...new Set(draw('zeros', 1, 1))], [0]);
  assert.deepEqual([...new Set(draw('ones', 1, 1))], [1]);
  assert.equal(new GlorotNormal().name, 'glorotNormal');
});

test('layers compute fans as Keras: dense [in, out]; conv fanIn = cIn·kh·kw, fanOut = cOut·kh·kw', () => {
  const ctx = {
    backend: referenceBackend,
    dtype: 'float64' as const,
    initRng: new Rng(1),
    noise: { rng: new Rng(2) },
  };
  const conv = new Conv2D({ filters: 40, kernelSize: 5, kernelInitializer: 'heUniform' });
  conv.name = 'c';
  conv.build([30, 9, 9], ctx);
  const limit = Math.sqrt(6 / (30 * 25));
  const cs = stats(conv.weights[0].value.data);
  assert.ok(
    cs.maxAbs <= limit && cs.maxAbs > 0.99 * limit,
    `conv heUniform max ${cs.maxAbs} vs limit ${limit}`,
  );
  const dense = new Dense({ units: 200, kernelInitializer: 'glorotUniform' });
  dense.name = 'd';
  dense.build([600], { ...ctx, initRng: new Rng(3) });
  const dl = Math.sqrt(6 / 800);
  const ds = stats(dense.weights[0].value.data);
  assert.ok(ds.maxAbs <= dl && ds.maxAbs > 0.99 * dl, `dense glorotUniform max ${ds.maxAbs} vs limit ${dl}`);
  assert.deepEqual([...new Set(dense.weights[1].value.data)], [0], 'biases start at zero');
});

test('unknown initialiser names and bad parameters are rejected', () => {
  assert.throws(
    () => resolveInitializer('glorot' as 'zeros', 'Dense'),
    /Dense: unknown initializer "glorot" \(one of zeros, ones/,
  );
  assert.throws(() => new RandomNormal({ stddev: -1 }), /RandomNormal: stddev must be ≥ 0, got -1/);
  assert.throws(
    () => new RandomUniform({ minval: 1, maxval: 0 }),
    /RandomUniform: need minval ≤ maxval, got 1 > 0/,
  );
});
