/**
 * The Homework 3 study as nnlab's CLI sees it: the five problems in the homework's order (the one registry of
 * problems) and the report of their stored results.
 */
import { fileURLToPath } from 'node:url';
import type { AnyExperiment, Study } from 'nnlab';
import { p1 } from './experiments/p1.js';
import { p2 } from './experiments/p2.js';
import { p3 } from './experiments/p3.js';
import { p4 } from './experiments/p4.js';
import { p5 } from './experiments/p5.js';

export { p1, p2, p3, p4, p5 };
export { p1Section } from './sections/p1.js';
export { p2Section } from './sections/p2.js';
export { p3Section } from './sections/p3.js';
export { p4Section } from './sections/p4.js';
export { p5Section } from './sections/p5.js';
export { showPart, showSection } from './show-section.js';
export { NET_ORIGINAL, NET_TWO_HIDDEN, initParams } from './experiments/p2/network.js';
export { initRng, p2Data } from './experiments/p2/train.js';

export const study: Study = {
  name: 'homework3',
  experiments: [p1, p2, p3, p4, p5] as unknown as AnyExperiment[],
  // The source lives beside the compiled study's folder: dist/study/ → study/notebook/homework3.ts.
  notebook: fileURLToPath(new URL('../../study/notebook/homework3.ts', import.meta.url)),
};
