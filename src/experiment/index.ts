/**
 * The one way to run an experiment: config = defaults ← quick ← overrides, each override checked against
 * the type of its default, then the experiment's own validate(), then run(config, seed, ctx) with a worker
 * pool behind ctx.runJobs. The CLI and notebooks add files (results, checkpoints) around the same function;
 * `runExperiment` is the library entry and writes nothing.
 */
import type { Config, ConfigValue, Experiment, RunContext } from './types.js';
import type { Progress } from '../jobs/job.js';
import { WorkerPool, type PoolOptions } from '../jobs/pool.js';

export * from './types.js';

/** The seed of a run when none is given. */
export const DEFAULT_SEED = 1;

export type AnyExperiment = Experiment<Config, unknown>;
export type ConfigOf<E> = E extends Experiment<infer C, unknown> ? C : never;
export type ResultOf<E> = E extends Experiment<Config, infer R> ? R : never;

/** The experiment with this id among `list`; throws naming the known ids otherwise. */
export function findExperiment(list: readonly AnyExperiment[], id: string): AnyExperiment {
  const e = list.find((x) => x.id === id);
  if (e === undefined) {
    throw new ConfigError(`unknown experiment "${id}"; known: ${list.map((x) => x.id).join(', ')}`);
  }
  return e;
}

/** A bad experiment id or setting: the CLI prints the message and exits before anything trains. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The type of a config value as the user reads it, e.g. "a number", "a list of strings". */
function describeType(def: ConfigValue): string {
  if (def === null) return 'any JSON value';
  if (Array.isArray(def)) {
    if (def.length === 0) return 'a list';
    const inner = describeType(def[0]).replace(/^an? /, '');
    return `a list of ${inner.endsWith('s') ? inner : inner + 's'}`;
  }
  if (typeof def === 'object') return `a record with keys ${Object.keys(def).join(', ')}`;
  return typeof def === 'number' ? 'a number' : typeof def === 'boolean' ? 'a boolean' : 'a string';
}

/**
 * Checks `value` against the type of `def` (the default) and returns the value to use: numbers must be finite
 * numbers, strings strings, booleans booleans, lists lists whose items match the default's first item,
 * records records with no keys outside the default's (missing keys keep their defaults). A null default
 * accepts anything JSON. `where` names the setting in messages.
 */
export function checkLike(value: unknown, def: ConfigValue, where: string): ConfigValue {
  const bad = (): ConfigError =>
    new ConfigError(
      `${where}: expected ${describeType(def)} (the default is ${JSON.stringify(def)}), got ${JSON.stringify(value)}`,
    );
  if (def === null) {
    if (value === undefined) throw bad();
    return value as ConfigValue;
  }
  if (Array.isArray(def)) {
    if (!Array.isArray(value)) throw bad();
    if (def.length === 0) return value as ConfigValue[];
    return value.map((v, i) => checkLike(v, def[0], `${where}[${i}]`));
  }
  if (typeof def === 'object') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad();
    const out: { [k: string]: ConfigValue } = { ...def };
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (!(k in def))
        throw new ConfigError(`${where}: no key "${k}"; valid keys: ${Object.keys(def).join(', ')}`);
      out[k] = checkLike(v, def[k], `${where}.${k}`);
    }
    return out;
  }
  if (typeof def === 'number') {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw bad();
    return value;
  }
  if (typeof value !== typeof def) throw bad();
  return value as ConfigValue;
}

/**
 * Parses the text of `--set key=TEXT` by the default's type: numbers by Number() ("1e-3", "0.05"), booleans
 * as true/false, strings verbatim, lists either as JSON ("[0.01,0.1,1]") or comma-separated ("32,64,128"),
 * records and null-default values as JSON (a null default takes unparseable text as a string).
 */
export function parseLike(text: string, def: ConfigValue, where: string): ConfigValue {
  const bad = (): ConfigError =>
    new ConfigError(
      `${where}=${text}: expected ${describeType(def)} (the default is ${JSON.stringify(def)})`,
    );
  const json = (): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      throw bad();
    }
  };
  if (def === null) {
    try {
      return JSON.parse(text) as ConfigValue;
    } catch {
      return text;
    }
  }
  if (Array.isArray(def)) {
    const t = text.trim();
    if (t.startsWith('[')) return checkLike(json(), def, where);
    if (t === '') return [];
    const item = def.length > 0 ? def[0] : null;
    return t.split(',').map((s, i) => parseLike(s.trim(), item, `${where}[${i}]`));
  }
  switch (typeof def) {
    case 'number': {
      const n = text.trim() === '' ? NaN : Number(text);
      if (!Number.isFinite(n)) throw bad();
      return n;
    }
    case 'boolean':
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw bad();
    case 'string':
      return text;
    default:
      return checkLike(json(), def, where);
  }
}

/** A `--set` setting: experiment id, key path inside its config (dotted), and the raw text. */
export interface Setting {
  id: string;
  path: string[];
  text: string;
}

/** Splits `p4.learningRate=0.05` into { id: 'p4', path: ['learningRate'], text: '0.05' }. */
export function parseSetting(arg: string): Setting {
  const eq = arg.indexOf('=');
  const lhs = eq < 0 ? arg : arg.slice(0, eq);
  const parts = lhs.split('.');
  if (eq < 0 || parts.length < 2 || parts.some((p) => p === '')) {
    throw new ConfigError(`--set ${arg}: expected EXPERIMENT.KEY=VALUE, e.g. p4.learningRate=0.05`);
  }
  return { id: parts[0], path: parts.slice(1), text: arg.slice(eq + 1) };
}

