import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from './rng.js';

// Known values from an independent Python transcription of splitmix32 seeding + xoshiro128**
// (Blackman & Vigna's reference algorithm), so a change to the stream is caught, not just self-consistency.
test('nextUint32 reproduces the reference xoshiro128** stream for several seeds', () => {
  const expected: [number, number[]][] = [
    [1, [2442144158, 3238099751, 3819917871, 2104621829, 2021136066]],
    [42, [2837322924, 544945897, 479756282, 3500138142, 339756180]],
    [2 ** 33 + 5, [1814540186, 2079361642, 1717809932, 781347505, 2385578570]],
  ];
  for (const [seed, values] of expected) {
    const r = new Rng(seed);
    assert.deepEqual(
      values.map(() => r.nextUint32()),
      values,
      `seed ${seed}`,
    );
  }
});

test('uniform() combines two draws into 53 random bits in [0, 1)', () => {
  const r = new Rng(7);
  assert.deepEqual(
    [r.uniform(), r.uniform(), r.uniform()],
    [0.2338277214186818, 0.44891458133395923, 0.5656696667785289],
  );
});

test('uniform and normal draws have the moments of U[0,1) and N(mean, std)', () => {
  const r = new Rng(3);
  const n = 200_000;
  let su = 0;
  let suu = 0;
  let sn = 0;
  let snn = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    su += u;
    suu += u * u;
    const z = r.normal(2, 3);
    sn += z;
    snn += z * z;
  }
  // Tolerances are ~5 standard errors of each estimate.
  assert.ok(Math.abs(su / n - 0.5) < 5 * Math.sqrt(1 / 12 / n));
  assert.ok(Math.abs(suu / n - su ** 2 / n ** 2 - 1 / 12) < 0.002);
  assert.ok(Math.abs(sn / n - 2) < 5 * (3 / Math.sqrt(n)));
  assert.ok(Math.abs(Math.sqrt(snn / n - (sn / n) ** 2) - 3) < 0.03);
});

test('truncatedNormal stays within two standard deviations', () => {
  const r = new Rng(5);
  for (let i = 0; i < 10_000; i++) assert.ok(Math.abs(r.truncatedNormal(1, 0.5) - 1) <= 1);
});

test('permutation is a permutation, and int stays in range', () => {
  const r = new Rng(11);
  const p = r.permutation(1000);
  assert.deepEqual(
    Array.from(p).sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  for (let i = 0; i < 1000; i++) {
    const k = r.int(7);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
  }
  assert.throws(() => r.int(0), /Rng\.int: n must be a positive integer, got 0/);
  assert.throws(() => new Rng(Number.NaN), /Rng: seed must be a finite number, got NaN/);
});

test('state()/fromState() resume the stream exactly, including a pending Box–Muller half', () => {
  const r = new Rng(9);
  r.normal();
  const resumed = Rng.fromState(r.state());
  for (let i = 0; i < 10; i++) assert.equal(resumed.normal(), r.normal());
});

test('derive(i) gives distinct reproducible streams and leaves the parent untouched', () => {
  const parent = new Rng(1);
  const before = parent.state();
  const a = parent.derive(0).nextUint32();
  const b = parent.derive(1).nextUint32();
  assert.notEqual(a, b);
  assert.equal(new Rng(1).derive(0).nextUint32(), a);
  assert.deepEqual(parent.state(), before);
});
