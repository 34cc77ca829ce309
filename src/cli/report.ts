/**
 * The bridge from a run directory to the report: reads every stored result and hands them, with the run's
 * description (version, seed, scale, wall times), to buildReport. Never trains.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { notebookDocument } from '../notebook/convert.js';
import { executeNotebook, NotebookCellError } from '../notebook/execute.js';
import { fromPercent } from '../notebook/percent.js';
import { toHtml } from '../report/html.js';
import type { Notebook } from '../report/notebook.js';
import { layoutPdf } from '../report/pdf.js';
import { writeFileAtomic } from '../util/atomic.js';
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

/**
 * The study's notebook executed against the run directory: parameters injected from the stored results
 * (run directory, quick, seed, changed settings), every cell run in the tslab kernel (results load from the
 * store in seconds), then the executed notebook written to report/NAME.ipynb, converted to NAME.html and
 * NAME.pdf, and its figures to figures/<id>.svg|png.
 */
export async function notebookReport(
  study: Study & { notebook: string },
  store: RunStore,
  stored: StoredResult[],
  onCell?: (e: { cell: number; of: number; seconds?: number }) => void,
): Promise<WrittenReport> {
  const settings = stored.flatMap((r) => changedSettings(study.experiments, r));
  const params = {
    out: store.root,
    quick: stored.length > 0 && stored.every((r) => r.quick),
    seed: stored[0]?.seed ?? 1,
    settings,
  };
  const source = fromPercent(readFileSync(study.notebook, 'utf8'), study.notebook);
  let executed: Notebook;
  try {
    executed = await executeNotebook(source, {
      cwd: dirname(study.notebook),
      parameters: `Object.assign(params, ${JSON.stringify(params)});`,
      onCell,
    });
  } catch (e) {
    if (e instanceof NotebookCellError) {
      // Keep what ran: the executed cells and the failing one's error, beside where the notebook goes.
      const partial = join(store.root, 'report', `${study.name}.failed.ipynb`);
      writeFileAtomic(partial, JSON.stringify(e.notebook, null, 1) + '\n');
      throw new Error(
        `the notebook ${study.notebook}: ${e.message}\n(the cells executed so far are in ${partial})`,
      );
    }
    throw e;
  }
  const dir = join(store.root, 'report');
  const notebook = join(dir, `${study.name}.ipynb`);
  writeFileAtomic(notebook, JSON.stringify(executed, null, 1) + '\n');
  const { doc, figures } = await notebookDocument(executed);
  const figureFiles: string[] = [];
  for (const [id, f] of figures) {
    const base = join(store.root, 'figures', id);
    writeFileAtomic(`${base}.svg`, f.svg);
    if (f.png.length > 0) writeFileAtomic(`${base}.png`, f.png);
    figureFiles.push(`${base}.svg`, `${base}.png`);
  }
  const html = join(dir, `${study.name}.html`);
  const pdf = join(dir, `${study.name}.pdf`);
  writeFileAtomic(html, toHtml(doc, figures));
  const printed = await layoutPdf(doc, figures);
  writeFileAtomic(pdf, printed.pdf);
  return { notebook, html, pdf, figures: figureFiles, warnings: printed.warnings };
}

/** Builds figures/ and report/ of the run directory from its stored results. */
export async function reportFromStore(
  study: Study,
  store: RunStore,
  onCell?: (e: { cell: number; of: number; seconds?: number }) => void,
): Promise<WrittenReport> {
  const stored = storedResults(study.experiments, store);
  if (stored.length === 0) {
    throw new Error(
      `no stored results in ${store.resultsDir}; run \`nnlab run\` first (with the same --out)`,
    );
  }
  if (study.notebook !== undefined)
    return notebookReport({ ...study, notebook: study.notebook }, store, stored, onCell);
  if (study.report === undefined) throw new Error(`the study "${study.name}" defines no report`);
  const results = Object.fromEntries(stored.map((r) => [r.id, r.result]));
  return study.report(results, reportMeta(study.experiments, stored), store.root);
}
