// Every wasm kernel against the reference on random data, odd shapes included. Inputs are drawn once,
// rounded to float32, and the reference runs in float64 on the same values, so the only difference is the
// kernels' float32 arithmetic.
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { referenceBackend as R } from './reference.js';
import { wasmBackend as W, wasmBytesInUse, wasmConvAlgorithm, wasmKernelVariant } from './wasm.js';
import type { ActivationKind, ConvGeometry, FloatArray, PoolGeometry } from './backend.js';

const rng = new Rng(20261201);

/** A wasm float32 array of random normals and its exact float64 copy. */
function pair(len: number, scale = 1): [Float32Array, Float64Array] {
  const a = W.alloc('float32', len) as Float32Array;
  for (let i = 0; i < len; i++) a[i] = rng.normal(0, scale);
  return [a, Float64Array.from(a)];
}
function zeros(len: number): [Float32Array, Float64Array] {
  return [W.alloc('float32', len) as Float32Array, new Float64Array(len)];
}

/** max |a − b| ≤ tol · max(1, max |b|). */
function near(what: string, a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  assert.equal(a.length, b.length, `${what}: length`);
  let maxAbs = 1;
  for (let i = 0; i < b.length; i++) maxAbs = Math.max(maxAbs, Math.abs(b[i]));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < b.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (!(e <= worst)) {
      worst = e;
      at = i;
    }
  }
  assert.ok(
    worst <= tol * maxAbs,
    `${what}: max error ${worst} at ${at} (${a[at]} vs ${b[at]}), allowed ${tol * maxAbs}`,
  );
}
const f32tol = (k: number): number => 2e-6 * (k + 8);

test('gemm f32 and f64 match the reference for all transposes, odd sizes, alpha/beta, k beyond one block', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 7, 17],
    [17, 33, 3],
    [7, 1, 33],
    [33, 17, 7],
    [16, 16, 16],
    [2, 20, 300],
    [40, 50, 300],
    [37, 45, 9],
    [5, 100, 150],
  ];
  for (const [m, n, k] of shapes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        for (const [alpha, beta] of [
          [1, 0],
          [0.5, 1],
          [-1.5, 0.25],
        ]) {
          const tag = `gemm ${m}×${n}×${k} tA=${ta} tB=${tb} α=${alpha} β=${beta}`;
          const [a, a64] = pair(m * k);
          const [b, b64] = pair(k * n);
          const [c, c64] = pair(m * n);
          if (beta === 0) c.fill(NaN); // must not leak into the result
          R.gemm(ta, tb, m, n, k, alpha, a64, b64, beta, c64);
          W.gemm(ta, tb, m, n, k, alpha, a, b, beta, c);
          near(`${tag} f32`, c, c64, f32tol(k));
          const a2 = W.alloc('float64', m * k);
          const b2 = W.alloc('float64', k * n);
          const c2 = W.alloc('float64', m * n);
          a2.set(a64);
          b2.set(b64);
          const c2ref = new Float64Array(m * n);
          for (let i = 0; i < m * n; i++) c2[i] = c2ref[i] = rng.normal();
          R.gemm(ta, tb, m, n, k, alpha, a64, b64, beta, c2ref);
          W.gemm(ta, tb, m, n, k, alpha, a2, b2, beta, c2);
          near(`${tag} f64`, c2, c2ref, 1e-13 * (k + 8));
          for (const x of [a, b, c, a2, b2, c2]) W.free(x);
        }
      }
    }
  }
});

function conv(
  n: number,
  cIn: number,
  h: number,
  w: number,
  cOut: number,
  kh: number,
  kw: number,
  s: number,
  pt: number,
  pl: number,
  outH: number,
  outW: number,
): ConvGeometry {
  return { n, cIn, h, w, cOut, kh, kw, strideH: s, strideW: s, padTop: pt, padLeft: pl, outH, outW };
}

