/**
 * The layout of a run directory (`--out`, default runs/latest) and its stored results:
 *   results/<id>.json          result + full config + seed + nnlab version + wall time + quick flag
 *   checkpoints/<id>/<jobId>/  checkpoints of each unfinished job (deleted once the result is stored); the
 *                              jobId names the job's code version and arguments, so nothing else resumes them
 *   logs/<id>/<key>--<jobId>/  each job's metrics log (metrics.jsonl) and TensorBoard event files; logs/<id>/jobs.jsonl
 *                              lists the jobs queued (see metrics/log.ts); kept after the result is stored
 *   figures/, report/          written by the report (homework3.ipynb, .html, .pdf)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../experiment/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { FileCheckpointStore } from '../jobs/checkpoint.js';
import { decodeJson, encodeJson } from '../util/json-codec.js';

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

  /** The directory of the metrics logs of experiment `id`'s jobs. */
  logDir(id: string): string {
    return join(this.root, 'logs', id);
  }

  /** How many jobs of `id` have checkpoints (a run that will resume them). */
  checkpointedJobs(id: string): number {
    const dir = this.checkpoints(id).dir;
    return existsSync(dir) ? readdirSync(dir).length : 0;
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
