/**
 * Crash-safe file writes: the data goes to a temporary file beside the target, is fsynced, and is then
 * renamed over the target (rename is atomic on POSIX file systems), so a reader or a resumed run sees either
 * the old file or the new one, never a half-written one, even after SIGKILL or a power cut.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';

let counter = 0;

/** Marks temporary files of writeFileAtomic, so directory listings can skip leftovers of a killed writer. */
export const TEMP_MARKER = '.tmp-';

/** Writes `data` to `path` atomically (temp file + fsync + rename + fsync of the directory). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  // pid + thread id + counter: unique among concurrent writers in worker threads and other processes.
  const tmp = join(dir, `${basename(path)}${TEMP_MARKER}${process.pid}-${threadId}-${counter++}`);
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dir);
}

/** Makes a rename durable; some file systems refuse to fsync a directory, which is then harmless. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported here (e.g. some network file systems); the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
