/**
 * Test-only jobs for the pool and resume tests: a small logistic regression trained by minibatch SGD with a
 * checkpoint after every epoch (weights, Rng state, losses), so a killed run resumes exactly.
 * Run as a script (`node pool.fixture.js DIR WORKERS EPOCHS DELAY_MS OUT.json`) it trains two such jobs on a
 * WorkerPool with a file checkpoint store in DIR and writes { results, epochsTrained } to OUT.json.
 */
import { writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Rng, type RngState } from '../util/rng.js';
import { defineJob, type JobContext } from './job.js';
import { WorkerPool } from './pool.js';

export interface ToyArgs {
  seed: number;
  epochs: number;
  samples: number;
  /** Sleep after each epoch's checkpoint, so a test can kill the process mid-run. */
  epochDelayMs?: number;
  /** Throw at this epoch (tests error propagation). */
  failAtEpoch?: number;
}

export interface ToyResult {
  weights: number[];
  losses: number[];
}

interface ToyCheckpoint {
  epoch: number;
  weights: Float64Array;
  rng: RngState;
  losses: number[];
}

const DIM = 4;
const BATCH = 16;
const LR = 0.5;

/** Minibatch SGD on the logistic loss L = mean(log(1 + exp(−y·w·x))) of a fixed teacher's labels. */
export const trainToy = defineJob(
  'test/train-toy',
  import.meta.url,
  async (args: ToyArgs, ctx: JobContext): Promise<ToyResult> => {
    const key = `toy-${args.seed}`;
    const data = new Rng(args.seed);
    const teacher = Array.from({ length: DIM }, () => data.normal());
    const x = Float64Array.from({ length: args.samples * DIM }, () => data.normal());
    const y = Float64Array.from({ length: args.samples }, (_, i) => {
      let s = 0;
      for (let j = 0; j < DIM; j++) s += teacher[j] * x[i * DIM + j];
      return s > 0 ? 1 : -1;
    });
    const saved = ctx.checkpoints.load<ToyCheckpoint>(key);
    let state: ToyCheckpoint = saved ?? {
      epoch: 0,
      weights: new Float64Array(DIM),
      rng: data.derive(1).state(),
      losses: [],
    };
    const total = args.epochs;
    for (let epoch = state.epoch; epoch < total; epoch++) {
      if (epoch === args.failAtEpoch) throw new Error(`trainToy: planned failure at epoch ${epoch}`);
      const rng = Rng.fromState(state.rng);
      const w = Float64Array.from(state.weights);
      const order = rng.permutation(args.samples);
      let lossSum = 0;
      for (let b = 0; b < args.samples; b += BATCH) {
        const g = new Float64Array(DIM);
        const end = Math.min(args.samples, b + BATCH);
        for (let k = b; k < end; k++) {
          const i = order[k];
          let m = 0;
          for (let j = 0; j < DIM; j++) m += w[j] * x[i * DIM + j];
          m *= y[i];
          lossSum += Math.log1p(Math.exp(-m));
          const s = -y[i] / (1 + Math.exp(m));
          for (let j = 0; j < DIM; j++) g[j] += s * x[i * DIM + j];
        }
        for (let j = 0; j < DIM; j++) w[j] -= (LR * g[j]) / (end - b);
      }
      state = {
        epoch: epoch + 1,
        weights: w,
        rng: rng.state(),
        losses: [...state.losses, lossSum / args.samples],
      };
      ctx.checkpoints.save(key, state);
      ctx.progress({
        label: key,
        done: epoch + 1,
        total,
        unit: 'epoch',
        info: `loss ${state.losses[epoch].toFixed(4)}`,
      });
      if (args.epochDelayMs) await new Promise((r) => setTimeout(r, args.epochDelayMs));
    }
    return { weights: Array.from(state.weights), losses: state.losses };
  },
);

let calls = 0;

/** The thread that ran the job and how many calls this thread's instance of the module has seen. */
export const whereAmI = defineJob(
  'test/where-am-i',
  import.meta.url,
  (): { threadId: number; calls: number } => ({
    threadId,
    calls: ++calls,
  }),
);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, workers, epochs, delay, out] = process.argv.slice(2);
  let epochsTrained = 0;
  const pool = new WorkerPool({
    workers: Number(workers),
    checkpointDir: dir,
    onProgress: () => epochsTrained++,
  });
  const tasks = [1, 2].map((seed) => ({
    key: `toy-${seed}`,
    args: { seed, epochs: Number(epochs), samples: 200, epochDelayMs: Number(delay) } satisfies ToyArgs,
  }));
  const results = await pool.runJobs(trainToy, tasks);
  await pool.close();
  writeFileSync(out, JSON.stringify({ results, epochsTrained }));
}

/** Ends its worker thread abruptly (as an out-of-memory abort would); only for tests with workers > 1. */
export const exitThread = defineJob('test/exit-thread', import.meta.url, (): never => process.exit(3));

/** A job whose name is registered by no module the worker can import (resolveJob must say so). */
export const unregistered = { name: 'test/nope', module: import.meta.url, run: async () => null };
