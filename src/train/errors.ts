/**
 * Thrown when a training loss breaks the divergence rule (divergence.ts: NaN, ±∞, or above its bound), so a
 * job can store the run as diverged.
 */
export class DivergenceError extends Error {
  override readonly name = 'DivergenceError';
  constructor(
    /** Epoch index (from 0) of the diverged batch. */
    readonly epoch: number,
    /** Global iteration (batches since the model was created or restored) of the diverged batch. */
    readonly iteration: number,
    /** The loss that broke the rule. */
    readonly loss: number,
    /** The bound in force (∞: only a non-finite loss counts). */
    readonly bound: number = Infinity,
    /** The last finite loss before it, if known. */
    readonly lastFiniteLoss: number | null = null,
  ) {
    super(
      `training diverged: loss ${loss} at epoch ${epoch}, iteration ${iteration}` +
        (Number.isFinite(bound) ? ` (divergence bound ${bound.toPrecision(4)})` : '') +
        (lastFiniteLoss !== null ? `; last finite loss ${lastFiniteLoss.toPrecision(4)}` : ''),
    );
  }
}