test('conv2d forward and both backward passes match the reference (same, valid, stride 2, odd, 1×1)', () => {
  const geos: ConvGeometry[] = [
    conv(2, 1, 28, 28, 6, 5, 5, 1, 2, 2, 28, 28), // LeNet conv1, 'same'
    conv(3, 6, 14, 14, 16, 5, 5, 1, 0, 0, 10, 10), // LeNet conv2, 'valid'
    conv(2, 3, 9, 11, 5, 3, 3, 2, 1, 1, 5, 6), // stride 2 with padding
    conv(1, 2, 7, 9, 3, 3, 2, 2, 0, 0, 3, 4), // stride 2 valid, non-square kernel
    conv(2, 3, 7, 5, 7, 2, 3, 1, 1, 0, 8, 3), // asymmetric padding
    conv(2, 4, 5, 3, 3, 1, 1, 1, 0, 0, 5, 3), // pointwise
    conv(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1),
    conv(2, 3, 9, 7, 8, 3, 2, 1, 1, 0, 9, 6), // 8 channels, padding on one axis
    conv(1, 2, 5, 5, 4, 3, 3, 1, 1, 1, 5, 5), // 4 channels, 'same'
    conv(2, 5, 6, 11, 12, 3, 3, 1, 0, 1, 4, 11), // 12 channels = 3 blocks of 4, odd width
  ];
  for (const [algo, g] of geos.flatMap((g) =>
    (['im2col', 'direct', 'channels'] as const).map((a) => [a, g] as const),
  )) {
    wasmConvAlgorithm(algo);
    const tag = `conv ${algo} ${JSON.stringify(g)}`;
    const xl = g.n * g.cIn * g.h * g.w;
    const wl = g.cOut * g.cIn * g.kh * g.kw;
    const yl = g.n * g.cOut * g.outH * g.outW;
    const q = g.cIn * g.kh * g.kw;
    const [x, x64] = pair(xl);
    const [w, w64] = pair(wl);
    const [b, b64] = pair(g.cOut);
    for (const bias of [true, false]) {
      const [y, y64] = pair(yl);
      R.conv2dForward(g, x64, w64, bias ? b64 : null, y64);
      W.conv2dForward(g, x, w, bias ? b : null, y);
      near(`${tag} forward bias=${bias}`, y, y64, f32tol(q));
      W.free(y);
    }
    const [dy, dy64] = pair(yl);
    const [dx, dx64] = pair(xl);
    R.conv2dBackwardInput(g, dy64, w64, dx64);
    W.conv2dBackwardInput(g, dy, w, dx);
    near(`${tag} backward input`, dx, dx64, f32tol(g.cOut * g.kh * g.kw));
    const [dw, dw64] = pair(wl);
    const [db, db64] = pair(g.cOut);
    R.conv2dBackwardFilter(g, x64, dy64, dw64, db64);
    W.conv2dBackwardFilter(g, x, dy, dw, db);
    near(`${tag} backward filter`, dw, dw64, f32tol(g.n * g.outH * g.outW));
    near(`${tag} backward bias`, db, db64, f32tol(g.n * g.outH * g.outW));
    W.conv2dBackwardFilter(g, x, dy, dw, null);
    near(`${tag} backward filter without bias`, dw, dw64, f32tol(g.n * g.outH * g.outW));
    for (const a of [x, w, b, dy, dx, dw, db]) W.free(a);
  }
  wasmConvAlgorithm('auto');
});

test('float64 conv falls through to the reference on wasm memory', () => {
  const g = conv(1, 2, 6, 6, 3, 3, 3, 1, 1, 1, 6, 6);
  const x = W.alloc('float64', 72);
  const w = W.alloc('float64', 54);
  const y = W.alloc('float64', 108);
  for (let i = 0; i < 72; i++) x[i] = rng.normal();
  for (let i = 0; i < 54; i++) w[i] = rng.normal();
  const yr = new Float64Array(108);
  R.conv2dForward(g, Float64Array.from(x), Float64Array.from(w), null, yr);
  W.conv2dForward(g, x, w, null, y);
  near('f64 conv', y, yr, 1e-14);
});

function pool(n: number, c: number, h: number, w: number, k: number, s: number): PoolGeometry {
  return {
    n,
    c,
    h,
    w,
    kh: k,
    kw: k,
    strideH: s,
    strideW: s,
    outH: Math.floor((h - k) / s) + 1,
    outW: Math.floor((w - k) / s) + 1,
  };
}

