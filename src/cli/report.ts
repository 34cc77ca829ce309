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
import type { Notebook } from '../report/notebook.js';
import { writeFileAtomic } from '../util/atomic.js';
import { resolveConfig, type AnyExperiment, type Config } from '../experiment/index.js';
import type { Study } from '../experiment/study.js';
import { writeReport, type WrittenReport } from '../report/build.js';
import type { RunStore, StoredResult } from './store.js';
import { NNLAB_VERSION } from '../version.js';

/** The settings of a result that differ from its preset (defaults, or defaults ← quick), as `--set` takes them: "p4.epochs=3". */
export function changedSettings(experiments: readonly AnyExperiment[], r: StoredResult): string[] {
  const exp = experiments.find((e) => e.id === r.id);
  if (exp === undefined) return [];
  const preset: Config = resolveConfig(exp, { quick: r.quick });
  return (
    Object.keys(r.config)
      .filter((k) => !isDeepStrictEqual(r.config[k], preset[k]))
      // As `--set` takes them back (parseLike): strings verbatim, everything else as JSON.
      .map((k) => {
        const v = r.config[k];
        return `${r.id}.${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
      })
  );
}

/** The stored results of the known experiments, in order. */
export function storedResults(experiments: readonly AnyExperiment[], store: RunStore): StoredResult[] {
  return experiments.map((e) => store.readResult(e.id)).filter((r): r is StoredResult => r !== undefined);
}

/**
 * The study's stored results, read once, and why its notebook could not load every one of them (one phrase
 * per experiment; empty when it can). The notebook trains what it cannot load, and writing a report must
 * never train: a result that is missing, stored by another nnlab version, or of another seed or scale than
 * the first stored result (the notebook runs every part with one seed and scale) blocks the report.
 */
export function reportInputs(study: Study, store: RunStore): { stored: StoredResult[]; blockers: string[] } {
  const stored = storedResults(study.experiments, store);
  const first = stored[0];
  const blockers = study.experiments.flatMap((e): string[] => {
    const r = stored.find((s) => s.id === e.id);
    if (r === undefined) return [`${e.id} has no stored result`];
    if (r.nnlabVersion !== NNLAB_VERSION)
      return [`${e.id} was stored by nnlab ${r.nnlabVersion}, not by this nnlab (${NNLAB_VERSION})`];
    if (r.seed !== first.seed) return [`${e.id} has seed ${r.seed}, ${first.id} seed ${first.seed}`];
    if (r.quick !== first.quick)
      return [
        `${e.id} is ${r.quick ? 'quick' : 'full'} scale, ${first.id} ${first.quick ? 'quick' : 'full'}`,
      ];
    return [];
  });
  return { stored, blockers };
}

/**
 * The study's notebook executed against the run directory: parameters injected from the stored results
 * (run directory, quick, seed, changed settings), every cell run in the tslab kernel (results load from the
 * store in seconds), then the executed notebook written to report/NAME.ipynb, converted to NAME.html and
 * NAME.pdf, and its figures to figures/<id>.svg|png.
 */
export async function notebookReport(
  study: Study,
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
  const { doc, figures } = await notebookDocument(executed);
  return writeReport(doc, store.root, study.name, { figures, notebook: executed });
}
