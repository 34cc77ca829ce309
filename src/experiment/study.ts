/**
 * A study: the experiments a user's project defines, presented to nnlab's CLI (`nnlab run`, `nnlab list`) and
 * runtime. nnlab knows nothing of any particular study; the CLI and the queue's workers load one module that
 * exports `study`: the module named by NNLAB_STUDY (a path or file URL of a compiled module), else the study
 * that ships with nnlab (dist/study/index.js, the Homework 3 study).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
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

/** The module URL of the study to load. */
export function studyModule(): string {
  const env = process.env.NNLAB_STUDY;
  if (env !== undefined && env !== '')
    return env.startsWith('file:') ? env : pathToFileURL(resolve(env)).href;
  return new URL('../study/index.js', import.meta.url).href;
}

/** Imports the study module and checks that it exports a `study` with experiments. */
export async function loadStudy(module = studyModule()): Promise<Study> {
  let mod: { study?: Study };
  try {
    mod = (await import(module)) as { study?: Study };
  } catch (e) {
    throw new Error(`nnlab: cannot load the study module ${module}: ${(e as Error).message}`);
  }
  const s = mod.study;
  if (s === undefined || !Array.isArray(s.experiments)) {
    throw new Error(`nnlab: the study module ${module} does not export \`study\` with a list of experiments`);
  }
  return s;
}
