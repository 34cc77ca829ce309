/**
 * The Homework 3 study as nnlab's CLI sees it: the five problems in the homework's order (the one registry of
 * problems) and the report of their stored results.
 */
import type { AnyExperiment, Study } from 'nnlab';
import { p1 } from './experiments/p1.js';
import { p2 } from './experiments/p2.js';
import { p3 } from './experiments/p3.js';
import { p4 } from './experiments/p4.js';
import { p5 } from './experiments/p5.js';
import { buildReport, type ReportResults } from './report.js';

export { p1, p2, p3, p4, p5 };

export const study: Study = {
  name: 'homework3',
  experiments: [p1, p2, p3, p4, p5] as unknown as AnyExperiment[],
  report: (results, meta, outDir) => buildReport(results as ReportResults, meta, outDir),
};
