/**
 * Where a LeNet-5 training step spends its time: `node dist/bench/profile.js [relu|bn|bn-dropout]` wraps every
 * Backend call in a timer (keyed by kernel and shape) and prints each key's share of the step, plus the time
 * spent outside kernels (layer code, JS). Times are process CPU time (process.cpuUsage), so that other load
 * on a shared machine, which stretches wall time, distorts the shares less.
 */
import type { Backend } from '../kernels/backend.js';
import { wasmBackend } from '../kernels/wasm.js';
import { lenet5 } from '../nn/models/lenet5.js';
import { SGD } from '../optim/index.js';
import { BATCH, randomBatch, type LenetVariant } from './lenet.js';

/** Process CPU time in ms (µs resolution). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Stat {
  ms: number;
  calls: number;
}

/** A backend that forwards to `inner` and adds each call's wall time to `stats[key]`. */
function timedBackend(inner: Backend, stats: Map<string, Stat>): Backend {
  const wrapped: Record<string, unknown> = { name: inner.name };
  for (const [k, v] of Object.entries(inner)) {
    if (typeof v !== 'function') continue;
    const f = v as (...a: unknown[]) => unknown;
    wrapped[k] = (...args: unknown[]): unknown => {
      const t0 = cpuMs();
      const r = f(...args);
      const dt = cpuMs() - t0;
      const g = args[0];
      const shape =
        k === 'gemm'
          ? `${args[0] ? 'T' : 'N'}${args[1] ? 'T' : 'N'} ${args[2]}×${args[3]}×${args[4]}`
          : typeof g === 'object' && g !== null && 'n' in g
            ? JSON.stringify(g).replace(/"/g, '').slice(0, 60)
            : k === 'activation' || k === 'activationGrad'
              ? `${String(args[0])} ${(args[2] as { length: number }).length}`
              : '';
      const key = `${k} ${shape}`;
      const s = stats.get(key) ?? { ms: 0, calls: 0 };
      s.ms += dt;
      s.calls++;
      stats.set(key, s);
      return r;
    };
  }
  return wrapped as unknown as Backend;
}

function main(): void {
  const variant = (process.argv[2] ?? 'relu') as LenetVariant;
  const stats = new Map<string, Stat>();
  const backend = timedBackend(wasmBackend, stats);
  const model = lenet5({
    seed: 1,
    backend,
    batchNorm: variant !== 'relu',
    inputBatchNorm: variant === 'bn-dropout',
    dropout: variant === 'bn-dropout' ? { input: 0.2, hidden: 0.5 } : null,
  });
  model.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
  const { x, y } = randomBatch(model);
  for (let i = 0; i < 10; i++) model.trainOnBatch(x, y);
  stats.clear();
  const steps = 40;
  const t0 = cpuMs();
  for (let i = 0; i < steps; i++) model.trainOnBatch(x, y);
  const total = cpuMs() - t0;
  const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const inKernels = rows.reduce((s, [, v]) => s + v.ms, 0);
  console.log(
    `LeNet-5 ${variant}: ${(total / steps).toFixed(2)} ms CPU per step of ${BATCH} (${Math.round((steps * BATCH) / (total / 1000))} img/s)`,
  );
  for (const [k, v] of rows) {
    if (v.ms / total < 0.003) continue;
    console.log(
      `${((100 * v.ms) / total).toFixed(1).padStart(5)}%  ${(v.ms / steps).toFixed(3)} ms  ×${v.calls / steps}  ${k}`,
    );
  }
  console.log(`${((100 * (total - inKernels)) / total).toFixed(1).padStart(5)}%  outside kernels`);
}

main();
