/**
 * One writer per run directory: `nnlab run` and `nnlab report` hold `<out>/LOCK` for as long as they run.
 * The lock is a file created exclusively (O_CREAT | O_EXCL, atomic on local file systems) holding the pid,
 * host, command and start time of its holder. A second writer fails fast naming the holder; a lock left by a
 * process that no longer exists on this host (killed with SIGKILL, a crash) is taken over with a message.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** What the lock file holds. */
export interface LockInfo {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
}

/** The run directory is held by another live process (the CLI exits with status 2 and this message). */
export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  constructor(
    readonly path: string,
    readonly holder: LockInfo | null,
  ) {
    super(
      holder === null
        ? `${path} exists but cannot be read as a lock; another nnlab may be writing this run directory ` +
            `(if none is, delete the file)`
        : `the run directory is in use: pid ${holder.pid} on ${holder.host} has held ${path} since ` +
            `${holder.startedAt} (${holder.command}); wait for it to finish or use another --out` +
            (holder.host === hostname()
              ? ''
              : ` (a process on another machine cannot be checked from here: if nnlab no longer runs there, delete ${path})`),
    );
  }
}

/** Whether process `pid` exists on this host (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && typeof v.host === 'string') {
      return { pid: v.pid, host: v.host, command: String(v.command), startedAt: String(v.startedAt) };
    }
    return null;
  } catch {
    return null;
  }
}

/** The environment variable naming the pid whose run-directory lock this process works under. */
export const LOCK_HOLDER_ENV = 'NNLAB_LOCK_HOLDER';

/**
 * Whether this process may write in `dir` under a lock it already has: the lock's holder is this process, or
 * the process that started it (named by NNLAB_LOCK_HOLDER, as `nnlab report` does for its notebook kernel).
 */
export function worksUnderLock(dir: string): boolean {
  const holder = readLock(join(dir, 'LOCK'));
  if (holder === null || holder.host !== hostname()) return false;
  return holder.pid === process.pid || String(holder.pid) === process.env[LOCK_HOLDER_ENV];
}

/** A held lock; release() deletes the file (only if it is still ours). */
export interface RunLock {
  readonly path: string;
  release(): void;
}

/**
 * Takes `<dir>/LOCK` for this process (the directory must exist). Throws LockHeldError when a live process
 * holds it (or when it belongs to another host, whose processes cannot be checked); takes over a lock of a
 * dead process on this host, telling `notify` whose it was. The lock is released on process exit as well.
 * Errors of the file system itself (EACCES, EROFS, ENOSPC) are thrown as they are, for the caller to name.
 */
export function acquireRunLock(
  dir: string,
  command: string,
  notify: (message: string) => void = (m) => process.stderr.write(`nnlab: ${m}\n`),
): RunLock {
  const path = join(dir, 'LOCK');
  const me: LockInfo = { pid: process.pid, host: hostname(), command, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readLock(path);
      const stale = holder !== null && holder.host === me.host && !processAlive(holder.pid);
      if (!stale || attempt > 2) throw new LockHeldError(path, holder);
      notify(
        `taking over ${path}: its holder, pid ${holder.pid} (${holder.command}, since ${holder.startedAt}), no longer runs`,
      );
      // Remove it only if it still is the dead holder's (another process may have taken it over meanwhile).
      const again = readLock(path);
      if (again !== null && again.pid === holder.pid && again.startedAt === holder.startedAt)
        rmSync(path, { force: true });
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me) + '\n');
    } finally {
      closeSync(fd);
    }
    let released = false;
    // Child processes (the notebook kernel of `nnlab report`) write under this lock: they inherit its holder.
    process.env[LOCK_HOLDER_ENV] = String(me.pid);
    const release = (): void => {
      if (released) return;
      released = true;
      process.removeListener('exit', release);
      if (process.env[LOCK_HOLDER_ENV] === String(me.pid)) delete process.env[LOCK_HOLDER_ENV];
      const now = readLock(path);
      if (now !== null && now.pid === me.pid && now.host === me.host) rmSync(path, { force: true });
    };
    process.on('exit', release);
    return { path, release };
  }
}