test('max and average pooling match the reference, argmax exactly (plain or wasm Int32Array, ties)', () => {
  for (const g of [
    pool(2, 6, 28, 28, 2, 2),
    pool(1, 3, 7, 7, 3, 2),
    pool(2, 2, 5, 6, 3, 1),
    pool(1, 1, 3, 3, 1, 1),
  ]) {
    const tag = `pool ${JSON.stringify(g)}`;
    const xl = g.n * g.c * g.h * g.w;
    const yl = g.n * g.c * g.outH * g.outW;
    const [x, x64] = pair(xl);
    const [y, y64] = zeros(yl);
    const am = new Int32Array(yl);
    const am64 = new Int32Array(yl);
    R.maxPool2dForward(g, x64, y64, am64);
    W.maxPool2dForward(g, x, y, am);
    near(`${tag} max`, y, y64, 0);
    assert.deepEqual([...am], [...am64], `${tag} argmax`);
    const [dy, dy64] = pair(yl);
    const [dx, dx64] = pair(xl);
    R.maxPool2dBackward(g, dy64, am64, dx64);
    W.maxPool2dBackward(g, dy, am, dx);
    near(`${tag} max backward`, dx, dx64, 1e-6);
    R.avgPool2dForward(g, x64, y64);
    W.avgPool2dForward(g, x, y);
    near(`${tag} avg`, y, y64, 1e-6);
    R.avgPool2dBackward(g, dy64, dx64);
    W.avgPool2dBackward(g, dy, dx);
    near(`${tag} avg backward`, dx, dx64, 1e-6);
  }
  // Ties, on the vectorised 2×2 path (8 windows in a row): window c%4 = 0 all equal → top-left wins;
  // 1: top-right = bottom-left = bottom-right → top-right; 2: bottom pair → bottom-left; 3: bottom-right.
  const g = pool(1, 1, 2, 16, 2, 2);
  const x = W.alloc('float32', 32).fill(1);
  for (let c = 0; c < 8; c++) {
    const [tr, bl, br] = [2 * c + 1, 16 + 2 * c, 17 + 2 * c];
    if (c % 4 === 1) x[tr] = x[bl] = x[br] = 2;
    if (c % 4 === 2) x[bl] = x[br] = 3;
    if (c % 4 === 3) x[br] = 4;
  }
  const y = W.alloc('float32', 8);
  const am = new Int32Array(8);
  W.maxPool2dForward(g, x, y, am);
  assert.deepEqual([...am], [0, 3, 20, 23, 8, 11, 28, 31]);
  const am64 = new Int32Array(8);
  R.maxPool2dForward(g, Float64Array.from(x), new Float64Array(8), am64);
  assert.deepEqual([...am64], [...am], 'reference agrees on the ties');
});

test('activations and their gradients match the reference on odd lengths', () => {
  const kinds: ActivationKind[] = ['linear', 'sigmoid', 'scaledSigmoid', 'tanh', 'relu', 'leakyRelu'];
  for (const len of [1, 3, 7, 17, 33, 1000]) {
    for (const kind of kinds) {
      const [x, x64] = pair(len, 3);
      const [y, y64] = zeros(len);
      R.activation(kind, 0.07, x64, y64);
      W.activation(kind, 0.07, x, y);
      near(`${kind} ${len}`, y, y64, 1e-6);
      // Gradients from the same y, so that only the derivative formula is compared.
      const yy64 = Float64Array.from(y);
      const [dy, dy64] = pair(len);
      const [dx, dx64] = zeros(len);
      R.activationGrad(kind, 0.07, x64, yy64, dy64, dx64);
      W.activationGrad(kind, 0.07, x, y, dy, dx);
      near(`${kind}' ${len}`, dx, dx64, 1e-6);
    }
  }
});

test('softmaxCrossEntropy matches the reference, including large logits and soft targets', () => {
  for (const [rows, cols, scale] of [
    [7, 10, 1],
    [3, 3, 300],
    [1, 17, 5],
  ]) {
    const [z, z64] = pair(rows * cols, scale);
    const [t, t64] = zeros(rows * cols);
    for (let r = 0; r < rows; r++) {
      const j = rng.int(cols);
      if (r % 2 === 0) {
        t[r * cols + j] = t64[r * cols + j] = 1;
      } else {
        for (let k = 0; k < cols; k++) t[r * cols + k] = t64[r * cols + k] = 1 / cols;
      }
    }
    const [p, p64] = zeros(rows * cols);
    const [dz, dz64] = zeros(rows * cols);
    const l64 = R.softmaxCrossEntropy(rows, cols, z64, t64, p64, dz64);
    const l = W.softmaxCrossEntropy(rows, cols, z, t, p, dz);
    near(`softmaxCE loss ${rows}×${cols}`, [l], [l64], 1e-5 * scale);
    near(`softmaxCE p ${rows}×${cols}`, p, p64, 1e-5);
    near(`softmaxCE dz ${rows}×${cols}`, dz, dz64, 1e-5);
  }
});

