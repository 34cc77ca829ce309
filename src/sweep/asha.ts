/**
 * ASHA, asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter Tuning",
 * 2018, Algorithm 2), over a finite list of configurations. Rung k trains for `grace·η^k` units of resource
 * (epochs) up to `max`; whenever a worker is free, the best not-yet-promoted configuration in the top 1/η of
 * the highest rung that has one is promoted to the next rung, else a new configuration starts at rung 0. It
 * never waits for a rung to fill (the asynchronous part), so workers stay busy; the price is that an early
 * lucky configuration may be promoted on few comparisons, as in the paper.
 *
 * Pure: no I/O and no clock; the caller runs what next() asks for and reports the score (higher is better).
 */

export interface AshaOptions {
  /** Resource of rung 0 (the grace period), e.g. 1 epoch. */
  grace: number;
  /** Reduction factor η ≥ 2: the top 1/η of a rung is promoted, with η times the resource. */
  eta: number;
  /** Most resource any configuration gets; the top rung is the largest grace·η^k ≤ max. */
  max: number;
}

/** What to do next: train `config` (an index into the list) at `rung` for `resource`, wait, or stop. */
export type AshaStep =
  { kind: 'run'; config: number; rung: number; resource: number } | { kind: 'wait' } | { kind: 'done' };

/** One finished trial. */
export interface AshaTrial {
  config: number;
  rung: number;
  resource: number;
  score: number;
}

/** The resources of the rungs: grace·η^k for k = 0, 1, … while ≤ max. */
export function ashaRungs(o: AshaOptions): number[] {
  const bad = (what: string): never => {
    throw new Error(`ashaRungs: ${what} (got grace ${o.grace}, eta ${o.eta}, max ${o.max})`);
  };
  if (!(Number.isInteger(o.grace) && o.grace >= 1)) bad('grace must be an integer ≥ 1');
  if (!(Number.isInteger(o.eta) && o.eta >= 2)) bad('eta must be an integer ≥ 2');
  if (!(Number.isInteger(o.max) && o.max >= o.grace)) bad('max must be an integer ≥ grace');
  const out: number[] = [];
  for (let r = o.grace; r <= o.max; r *= o.eta) out.push(r);
  return out;
}

/** A score as ASHA ranks it: NaN (a diverged run) ranks below everything. */
const rank = (s: number): number => (Number.isNaN(s) ? -Infinity : s);

export class Asha {
  readonly rungs: number[];
  readonly trials: AshaTrial[] = [];
  private nextNew = 0;
  private inFlight = 0;
  /** Per rung: configs that reached it (finished there), and those promoted out of it. */
  private readonly results: Map<number, number>[];
  private readonly promoted: Set<number>[];

  constructor(
    readonly configs: number,
    readonly options: AshaOptions,
  ) {
    if (!(Number.isInteger(configs) && configs >= 1))
      throw new Error(`Asha: need at least one configuration, got ${configs}`);
    this.rungs = ashaRungs(options);
    this.results = this.rungs.map(() => new Map());
    this.promoted = this.rungs.map(() => new Set());
  }

  /** The next trial to start (it counts as in flight until reported), or wait / done. */
  next(): AshaStep {
    const eta = this.options.eta;
    for (let k = this.rungs.length - 2; k >= 0; k--) {
      const rung = this.results[k];
      const top = Math.floor(rung.size / eta);
      if (top === 0) continue;
      const best = [...rung.entries()]
        .sort((a, b) => rank(b[1]) - rank(a[1]) || a[0] - b[0])
        .slice(0, top)
        .find(([c]) => !this.promoted[k].has(c));
      if (best !== undefined) {
        this.promoted[k].add(best[0]);
        this.inFlight++;
        return { kind: 'run', config: best[0], rung: k + 1, resource: this.rungs[k + 1] };
      }
    }
    if (this.nextNew < this.configs) {
      this.inFlight++;
      return { kind: 'run', config: this.nextNew++, rung: 0, resource: this.rungs[0] };
    }
    return this.inFlight > 0 ? { kind: 'wait' } : { kind: 'done' };
  }

  /** Reports the score of a trial next() asked for. */
  report(config: number, rung: number, score: number): void {
    if (!(rung >= 0 && rung < this.rungs.length) || this.results[rung].has(config)) {
      throw new Error(`Asha.report: config ${config} at rung ${rung} was not asked for, or reported twice`);
    }
    this.inFlight--;
    this.results[rung].set(config, score);
    this.trials.push({ config, rung, resource: this.rungs[rung], score });
  }

  /** The best configuration: highest score on the highest rung anything reached. */
  best(): AshaTrial | undefined {
    for (let k = this.rungs.length - 1; k >= 0; k--) {
      const at = this.trials.filter((t) => t.rung === k);
      if (at.length > 0) return at.sort((a, b) => rank(b.score) - rank(a.score) || a.config - b.config)[0];
    }
    return undefined;
  }

  /**
   * Resource spent: `trained` when every trial trains from scratch (as nnlab's sweep does), `resumed` when a
   * promoted trial would continue from its previous rung's checkpoint (the paper's accounting).
   */
  spent(): { trained: number; resumed: number } {
    const trained = this.trials.reduce((s, t) => s + t.resource, 0);
    const most = new Map<number, number>();
    for (const t of this.trials) most.set(t.config, Math.max(most.get(t.config) ?? 0, t.resource));
    return { trained, resumed: [...most.values()].reduce((s, r) => s + r, 0) };
  }
}
