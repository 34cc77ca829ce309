/**
 * The bridge from a run directory to the report: reads every stored result and hands them, with the run's
 * description (version, seed, scale, wall times), to buildReport. Never trains.
 */
import { isDeepStrictEqual } from 'node:util';
import { experiments, resolveConfig } from '../experiments/index.js';
import type { Config } from '../experiments/types.js';
import { buildReport, type ReportMeta, type ReportResults, type WrittenReport } from '../report/build.js';
import { NNLAB_VERSION, type RunStore, type StoredResult } from './store.js';

/**
 * How a result's config relates to the presets: "full" (the defaults), "quick" (defaults ← quick), or the
 * preset plus the settings that differ, e.g. "quick, p4.epochs=3".
 */
export function scaleOf(r: StoredResult): string {
  const exp = experiments.find((e) => e.id === r.id);
  if (exp === undefined) return 'unknown';
  const preset: Config = resolveConfig(exp, { quick: r.quick });
  const diffs = Object.keys(r.config)
    .filter((k) => !isDeepStrictEqual(r.config[k], preset[k]))
    .map((k) => `${r.id}.${k}=${JSON.stringify(r.config[k])}`);
  return [r.quick ? 'quick' : 'full', ...diffs].join(', ');
}

/** The stored results of the known experiments, in order. */
export function storedResults(store: RunStore): StoredResult[] {
  return experiments.map((e) => store.readResult(e.id)).filter((r): r is StoredResult => r !== undefined);
}

/** The report's meta from the stored results: one seed and scale when they agree, else each one named. */
export function reportMeta(stored: StoredResult[]): ReportMeta {
  const scales = stored.map((r) => scaleOf(r));
  const seeds = stored.map((r) => r.seed);
  const parts = [
    new Set(scales).size <= 1
      ? (scales[0] ?? 'full')
      : stored.map((r, i) => `${r.id}: ${scales[i]}`).join('; '),
  ];
  if (new Set(seeds).size > 1) parts.push(`seeds ${stored.map((r) => `${r.id} ${r.seed}`).join(', ')}`);
  return {
    version: NNLAB_VERSION,
    seed: seeds[0] ?? 0,
    scale: parts.join('; '),
    wallSeconds: Object.fromEntries(stored.map((r) => [r.id, r.wallSeconds])),
  };
}

/** Builds figures/ and report/ of the run directory from its stored results. */
export async function reportFromStore(store: RunStore): Promise<WrittenReport> {
  const stored = storedResults(store);
  if (stored.length === 0) {
    throw new Error(
      `no stored results in ${store.resultsDir}; run \`nnlab run\` first (with the same --out)`,
    );
  }
  const results: ReportResults = Object.fromEntries(stored.map((r) => [r.id, r.result]));
  return buildReport(results, reportMeta(stored), store.root);
}
