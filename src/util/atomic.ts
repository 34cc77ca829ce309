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

/** What a failed file-system call meant, as a user reads it (errno code → words). */
const ERRNO_WORDS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a component of the path is a file, not a directory',
  EISDIR: 'the path is a directory',
};

/** A file could not be written: names the path, what failed and what to do; `code` is the errno code. */
export class FileWriteError extends Error {
  override readonly name = 'FileWriteError';
  constructor(
    readonly path: string,
    readonly code: string,
    cause: Error,
  ) {
    super(
      `cannot write ${path}: ${ERRNO_WORDS[code] ?? cause.message} (${code}); ` +
        (code === 'ENOSPC' || code === 'EDQUOT'
          ? 'free some space, then run the same command again: finished work is kept'
          : 'choose a writable --out or fix the permissions, then run the same command again'),
      { cause },
    );
  }
}

/**
 * A testing hook: NNLAB_FAULT_WRITE_LIMIT=<bytes> makes this thread's writes fail with ENOSPC once they
 * total more than that many bytes, as a full disk would (the fault-injection tests use it; unset, it costs
 * nothing).
 */
let writtenBytes = 0;
function injectedEnospc(bytes: number): void {
  const limit = process.env.NNLAB_FAULT_WRITE_LIMIT;
  if (limit === undefined || limit === '') return;
  writtenBytes += bytes;
  if (writtenBytes > Number(limit)) {
    const e = new Error('ENOSPC: no space left on device (injected by NNLAB_FAULT_WRITE_LIMIT)');
    (e as NodeJS.ErrnoException).code = 'ENOSPC';
    throw e;
  }
}

/**
 * Writes `data` to `path` atomically (temp file + fsync + rename + fsync of the directory). A failure leaves
 * the previous file as it was, removes the temporary file and throws a FileWriteError naming `path`.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  // pid + thread id + counter: unique among concurrent writers in worker threads and other processes.
  const tmp = join(dir, `${basename(path)}${TEMP_MARKER}${process.pid}-${threadId}-${counter++}`);
  let fd: number | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(tmp, 'w');
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    injectedEnospc(bytes.length);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') throw new FileWriteError(path, code, e as Error);
    throw e;
  }
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
