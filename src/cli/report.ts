/**
 * The bridge from a run directory to the report: reads every stored result and hands them, with the run's
 * description (version, seed, scale, wall times), to buildReport. Never trains.
 */
import { isDeepStrictEqual } from 'node:util';
import { resolveConfig, type AnyExperiment, type Config } from '../experiment/index.js';
import type { Study } from '../experiment/study.js';
import type { ReportMeta, WrittenReport } from '../report/build.js';
import { NNLAB_VERSION } from '../version.js';
import type { RunStore, StoredResult } from './store.js';

/** The settings of a result that differ from its preset (defaults, or defaults ← quick), as "p4.epochs=3". */
export function changedSettings(experiments: readonly AnyExperiment[], r: StoredResult): string[] {
  const exp = experiments.find((e) => e.id === r.id);
  if (exp === undefined) return [];
  const preset: Config = resolveConfig(exp, { quick: r.quick });
  return Object.keys(r.config)
    .filter((k) => !isDeepStrictEqual(r.config[k], preset[k]))
    .map((k) => `${r.id}.${k}=${JSON.stringify(r.config[k])}`);
}

/** The stored results of the known experiments, in order. */
export function storedResults(experiments: readonly AnyExperiment[], store: RunStore): StoredResult[] {
  return experiments.map((e) => store.readResult(e.id)).filter((r): r is StoredResult => r !== undefined);
}

/**
 * The report's meta from the stored results: the scale is the preset ("full" or "quick", or each
 * experiment's when they differ) followed by every changed setting, e.g. "quick, p4.epochs=2"; the seed is
 * the common one, and differing seeds are named in the scale.
 */
export function reportMeta(experiments: readonly AnyExperiment[], stored: StoredResult[]): ReportMeta {
  const preset = (r: StoredResult): string => (r.quick ? 'quick' : 'full');
  const presets = new Set(stored.map(preset));
  const parts = [
    presets.size <= 1
      ? stored.length > 0
        ? preset(stored[0])
        : 'full'
      : stored.map((r) => `${r.id} ${preset(r)}`).join(', '),
    ...stored.flatMap((r) => changedSettings(experiments, r)),
  ];
  const seeds = stored.map((r) => r.seed);
  if (new Set(seeds).size > 1) parts.push(`seeds ${stored.map((r) => `${r.id} ${r.seed}`).join(', ')}`);
  return {
    version: NNLAB_VERSION,
    seed: seeds[0] ?? 0,
    scale: parts.join(', '),
    wallSeconds: Object.fromEntries(stored.map((r) => [r.id, r.wallSeconds])),
  };
}

/** Builds figures/ and report/ of the run directory from its stored results. */
export async function reportFromStore(study: Study, store: RunStore): Promise<WrittenReport> {
  const stored = storedResults(study.experiments, store);
  if (stored.length === 0) {
    throw new Error(
      `no stored results in ${store.resultsDir}; run \`nnlab run\` first (with the same --out)`,
    );
  }
  if (study.report === undefined) throw new Error(`the study "${study.name}" defines no report`);
  const results = Object.fromEntries(stored.map((r) => [r.id, r.result]));
  return study.report(results, reportMeta(study.experiments, stored), store.root);
}
