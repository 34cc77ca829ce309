/** A tiny study for the queue's own tests: two jobs, no experiments. */
import { defineJob } from '../jobs/job.js';
import type { Study } from '../experiment/study.js';

/** x² with values plain JSON would lose (NaN, −0, a typed array), to check they cross the queue intact. */
export const squareJob = defineJob('fixture/square', import.meta.url, (args: { x: number }) => ({
  y: args.x * args.x,
  nan: NaN,
  negZero: -0,
  v: new Float32Array([args.x, 1 / 3]),
}));

/** Always throws: a job's own error, final. */
export const throwJob = defineJob('fixture/throw', import.meta.url, (args: { why: string }): number => {
  throw new Error(`fixture/throw: ${args.why}`);
});

/** No report: the notebook path is never executed (the queue's tests run jobs only). */
export const study: Study = { name: 'fixture', experiments: [], notebook: '' };
