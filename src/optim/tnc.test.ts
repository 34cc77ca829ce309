// Compares the TNC port with scipy 1.10 on the problems recorded in tnc.fixture.json: the whole sequence of
// objective values, the final x, nfev, nit and status. Regenerate the fixture from the repository root with
//   OPENBLAS_NUM_THREADS=1 /usr/bin/python3 src/optim/tnc_reference.py > src/optim/tnc.fixture.json
// The objectives below repeat the script's operations in the same order, so values agree to rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { minimize, type FunAndGrad, type TncOptions } from './tnc.js';

interface Case {
  name: string;
  function: 'rosen' | 'powell' | 'beale';
  x0: number[];
  options: { maxfun?: number; maxCGit?: number; eta?: number };
  bounds: [number | null, number | null][] | null;
  evals: number[];
  x: number[];
  fun: number;
  nfev: number;
  nit: number;
  status: number;
  message: string;
  success: boolean;
}

const fixture = JSON.parse(
  readFileSync(new URL('../../src/optim/tnc.fixture.json', import.meta.url), 'utf8'),
) as {
  scipy: string;
  cases: Case[];
};

function rosen(x: Float64Array): FunAndGrad {
  const n = x.length;
  let f = 0;
  const g = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) {
    const t = x[i + 1] - x[i] * x[i];
    const u = 1 - x[i];
    f += 100 * t * t + u * u;
    g[i] += -400 * x[i] * t - 2 * u;
    g[i + 1] += 200 * t;
  }
  return [f, g];
}

function powell(x: Float64Array): FunAndGrad {
  const a = x[0] + 10 * x[1];
  const b = x[2] - x[3];
  const c = x[1] - 2 * x[2];
  const d = x[0] - x[3];
  const f = a * a + 5 * b * b + c * c * c * c + 10 * d * d * d * d;
  return [
    f,
    [2 * a + 40 * d * d * d, 20 * a + 4 * c * c * c, 10 * b - 8 * c * c * c, -10 * b - 40 * d * d * d],
  ];
}

function beale(x: Float64Array): FunAndGrad {
  const p = x[0];
  const q = x[1];
  const t1 = 1.5 - p + p * q;
  const t2 = 2.25 - p + p * q * q;
  const t3 = 2.625 - p + p * q * q * q;
  const f = t1 * t1 + t2 * t2 + t3 * t3;
  return {
    cost: f,
    grad: [
      2 * t1 * (q - 1) + 2 * t2 * (q * q - 1) + 2 * t3 * (q * q * q - 1),
      2 * t1 * p + 2 * t2 * (2 * p * q) + 2 * t3 * (3 * p * q * q),
    ],
  };
}

const functions = { rosen, powell, beale };

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

test('tnc fixture was made by scipy 1.10 and covers every stopping path we rely on', () => {
  assert.match(fixture.scipy, /^1\.10\./);
  const statuses = new Set(fixture.cases.map((c) => c.status));
  assert.ok(statuses.has(1) && statuses.has(3), `statuses ${[...statuses].join(',')}`);
  assert.ok(fixture.cases.length >= 8);
});

for (const c of fixture.cases) {
  test(`tnc matches scipy on ${c.name}`, () => {
    const evals: number[] = [];
    const fn = functions[c.function];
    const opts: TncOptions = { method: 'TNC', jac: true, ...c.options };
    if (c.bounds) opts.bounds = c.bounds;
    const r = minimize(
      (x) => {
        const out = fn(x);
        evals.push(Array.isArray(out) ? out[0] : out.cost);
        return out;
      },
      c.x0,
      opts,
    );
    assert.equal(r.nfev, evals.length, 'nfev counts the objective calls');
    assert.equal(evals.length, c.evals.length, `${c.name}: number of evaluations`);
    for (let i = 0; i < evals.length; i++) {
      // Function values near 0 are compared absolutely against the size of f at the start.
      const scale = Math.max(Math.abs(c.evals[i]), 1e-8 * Math.abs(c.evals[0]));
      assert.ok(
        Math.abs(evals[i] - c.evals[i]) <= 1e-8 * scale,
        `${c.name}: eval ${i}: ${evals[i]} vs scipy ${c.evals[i]}`,
      );
    }
    assert.equal(r.nfev, c.nfev);
    assert.equal(r.nit, c.nit);
    assert.equal(r.status, c.status);
    assert.equal(r.message, c.message);
    assert.equal(r.success, c.success);
    assert.ok(
      relErr(r.fun, c.fun) <= 1e-8 || Math.abs(r.fun - c.fun) <= 1e-8 * Math.abs(c.evals[0]),
      `fun ${r.fun} vs ${c.fun}`,
    );
    for (let i = 0; i < c.x.length; i++) {
      assert.ok(
        Math.abs(r.x[i] - c.x[i]) <= 1e-8 * Math.max(1, Math.abs(c.x[i])),
        `${c.name}: x[${i}] ${r.x[i]} vs ${c.x[i]}`,
      );
    }
    assert.equal(r.jac.length, c.x0.length);
  });
}

test('tnc finds the minimum of a convex quadratic and reports local-minimum/convergence success', () => {
  // f(x) = ½ Σ d_i (x_i − i)², minimum at x_i = i.
  const d = [1, 3, 10, 0.5, 2];
  const r = minimize(
    (x) => {
      let f = 0;
      const g = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) {
        f += 0.5 * d[i] * (x[i] - i) ** 2;
        g[i] = d[i] * (x[i] - i);
      }
      return [f, g];
    },
    [5, 5, 5, 5, 5],
    { method: 'TNC', jac: true, maxfun: 1000 },
  );
  assert.ok(r.success, r.message);
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(r.x[i] - i) < 1e-4, `x[${i}] = ${r.x[i]}`);
});

test('tnc rejects bad arguments with the offending values', () => {
  const f = (x: Float64Array): FunAndGrad => [x[0] * x[0], [2 * x[0]]];
  assert.throws(
    () => minimize(f, [1], { method: 'TNC', jac: true, bounds: [] }),
    /length of x0 \(1\) != length of bounds \(0\)/,
  );
  assert.throws(
    () => minimize(() => [0, [1, 2]], [1], { method: 'TNC', jac: true }),
    /gradient has length 2, expected 1/,
  );
  const r = minimize(f, [1], { method: 'TNC', jac: true, bounds: [[2, 1]] });
  assert.equal(r.status, -1);
  assert.equal(r.success, false);
});
