/**
 * The last line of `nnlab run`: what became of each planned experiment, and the exit status. Diverged runs
 * are results (stored and reported as diverged), so they do not fail the command; a failed experiment does,
 * since the user must act (fix the cause, then run the same command to resume).
 */
import type { DivergedCount } from '../experiment/types.js';

/** How each planned experiment ended: stored (with how many of its runs diverged) or failed. */
export interface Outcome extends DivergedCount {
  id: string;
  stored: boolean;
}

/**
 * Counts the runs of a result that carry a `diverged` field, and those where it is set (the divergence rule):
 * the count of an experiment that does not define its own `countDiverged`.
 */
export function countDiverged(result: unknown): DivergedCount {
  let runs = 0;
  let diverged = 0;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      if ('diverged' in v) {
        runs++;
        if ((v as { diverged: unknown }).diverged !== null) diverged++;
      }
      Object.values(v).forEach(walk);
    }
  };
  walk(result);
  return { runs, diverged, unit: 'runs' };
}

/** "Summary: p2 stored; p4 stored, 2 of 4 runs diverged; p5 FAILED (see above)." and the exit status. */
export function summarise(outcomes: readonly Outcome[]): { line: string; status: number } {
  const parts = outcomes.map((o) =>
    !o.stored
      ? `${o.id} FAILED (see above)`
      : o.diverged > 0
        ? `${o.id} stored, ${o.diverged} of ${o.runs} ${o.unit} diverged (recorded as such)`
        : `${o.id} stored`,
  );
  const failed = outcomes.filter((o) => !o.stored).length;
  return {
    line: `Summary: ${parts.length > 0 ? parts.join('; ') : 'nothing to run'}.`,
    status: failed > 0 ? 1 : 0,
  };
}