/** Applies one parsed setting to `config` (a copy is returned), checking the key path and the value's type. */
function applySetting(exp: AnyExperiment, config: Config, s: Setting): Config {
  const where = `--set ${exp.id}.${s.path.join('.')}`;
  const set = (node: Config, defNode: Config, i: number): Config => {
    const k = s.path[i];
    if (!(k in defNode)) {
      const scope = i === 0 ? exp.id : `${exp.id}.${s.path.slice(0, i).join('.')}`;
      throw new ConfigError(
        `${where}: ${scope} has no setting "${k}"; valid: ${Object.keys(defNode).join(', ')}`,
      );
    }
    const def = defNode[k];
    if (i === s.path.length - 1) return { ...node, [k]: parseLike(s.text, def, where) };
    if (def === null || typeof def !== 'object' || Array.isArray(def)) {
      throw new ConfigError(`${where}: ${exp.id}.${s.path.slice(0, i + 1).join('.')} is not a record`);
    }
    return { ...node, [k]: set(node[k] as Config, def, i + 1) };
  };
  return set(config, exp.defaults, 0);
}

/**
 * The config of `exp`: defaults ← quick overrides (with `quick`) ← typed `overrides` ← `settings` (--set),
 * every layer type-checked against the defaults; then the experiment's validate(). Throws a ConfigError
 * naming the first bad setting, or listing all of validate()'s problems.
 */
export function resolveConfig(
  exp: AnyExperiment,
  opts: { quick?: boolean; overrides?: Partial<Config>; settings?: Setting[] } = {},
): Config {
  let config: Config = structuredClone(exp.defaults);
  const layer = (values: Partial<Config>, what: string): void => {
    for (const [k, v] of Object.entries(values)) {
      if (!(k in exp.defaults)) {
        throw new ConfigError(
          `${what} ${exp.id}.${k}: no such setting; valid: ${Object.keys(exp.defaults).join(', ')}`,
        );
      }
      config[k] = checkLike(v, exp.defaults[k], `${what} ${exp.id}.${k}`);
    }
  };
  if (opts.quick) layer(exp.quick, 'quick');
  if (opts.overrides) layer(opts.overrides, 'override');
  for (const s of opts.settings ?? []) {
    if (s.id !== exp.id)
      throw new ConfigError(`--set ${s.id}.${s.path.join('.')}: this setting is not for ${exp.id}`);
    config = applySetting(exp, config, s);
  }
  const problems = exp.validate(config);
  if (problems.length > 0) throw new ConfigError(`${exp.id}: invalid config: ${problems.join('; ')}`);
  return config;
}

/** What runs an experiment's jobs: a local WorkerPool, or another runner such as the queue's coordinator. */
export type JobRunner = Pick<WorkerPool, 'workers' | 'runJobs' | 'close'>;

/** The run's seed and, for the worker pool, its size, stores, log directory and hooks (PoolOptions). */
export interface ExecuteOptions extends PoolOptions {
  seed: number;
  /**
   * Run the jobs on this runner instead of a fresh local WorkerPool (e.g. nnlab/queue's QueueCoordinator,
   * whose results are the same); executeExperiment closes it.
   */
  runner?: JobRunner;
}

/** Runs `exp` with an already resolved config on a fresh job runner (or opts.runner), closed afterwards. */
export async function executeExperiment(
  exp: AnyExperiment,
  config: Config,
  opts: ExecuteOptions,
): Promise<unknown> {
  if (!Number.isInteger(opts.seed))
    throw new ConfigError(`${exp.id}: the seed must be an integer, got ${opts.seed}`);
  const onProgress = opts.onProgress ?? (() => {});
  const pool: JobRunner =
    opts.runner ??
    new WorkerPool({
      workers: opts.workers,
      checkpointDir: opts.checkpointDir,
      quarantineDir: opts.quarantineDir,
      logDir: opts.logDir,
      onJobEnd: opts.onJobEnd,
      onProgress,
      onJobStart: opts.onJobStart,
    });
  const ctx: RunContext = {
    workers: pool.workers,
    runJobs: (job, tasks) => pool.runJobs(job, tasks),
    progress: (p) => onProgress(exp.id, p),
  };
  try {
    return await exp.run(config, opts.seed, ctx);
  } finally {
    await pool.close();
  }
}

/**
 * Runs one experiment from the library, in memory (no files): e.g.
 * `const r = await runExperiment(p4, { epochs: 2 }, { seed: 1, quick: true })`.
 */
export async function runExperiment<C extends Config, R>(
  exp: Experiment<C, R>,
  overrides: Partial<C> = {},
  opts: {
    seed?: number;
    workers?: number;
    quick?: boolean;
    onProgress?: (key: string, p: Progress) => void;
  } = {},
): Promise<R> {
  const any = exp as unknown as AnyExperiment;
  const config = resolveConfig(any, { quick: opts.quick, overrides: overrides as Partial<Config> });
  return (await executeExperiment(any, config, {
    seed: opts.seed ?? DEFAULT_SEED,
    workers: opts.workers,
    onProgress: opts.onProgress,
  })) as R;
}
