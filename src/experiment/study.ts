/**
 * A study: the experiments a user's project defines, presented to nnlab's CLI (`nnlab run`, `nnlab list`) and
 * runtime. nnlab knows nothing of any particular study; the CLI loads one module that exports `study`.
 */
import type { AnyExperiment } from './index.js';

export interface Study {
  /** A short name, e.g. "homework3": names the report files. */
  name: string;
  /** The experiments in the order `run all` runs them. */
  experiments: readonly AnyExperiment[];
  /**
   * The study's notebook, its report: a percent-format TypeScript file (see notebook/percent.ts) with a cell
   * tagged "parameters" (out, quick, seed, settings, workers); `nnlab run` executes it in the tslab kernel
   * after training and writes the executed .ipynb with its HTML and PDF.
   */
  notebook: string;
}
