/** Thrown when a training loss becomes NaN or ±∞, so a sweep can record the run as diverged. */
export class DivergenceError extends Error {
  override readonly name = 'DivergenceError';
  constructor(
    /** Epoch index (from 0) of the diverged batch. */
    readonly epoch: number,
    /** Global iteration (batches since the model was created or restored) of the diverged batch. */
    readonly iteration: number,
    /** The non-finite loss. */
    readonly loss: number,
  ) {
    super(`training diverged: loss ${loss} at epoch ${epoch}, iteration ${iteration}`);
  }
}
