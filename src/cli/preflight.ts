/**
 * Everything `nnlab run` and `nnlab report` can check before training starts, each failure one plain
 * sentence with exit status 2: the run directory (named, a directory, creatable, writable, not on a
 * read-only file system), the worker count against the cores and the memory they need, NNLAB_HEAP_MB, and
 * the data files of every experiment that will run (checksums). Training then fails only on what cannot be
 * known in advance.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { checkDataFiles } from '../data/idx.js';
import type { AnyExperiment, Config, KernelMemoryNeed } from '../experiment/index.js';
import { heapMegabytes } from '../kernels/loader.js';
import { megabytes } from '../train/memory.js';
import { acquireRunLock, type RunLock } from './lock.js';

/** A problem found before training: the CLI prints the message and exits with status 2. */
export class PreflightError extends Error {
  override readonly name = 'PreflightError';
}

/** A failed file-system call on `path`, as one sentence that says what to do. */
export function describeFsError(e: unknown, path: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `${path} is not writable (permission denied); choose another --out or fix its permissions`;
    case 'EROFS':
      return `${path} is on a read-only file system; choose another --out`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `no space left on the device of ${path}; free some space or choose another --out`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `${path} cannot be a run directory: a part of it is a file; choose another --out`;
    default:
      return `${path} cannot be used as the run directory: ${(e as Error).message}`;
  }
}

/**
 * mkdir -p, one level at a time: a recursive mkdirSync reports ENOENT on a read-only file system, where
 * creating the first missing level reports the true cause (EROFS, EACCES).
 */
function makeDirs(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirs(parent);
  mkdirSync(dir);
}

/**
 * Makes sure `out` can be the run directory: a non-empty path, not a file, created if missing, writable;
 * then takes its lock (one writer per run directory, see lock.ts). Returns the lock to release at the end.
 */
export function prepareRunDir(out: string, command: string): RunLock {
  if (out.trim() === '')
    throw new PreflightError('--out is empty; name a run directory, e.g. --out runs/latest');
  const dir = resolve(out);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new PreflightError(`--out ${out}: ${dir} is a file, not a directory; choose another --out`);
  try {
    makeDirs(dir);
    accessSync(dir, constants.W_OK);
    return acquireRunLock(dir, command);
  } catch (e) {
    if (e instanceof Error && e.name === 'LockHeldError') throw new PreflightError(e.message);
    if (typeof (e as NodeJS.ErrnoException).code === 'string')
      throw new PreflightError(`--out ${out}: ${describeFsError(e, dir)}`);
    throw e;
  }
}

/**
 * Memory one worker thread needs while training LeNet-5 on the study's data: its V8 heap, the decoded data
 * set, its float32 image tensor and the pages of its wasm heap the kernels touch. Measured (GNU time, max
 * RSS): p4 on 20,000 images peaks at 392 MB with 1 worker and 738 MB with 2, so a worker adds ≈ 345 MB;
 * the full 60,000 images add 40,000·784·4 B ≈ 125 MB more: 600 MB with a little room.
 */
export const WORKER_MEMORY_MB = 600;

/**
 * The worker count to use: `requested` (default: the cores), capped at the number of cores (more threads
 * than cores only add memory and switching) and at what the machine's memory holds at WORKER_MEMORY_MB
 * each. `notes` says what was capped; a machine that cannot hold one worker is refused.
 */
export function chooseWorkers(
  requested: number | undefined,
  machine: { cores: number; memoryMB: number } = {
    cores: availableParallelism(),
    memoryMB: totalmem() / 2 ** 20,
  },
): { workers: number; notes: string[] } {
  const notes: string[] = [];
  let workers = requested ?? machine.cores;
  if (workers > machine.cores) {
    notes.push(
      `--workers ${workers} is more than the ${machine.cores} cores of this machine; using ${machine.cores}`,
    );
    workers = machine.cores;
  }
  const fit = Math.floor(machine.memoryMB / WORKER_MEMORY_MB);
  if (fit < 1) {
    throw new PreflightError(
      `this machine has ${Math.round(machine.memoryMB)} MB of memory; one worker needs about ${WORKER_MEMORY_MB} MB`,
    );
  }
  if (workers > fit) {
    notes.push(
      `${workers} workers need about ${workers * WORKER_MEMORY_MB} MB, this machine has ${Math.round(machine.memoryMB)} MB; using ${fit}`,
    );
    workers = fit;
  }
  return { workers, notes };
}

/** NNLAB_HEAP_MB and the data files of each experiment that will run, checked before any thread starts. */
export function checkEnvironment(run: readonly { exp: AnyExperiment; config: Config }[]): void {
  try {
    heapMegabytes();
  } catch (e) {
    throw new PreflightError((e as Error).message.replace(/^wasm backend: /, ''));
  }
  for (const { exp, config } of run) {
    const files = exp.dataFiles?.(config) ?? [];
    try {
      checkDataFiles(files);
    } catch (e) {
      throw new PreflightError(
        `${exp.id} cannot start: ${(e as Error).message.replace(/^loadIdxDataset: /, '')}`,
      );
    }
  }
  // Measured on this thread after the data checks (the measurement builds the experiment's models).
  const heap = heapMegabytes();
  for (const { exp, config } of run) {
    let need: KernelMemoryNeed | undefined;
    try {
      need = exp.kernelMemory?.(config);
    } catch (e) {
      // Measuring builds the model on this thread's heap, which has the same size as a worker's.
      throw new PreflightError(
        `${exp.id} cannot build its model in the ${heap} MB of kernel memory a thread has (NNLAB_HEAP_MB): ${(e as Error).message}`,
      );
    }
    if (need !== undefined && need.bytes > heap * 2 ** 20) {
      throw new PreflightError(
        `${exp.id} needs about ${megabytes(need.bytes)} of kernel memory per worker thread (${need.detail}), ` +
          `more than the ${heap} MB a thread has (NNLAB_HEAP_MB); raise NNLAB_HEAP_MB (at most 4095) or lower the batch sizes or data of ${exp.id}`,
      );
    }
  }
}
