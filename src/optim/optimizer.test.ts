import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceBackend } from '../kernels/index.js';
import type { Param } from './param.js';
import { Tensor } from '../tensor/tensor.js';
import { Adam } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';

const opts = { dtype: 'float64' as const, backend: referenceBackend };

/** Gradients that change every step: g_t = w·(t+1)·0.3 + sin(t + i). */
function setGrad(p: Param, t: number): void {
  for (let i = 0; i < p.value.size; i++) p.grad.data[i] = p.value.data[i] * (t + 1) * 0.3 + Math.sin(t + i);
}

function run(opt: Optimizer, steps: number, lrs: number[]): number[] {
  const p: Param = { value: Tensor.fromArray([0.5, -1, 2], [3], opts), grad: Tensor.zeros([3], opts) };
  for (let t = 0; t < steps; t++) {
    opt.learningRate = lrs[t % lrs.length];
    setGrad(p, t);
    opt.step([p]);
  }
  return p.value.toArray();
}

/** The same trajectory written out in plain JS from the textbook formulas. */
function plain(
  kind: 'sgd' | 'momentum' | 'nesterov' | 'adam',
  steps: number,
  lrs: number[],
  mu = 0.9,
): number[] {
  const w = [0.5, -1, 2];
  const v = [0, 0, 0];
  const m = [0, 0, 0];
  for (let t = 0; t < steps; t++) {
    const lr = lrs[t % lrs.length];
    for (let i = 0; i < 3; i++) {
      const g = w[i] * (t + 1) * 0.3 + Math.sin(t + i);
      if (kind === 'sgd') w[i] -= lr * g;
      else if (kind === 'adam') {
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.999 * v[i] + 0.001 * g * g;
        const mh = m[i] / (1 - 0.9 ** (t + 1));
        const vh = v[i] / (1 - 0.999 ** (t + 1));
        w[i] -= (lr * mh) / (Math.sqrt(vh) + 1e-7);
      } else {
        v[i] = mu * v[i] - lr * g;
        w[i] += kind === 'nesterov' ? mu * v[i] - lr * g : v[i];
      }
    }
  }
  return w;
}

function close(a: number[], b: number[]): void {
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-12 * Math.max(1, Math.abs(b[i])), `${a} vs ${b}`));
}

test('SGD (plain, momentum, Nesterov) and Adam follow the textbook updates, with per-step learning rates', () => {
  const lrs = [0.1, 0.05, 0.02];
  close(run(new SGD({ learningRate: 0.1 }), 7, lrs), plain('sgd', 7, lrs));
  close(run(new SGD({ learningRate: 0.1, momentum: 0.9 }), 7, lrs), plain('momentum', 7, lrs));
  close(
    run(new SGD({ learningRate: 0.1, momentum: 0.8, nesterov: true }), 7, lrs),
    plain('nesterov', 7, lrs, 0.8),
  );
  close(run(new Adam({ learningRate: 0.01 }), 7, lrs), plain('adam', 7, lrs));
});

test('getState/setState continues a trajectory exactly, also into a fresh optimizer before its first step', () => {
  for (const make of [() => new SGD({ momentum: 0.9 }), () => new Adam()]) {
    const p = (): Param => ({
      value: Tensor.fromArray([0.5, -1, 2], [3], opts),
      grad: Tensor.zeros([3], opts),
    });
    const a = make();
    const pa = p();
    for (let t = 0; t < 6; t++) {
      setGrad(pa, t);
      a.step([pa]);
    }
    const b = make();
    const pb = p();
    for (let t = 0; t < 3; t++) {
      setGrad(pb, t);
      b.step([pb]);
    }
    const c = make();
    c.setState(structuredClone(b.getState()));
    assert.equal(c.iterations, 3);
    for (let t = 3; t < 6; t++) {
      setGrad(pb, t);
      c.step([pb]);
    }
    assert.deepEqual(pb.value.toArray(), pa.value.toArray());
  }
  assert.throws(
    () => new SGD().setState(new Adam().getState()),
    /sgd.setState: state is for a adam optimizer/,
  );
});

test('optimizer arguments are checked', () => {
  assert.throws(() => new SGD({ learningRate: -1 }), /SGD: learningRate must be a finite number ≥ 0, got -1/);
  assert.throws(() => new SGD({ momentum: 1 }), /SGD: momentum must be in \[0, 1\), got 1/);
  assert.throws(() => new SGD({ nesterov: true }), /nesterov needs momentum > 0/);
  assert.throws(() => new Adam({ beta2: 1 }), /Adam: beta2 must be in \[0, 1\)/);
  const o = new SGD();
  o.learningRate = NaN;
  assert.throws(() => o.step([]), /sgd.step: learningRate must be a finite number ≥ 0, got NaN/);
});
