/**
 * The layout of a run directory (`--out`, default runs/latest) and its stored results:
 *   results/<id>.json          result + full config + seed + nnlab version + wall time + quick flag
 *   checkpoints/<id>/<jobId>/  checkpoints of each unfinished job (deleted once the result is stored); the
 *                              jobId names the job's code version and arguments, so nothing else resumes them
 *   logs/<id>/<key>--<jobId>/  each job's metrics log (metrics.jsonl) and TensorBoard event files; logs/<id>/jobs.jsonl
 *                              lists the jobs queued (see metrics/log.ts); kept after the result is stored
 *   figures/, report/          written by the report (homework3.ipynb, .html, .pdf)
 *   quarantine/                results and checkpoints that failed verification, moved aside (never read)
 * Results and checkpoints are verified files (util/verified-file.ts): checksummed, structurally checked on
 * every read, and quarantined with a warning when they fail, so a damaged file never blocks a rebuild.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../experiment/index.js';
import { FileCheckpointStore } from '../jobs/checkpoint.js';
import { readVerified, writeVerified, type QuarantineOptions } from '../util/verified-file.js';
import { NNLAB_VERSION } from '../version.js';

/** The kind named in the envelope of every stored result. */
export const RESULT_KIND = 'result';

export const DEFAULT_OUT = join('runs', 'latest');

export interface StoredResult {
  id: string;
  title: string;
  nnlabVersion: string;
  seed: number;
  quick: boolean;
  config: Config;
  /** Seconds the experiment ran in this process (a resumed run counts only its own part). */
  wallSeconds: number;
  workers: number;
  /** ISO time the result was stored. */
  finishedAt: string;
  result: unknown;
}

/**
 * Throws a message naming the first field of `v` that a StoredResult cannot have (a structural check: the
 * experiment's own result is only required to be a non-null object or array).
 */
export function checkStoredResult(v: unknown): asserts v is StoredResult {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a record');
  const r = v as Record<string, unknown>;
  const want = (key: string, ok: boolean, what: string): void => {
    if (!ok) throw new Error(`field "${key}" must be ${what}, got ${JSON.stringify(r[key]) ?? 'nothing'}`);
  };
  for (const k of ['id', 'title', 'nnlabVersion'])
    want(k, typeof r[k] === 'string' && r[k] !== '', 'a non-empty string');
  want('finishedAt', typeof r.finishedAt === 'string', 'a string');
  want('seed', Number.isSafeInteger(r.seed), 'an integer');
  want('workers', Number.isSafeInteger(r.workers) && (r.workers as number) >= 0, 'an integer ≥ 0');
  want('quick', typeof r.quick === 'boolean', 'a boolean');
  want('wallSeconds', typeof r.wallSeconds === 'number' && (r.wallSeconds as number) >= 0, 'a number ≥ 0');
  want('config', r.config !== null && typeof r.config === 'object' && !Array.isArray(r.config), 'a record');
  want(
    'result',
    r.result !== null && typeof r.result === 'object' && Object.keys(r.result).length > 0,
    'a non-empty record or list (the result itself)',
  );
}

export class RunStore {
  readonly root: string;
  private readonly warn?: (message: string) => void;

  /** `warn` hears of every file moved to quarantine (default: a line on stderr). */
  constructor(root: string, opts: { warn?: (message: string) => void } = {}) {
    this.root = resolve(root);
    this.warn = opts.warn;
  }

  /** Where results and checkpoints that fail verification are moved. */
  get quarantineDir(): string {
    return join(this.root, 'quarantine');
  }

  private get quarantine(): QuarantineOptions {
    return { dir: this.quarantineDir, warn: this.warn };
  }

  get resultsDir(): string {
    return join(this.root, 'results');
  }

  resultPath(id: string): string {
    return join(this.resultsDir, `${id}.json`);
  }

  checkpoints(id: string): FileCheckpointStore {
    return new FileCheckpointStore(join(this.root, 'checkpoints', id), this.quarantine);
  }

  /** The directory of the metrics logs of experiment `id`'s jobs. */
  logDir(id: string): string {
    return join(this.root, 'logs', id);
  }

  /** How many jobs of `id` have checkpoints (a run that will resume them). */
  checkpointedJobs(id: string): number {
    const dir = this.checkpoints(id).dir;
    return existsSync(dir) ? readdirSync(dir).length : 0;
  }

  /**
   * The stored result of `id`, or undefined when there is none or it fails verification (checksum, structure,
   * or another experiment's id): such a file is quarantined with a warning, so the experiment is run again.
   */
  readResult(id: string): StoredResult | undefined {
    return readVerified<StoredResult>(this.resultPath(id), RESULT_KIND, this.quarantine, (v) => {
      checkStoredResult(v);
      if (v.id !== id) throw new Error(`it is the result of "${v.id}", not of "${id}"`);
    });
  }

  /** Stores the result atomically, then deletes the experiment's checkpoints (no longer needed). */
  writeResult(r: StoredResult): void {
    checkStoredResult(r);
    writeVerified(this.resultPath(r.id), RESULT_KIND, r);
    this.checkpoints(r.id).clear();
  }

  /**
   * The stored result if it was made with exactly this config and seed by this nnlab version (so re-running
   * would repeat it; another version may compute or store it differently).
   */
  upToDate(id: string, config: Config, seed: number): StoredResult | undefined {
    const r = this.readResult(id);
    return r !== undefined &&
      r.seed === seed &&
      r.nnlabVersion === NNLAB_VERSION &&
      isDeepStrictEqual(r.config, config)
      ? r
      : undefined;
  }
}