test('batch norm train/infer/backward match the reference (dense s = 1, conv s = 100, odd s = 3)', () => {
  for (const g of [
    { n: 33, c: 7, s: 1 },
    { n: 5, c: 6, s: 100 },
    { n: 3, c: 2, s: 3 },
    { n: 1, c: 1, s: 1 },
  ]) {
    const tag = `bn ${JSON.stringify(g)}`;
    const len = g.n * g.c * g.s;
    const [x, x64] = pair(len, 2);
    for (let i = 0; i < len; i++) x[i] += 3; // an offset, so mean subtraction matters
    x64.set(x);
    const [gamma, gamma64] = pair(g.c);
    const [beta, beta64] = pair(g.c);
    const [mm, mm64] = pair(g.c);
    const [mv, mv64] = zeros(g.c);
    mv.fill(1);
    mv64.fill(1);
    const [y, y64] = zeros(len);
    const [sm, sm64] = zeros(g.c);
    const [si, si64] = zeros(g.c);
    R.batchNormTrainForward(g, x64, gamma64, beta64, mm64, mv64, 0.9, 1e-3, y64, sm64, si64);
    W.batchNormTrainForward(g, x, gamma, beta, mm, mv, 0.9, 1e-3, y, sm, si);
    near(`${tag} y`, y, y64, 1e-5);
    near(`${tag} mean`, sm, sm64, 1e-5);
    near(`${tag} invStd`, si, si64, 1e-5);
    near(`${tag} moving mean`, mm, mm64, 1e-5);
    near(`${tag} moving var`, mv, mv64, 1e-5);
    R.batchNormInferForward(g, x64, gamma64, beta64, mm64, mv64, 1e-3, y64);
    W.batchNormInferForward(g, x, gamma, beta, mm, mv, 1e-3, y);
    near(`${tag} infer`, y, y64, 1e-5);
    const [dy, dy64] = pair(len);
    const [dx, dx64] = zeros(len);
    const [dg, dg64] = zeros(g.c);
    const [dbt, dbt64] = zeros(g.c);
    R.batchNormBackward(
      g,
      x64,
      gamma64,
      Float64Array.from(sm),
      Float64Array.from(si),
      dy64,
      dx64,
      dg64,
      dbt64,
    );
    W.batchNormBackward(g, x, gamma, sm, si, dy, dx, dg, dbt);
    near(`${tag} dx`, dx, dx64, 1e-4);
    near(`${tag} dgamma`, dg, dg64, 1e-5);
    near(`${tag} dbeta`, dbt, dbt64, 1e-5);
  }
});

test('vector helpers match the reference on odd lengths', () => {
  for (const len of [1, 3, 7, 17, 33, 5000]) {
    const [a, a64] = pair(len);
    const [b, b64] = pair(len);
    const [o, o64] = zeros(len);
    R.mul(a64, b64, o64);
    W.mul(a, b, o);
    near(`mul ${len}`, o, o64, 1e-7);
    W.mul(a, b, a); // aliasing out = a
    near(`mul aliased ${len}`, a, o64, 1e-7);
    a64.set(a);
    R.axpy(-0.75, b64, a64);
    W.axpy(-0.75, b, a);
    near(`axpy ${len}`, a, a64, 1e-6);
    near(`sum ${len}`, [W.sum(a)], [R.sum(a64)], 1e-6 * len);
    near(`sumSquares ${len}`, [W.sumSquares(a)], [R.sumSquares(a64)], 1e-6 * len);
    assert.equal(W.allFinite(a), true);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const i = rng.int(len);
      const keep = a[i];
      a[i] = bad;
      assert.equal(W.allFinite(a), false, `allFinite misses ${bad} at ${i} of ${len}`);
      a[i] = keep;
    }
  }
  for (const [rows, cols] of [
    [1, 1],
    [3, 7],
    [17, 33],
    [128, 120],
  ]) {
    const [x, x64] = pair(rows * cols);
    const [bias, bias64] = pair(cols);
    R.addRowVector(rows, cols, x64, bias64);
    W.addRowVector(rows, cols, x, bias);
    near(`addRowVector ${rows}×${cols}`, x, x64, 1e-6);
    const [out, out64] = zeros(cols);
    R.sumRows(rows, cols, x64, out64);
    W.sumRows(rows, cols, x, out);
    near(`sumRows ${rows}×${cols}`, out, out64, 1e-6 * rows);
  }
});

