/**
 * Checkpoint stores (the `CheckpointStore` of job.ts): one directory of verified files (util/verified-file.ts:
 * a checksummed envelope around the codec's JSON), or memory, both through the codec of util/json-codec.ts
 * so typed arrays and non-finite numbers come back bit for bit.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CheckpointStore } from './job.js';
import { decodeJson, encodeJson } from '../util/json-codec.js';
import { TEMP_MARKER } from '../util/atomic.js';
import {
  quarantineFile,
  readVerified,
  writeVerified,
  type QuarantineOptions,
} from '../util/verified-file.js';

/** The kind named in the envelope of every checkpoint file. */
export const CHECKPOINT_KIND = 'checkpoint';

function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new Error(`CheckpointStore: a key must be a non-empty string, got ${JSON.stringify(key)}`);
  }
}

/** File name of a checkpoint key: any string is a valid key, so it is percent-encoded. */
function fileOf(key: string): string {
  checkKey(key);
  return `${encodeURIComponent(key)}.json`;
}

/**
 * A checkpoint store over a directory: one verified file per key, written atomically, so a run killed at any
 * moment resumes from the last complete checkpoint, and a damaged or changed file is quarantined (default:
 * the folder `quarantine` beside `dir`) instead of resumed. Safe to use from several worker threads at once
 * as long as each key is written by one job (the contract: keys are unique within an experiment run).
 */
export class FileCheckpointStore implements CheckpointStore {
  private readonly quarantine: QuarantineOptions;

  constructor(
    readonly dir: string,
    quarantine?: QuarantineOptions,
  ) {
    this.quarantine = quarantine ?? { dir: join(dirname(dir), 'quarantine') };
  }

  load<T>(key: string, check?: (value: unknown) => void): T | undefined {
    return readVerified<T>(join(this.dir, fileOf(key)), CHECKPOINT_KIND, this.quarantine, check);
  }

  save<T>(key: string, value: T): void {
    writeVerified(join(this.dir, fileOf(key)), CHECKPOINT_KIND, value);
  }

  discard(key: string, why: string): void {
    const path = join(this.dir, fileOf(key));
    if (existsSync(path)) quarantineFile(path, `checkpoint ${path} ${why}`, this.quarantine);
  }

  /** The keys stored, sorted (temporary files of interrupted writes are skipped). */
  keys(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json') && !f.includes(TEMP_MARKER))
      .map((f) => decodeURIComponent(f.slice(0, -'.json'.length)))
      .sort();
  }

  /** Deletes the directory and everything in it (done once the experiment's result is stored). */
  clear(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * An in-memory checkpoint store with the file store's semantics: values pass through the same codec, so a
 * loaded value is a copy (mutating it does not change the store) and typed arrays come back typed; a value
 * that fails `check` is dropped (there is no file to quarantine).
 */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly entries = new Map<string, string>();

  load<T>(key: string, check?: (value: unknown) => void): T | undefined {
    const text = this.entries.get(key);
    if (text === undefined) return undefined;
    const value = decodeJson<T>(text);
    if (check !== undefined) {
      try {
        check(value);
      } catch {
        this.entries.delete(key);
        return undefined;
      }
    }
    return value;
  }

  save<T>(key: string, value: T): void {
    checkKey(key);
    this.entries.set(key, encodeJson(value));
  }

  discard(key: string): void {
    this.entries.delete(key);
  }

  keys(): string[] {
    return [...this.entries.keys()].sort();
  }
}
