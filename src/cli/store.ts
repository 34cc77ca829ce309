/**
 * The layout of a run directory (`--out`, default runs/latest) and its stored results:
 *   results/<id>.json          result + full config + seed + nnlab version + wall time + quick flag
 *   checkpoints/<id>/          checkpoints of unfinished work (deleted once the result is stored), with a
 *                              SETTINGS file: the fingerprint of the config and seed they were made under
 *   figures/, report/          written by the report (homework3.ipynb, .html, .pdf)
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../experiments/types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { canonicalJson, decodeJson, encodeJson, FileCheckpointStore } from '../util/checkpoint.js';

/** The version in package.json, recorded with every result. */
export const NNLAB_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

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

export class RunStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get resultsDir(): string {
    return join(this.root, 'results');
  }

  resultPath(id: string): string {
    return join(this.resultsDir, `${id}.json`);
  }

  checkpoints(id: string): FileCheckpointStore {
    return new FileCheckpointStore(join(this.root, 'checkpoints', id));
  }

  /**
   * The checkpoints of `id` for a run under exactly this config and seed. Checkpoints left by a run under
   * other settings (or of unknown settings) are deleted first, so no experiment's jobs can resume them.
   */
  checkpointsFor(id: string, config: Config, seed: number): FileCheckpointStore {
    const store = this.checkpoints(id);
    const marker = join(store.dir, 'SETTINGS');
    const fingerprint = createHash('sha256').update(canonicalJson({ config, seed })).digest('hex');
    const stale = existsSync(marker)
      ? readFileSync(marker, 'utf8') !== fingerprint
      : existsSync(store.dir) && readdirSync(store.dir).length > 0;
    if (stale) store.clear();
    writeFileAtomic(marker, fingerprint);
    return store;
  }

  readResult(id: string): StoredResult | undefined {
    const path = this.resultPath(id);
    if (!existsSync(path)) return undefined;
    try {
      return decodeJson<StoredResult>(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`RunStore.readResult: ${path} is not a readable result: ${(e as Error).message}`);
    }
  }

  /** Stores the result atomically, then deletes the experiment's checkpoints (no longer needed). */
  writeResult(r: StoredResult): void {
    writeFileAtomic(this.resultPath(r.id), encodeJson(r));
    this.checkpoints(r.id).clear();
  }

  /** The stored result if it was made with exactly this config and seed (so re-running would repeat it). */
  upToDate(id: string, config: Config, seed: number): StoredResult | undefined {
    const r = this.readResult(id);
    return r !== undefined && r.seed === seed && isDeepStrictEqual(r.config, config) ? r : undefined;
  }
}