test('sgdStep and adamStep match the reference over several steps', () => {
  for (const len of [1, 7, 33]) {
    for (const [mu, nesterov, wd] of [
      [0, false, 0],
      [0.9, false, 0],
      [0.9, true, 1e-2],
      [0, false, 5e-4],
    ] as const) {
      const [w, w64] = pair(len);
      const [v, v64] = zeros(len);
      for (let step = 0; step < 3; step++) {
        const [g, g64] = pair(len);
        R.sgdStep(w64, g64, v64, 0.1, mu, nesterov, wd);
        W.sgdStep(w, g, v, 0.1, mu, nesterov, wd);
      }
      near(`sgd ${len} μ=${mu} nesterov=${nesterov} wd=${wd}`, w, w64, 1e-6);
    }
    const [w, w64] = pair(len);
    const [m, m64] = zeros(len);
    const [v, v64] = zeros(len);
    for (let t = 1; t <= 4; t++) {
      const [g, g64] = pair(len);
      R.adamStep(w64, g64, m64, v64, 1e-2, 0.9, 0.999, 1e-7, t);
      W.adamStep(w, g, m, v, 1e-2, 0.9, 0.999, 1e-7, t);
    }
    near(`adam ${len}`, w, w64, 1e-6);
    near(`adam m ${len}`, m, m64, 1e-6);
    near(`adam v ${len}`, v, v64, 1e-6);
  }
});

test('allocator: zeroed reuse after free, clear errors for foreign arrays, double free and exhaustion', () => {
  const before = wasmBytesInUse();
  const a = W.alloc('float32', 1000);
  a.fill(7);
  W.free(a);
  const b = W.alloc('float32', 1000);
  assert.equal(b.byteOffset, a.byteOffset, 'a freed block of the same class is reused');
  assert.ok(
    b.every((v) => v === 0),
    'reused memory is zeroed',
  );
  W.free(b);
  assert.equal(wasmBytesInUse(), before);
  assert.throws(() => W.free(b), /wasm\.free: offset \d+ is not a live allocation/);
  const foreign: FloatArray = new Float32Array(4);
  assert.throws(() => W.mul(foreign, foreign, foreign), /wasm\.mul: a is not in the wasm memory/);
  assert.throws(
    () => W.alloc('float32', 2 ** 30),
    /out of kernel memory allocating 1073741824 × float32 \(4294967296 bytes\)/,
  );
});

test(
  'the plain-SIMD build passes the same tests (NNLAB_FMA=0 in a child process)',
  { skip: process.env.NNLAB_FMA === '0' },
  () => {
    assert.equal(
      wasmKernelVariant(),
      'simd+fma',
      'this engine accepts relaxed SIMD, so the FMA build is in use',
    );
    const r = spawnSync(process.execPath, ['--test', fileURLToPath(import.meta.url)], {
      env: { ...process.env, NNLAB_FMA: '0' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `plain build failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`);
  },
);

test('NNLAB_FMA=0 selects the plain build', { skip: process.env.NNLAB_FMA !== '0' }, () => {
  assert.equal(wasmKernelVariant(), 'simd');
});

test('each worker thread gets its own kernel instance and memory', async () => {
  const url = new URL('./wasm.js', import.meta.url).href;
  const code = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(url)}).then(({ wasmBackend: W }) => {
      const a = W.alloc('float32', 4);
      a.set([1, 2, 3, 4]);
      const c = W.alloc('float32', 1);
      W.gemm(false, true, 1, 1, 4, 1, a, a, 0, c);
      parentPort.postMessage({ dot: c[0], shared: a.buffer instanceof SharedArrayBuffer });
    });`;
  const result = await new Promise<{ dot: number; shared: boolean }>((resolve, reject) => {
    const w = new Worker(code, { eval: true });
    w.once('message', (m: { dot: number; shared: boolean }) => {
      void w.terminate();
      resolve(m);
    });
    w.once('error', reject);
  });
  assert.equal(result.dot, 30);
  assert.equal(result.shared, false, 'memories are per thread, not shared');
});
