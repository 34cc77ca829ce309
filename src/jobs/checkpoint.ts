/**
 * Checkpoint stores (the `CheckpointStore` of job.ts): one directory of JSON files, or memory, both through
 * the codec of util/json-codec.ts so typed arrays and non-finite numbers come back bit for bit.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointStore } from './job.js';
import { decodeJson, encodeJson } from '../util/json-codec.js';
import { TEMP_MARKER, writeFileAtomic } from '../util/atomic.js';

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
 * A checkpoint store over a directory: one JSON file per key, written atomically, so a run killed at any
 * moment resumes from the last complete checkpoint. Safe to use from several worker threads at once as long
 * as each key is written by one job (the contract: keys are unique within an experiment run).
 */
export class FileCheckpointStore implements CheckpointStore {
  constructor(readonly dir: string) {}

  load<T>(key: string): T | undefined {
    const path = join(this.dir, fileOf(key));
    if (!existsSync(path)) return undefined;
    try {
      return decodeJson<T>(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`FileCheckpointStore.load: cannot read checkpoint ${path}: ${(e as Error).message}`);
    }
  }

  save<T>(key: string, value: T): void {
    writeFileAtomic(join(this.dir, fileOf(key)), encodeJson(value));
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
 * loaded value is a copy (mutating it does not change the store) and typed arrays come back typed.
 */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly entries = new Map<string, string>();

  load<T>(key: string): T | undefined {
    const text = this.entries.get(key);
    return text === undefined ? undefined : decodeJson<T>(text);
  }

  save<T>(key: string, value: T): void {
    checkKey(key);
    this.entries.set(key, encodeJson(value));
  }

  keys(): string[] {
    return [...this.entries.keys()].sort();
  }
}
