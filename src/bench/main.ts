/**
 * `npm run bench` (node dist/bench/main.js [--json] [--rows name,name]): nnlab's GEMM and LeNet-5 speeds next
 * to PyTorch's on the same machine. Every number is the best of several repetitions (the machine is shared).
 * With --json, one line per row: {"name","nnlab","torch","ratio","unit"}; torch and ratio are null when
 * /usr/bin/python3 has no torch.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { wasmBackend } from '../kernels/wasm.js';
import { Rng } from '../util/rng.js';
import { inferRate, trainRate } from './lenet.js';
import { loggingOverhead } from './logging.js';

interface Row {
  name: string;
  unit: 'GFLOP/s' | 'img/s' | '%' | 'µs';
  measure: () => number | Promise<number>;
}

/** GFLOP/s of C = A·B (n×n, beta 0) in the wasm backend, best of 15 timed runs. */
function gemmRate(n: number, dtype: 'float32' | 'float64'): number {
  const rng = new Rng(n);
  const [a, b, c] = [0, 1, 2].map(() => wasmBackend.alloc(dtype, n * n));
  for (let i = 0; i < n * n; i++) {
    a[i] = rng.uniform();
    b[i] = rng.uniform();
  }
  const per = n <= 256 ? 8 : 2;
  let best = Infinity;
  for (let r = 0; r < 17; r++) {
    const t0 = performance.now();
    for (let i = 0; i < per; i++) wasmBackend.gemm(false, false, n, n, n, 1, a, b, 0, c);
    if (r >= 2) best = Math.min(best, (performance.now() - t0) / per);
  }
  for (const x of [a, b, c]) wasmBackend.free(x);
  return (2 * n ** 3) / (best / 1000) / 1e9;
}

/** Aggregate training img/s of `workers` threads, each training its own plain LeNet-5 for `seconds`. */
async function parallelTrainRate(workers: number, seconds: number): Promise<number> {
  const url = new URL('./worker.js', import.meta.url);
  const threads = Array.from(
    { length: workers },
    (_, index) => new Worker(url, { workerData: { seconds, warmup: 8, index } }),
  );
  const next = (w: Worker): Promise<{ ready?: boolean; images?: number; ms?: number }> =>
    new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  await Promise.all(threads.map(next));
  const results = threads.map(next);
  for (const w of threads) w.postMessage('go');
  const done = await Promise.all(results);
  await Promise.all(threads.map((w) => w.terminate()));
  const images = done.reduce((s, d) => s + (d.images ?? 0), 0);
  const ms = Math.max(...done.map((d) => d.ms ?? Infinity));
  return images / (ms / 1000);
}

const ROWS: Row[] = [
  { name: 'gemm-f32-256', unit: 'GFLOP/s', measure: () => gemmRate(256, 'float32') },
  { name: 'gemm-f32-512', unit: 'GFLOP/s', measure: () => gemmRate(512, 'float32') },
  { name: 'gemm-f64-256', unit: 'GFLOP/s', measure: () => gemmRate(256, 'float64') },
  { name: 'gemm-f64-512', unit: 'GFLOP/s', measure: () => gemmRate(512, 'float64') },
  { name: 'lenet5-train-relu', unit: 'img/s', measure: () => trainRate('relu') },
  { name: 'lenet5-train-bn', unit: 'img/s', measure: () => trainRate('bn') },
  { name: 'lenet5-train-bn-dropout', unit: 'img/s', measure: () => trainRate('bn-dropout') },
  { name: 'lenet5-infer', unit: 'img/s', measure: () => inferRate() },
  { name: 'lenet5-train-2workers', unit: 'img/s', measure: () => parallelTrainRate(2, 4) },
  // The metrics log's cost (bench/logging.ts): a per-batch log call in percent of a batch of 128, and in µs.
  { name: 'metrics-log-overhead', unit: '%', measure: () => loggingOverhead().percent },
  {
    name: 'metrics-log-call',
    unit: 'µs',
    measure: () => loggingOverhead({ warmup: 1, steps: 1, reps: 1, calls: 20_000 }).microsPerCall,
  },
];

const PYTHON = '/usr/bin/python3';

/** The PyTorch numbers for `names`, or null when torch is not importable. */
function torchRates(names: string[]): Record<string, number> | null {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  if (spawnSync(PYTHON, ['-c', 'import torch'], { env, stdio: 'ignore' }).status !== 0) return null;
  const script = fileURLToPath(new URL('../../bench/torch_bench.py', import.meta.url));
  const r = spawnSync(PYTHON, [script, ...names], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench: ${script} failed (status ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const only = args.includes('--rows') ? (args[args.indexOf('--rows') + 1] ?? '').split(',') : null;
  const rows = only ? ROWS.filter((r) => only.includes(r.name)) : ROWS;
  if (rows.length === 0)
    throw new Error(
      `bench: no rows match --rows ${only?.join(',')}; rows: ${ROWS.map((r) => r.name).join(', ')}`,
    );
  const ours: number[] = [];
  for (const row of rows) {
    ours.push(await row.measure());
    if (!json) process.stderr.write(`  measured ${row.name}\n`);
  }
  const torch = torchRates(rows.map((r) => r.name));
  const out = rows.map((row, i) => {
    const t = torch?.[row.name] ?? null;
    return {
      name: row.name,
      nnlab: ours[i],
      torch: t,
      ratio: t === null ? null : ours[i] / t,
      unit: row.unit,
    };
  });
  if (json) {
    for (const o of out) console.log(JSON.stringify(o));
    return;
  }
  const fmt = (v: number | null, unit: string): string =>
    v === null
      ? '—'
      : unit === 'GFLOP/s' || unit === 'µs'
        ? v.toFixed(1)
        : unit === '%'
          ? v.toFixed(2)
          : Math.round(v).toLocaleString('en-US');
  const table = [['row', 'nnlab', 'PyTorch', 'ratio', 'unit']];
  for (const o of out)
    table.push([
      o.name,
      fmt(o.nnlab, o.unit),
      fmt(o.torch, o.unit),
      o.ratio === null ? '—' : `${o.ratio.toFixed(2)}×`,
      o.unit,
    ]);
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  for (const r of table)
    console.log(r.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  '));
  console.log(
    `best of several repetitions each; one thread unless the row says otherwise${torch ? '' : '; torch not found'}`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
