/**
 * The report of a run directory is written as a set: every file of one build (notebook, HTML, PDF, figures)
 * goes into a fresh folder `.report-sets/<stamp>/`, and the build is published by pointing the symlink
 * `report` at it, in one atomic rename of a new symlink over the old. `figures` is a symlink to
 * `report/figures`, so it follows. A build killed at any moment leaves the previous complete set published
 * (its unfinished folder is deleted by the next build); a reader never sees files of two builds mixed.
 *
 *   <out>/report   -> .report-sets/<stamp>        homework3.ipynb, .html, .pdf
 *   <out>/figures  -> report/figures              <id>.svg, <id>.png
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { basename, join } from 'node:path';

const SETS = '.report-sets';

/** A fresh, empty folder for the files of one report build (with its figures/ subfolder). */
export function stageReportSet(outDir: string): string {
  const stamp = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
  const dir = join(outDir, SETS, stamp);
  mkdirSync(join(dir, 'figures'), { recursive: true });
  return dir;
}

/** Replaces `link` by a symlink to `target` atomically (a new link renamed over the old one). */
function pointAt(link: string, target: string): void {
  const tmp = `${link}.new-${process.pid}`;
  rmSync(tmp, { force: true });
  symlinkSync(target, tmp);
  renameSync(tmp, link);
}

/**
 * Publishes a staged set: `report` now points at it (atomically), `figures` at `report/figures`; then the
 * other sets (older builds, folders of killed builds) are deleted. A `report` or `figures` that is a real
 * folder (a run directory of an nnlab before report sets) is moved into `.report-sets/` first.
 */
export function publishReportSet(outDir: string, setDir: string): void {
  for (const name of ['report', 'figures']) {
    const p = join(outDir, name);
    if (existsSync(p) && !lstatSync(p).isSymbolicLink())
      renameSync(p, join(outDir, SETS, `legacy-${name}-${process.pid}`));
  }
  pointAt(join(outDir, 'report'), join(SETS, basename(setDir)));
  let figures: string | null = null;
  try {
    figures = readlinkSync(join(outDir, 'figures'));
  } catch {
    figures = null;
  }
  if (figures !== join('report', 'figures')) pointAt(join(outDir, 'figures'), join('report', 'figures'));
  for (const other of readdirSync(join(outDir, SETS)))
    if (other !== basename(setDir)) rmSync(join(outDir, SETS, other), { recursive: true, force: true });
}
