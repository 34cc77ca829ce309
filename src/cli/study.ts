/**
 * Which study the CLI runs: the module named by NNLAB_STUDY (a path or file URL of a compiled module that
 * exports `study`), else the study that ships with nnlab (dist/study/index.js, the Homework 3 study).
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { Study } from '../experiment/study.js';

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
