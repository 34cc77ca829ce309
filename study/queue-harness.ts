/**
 * Test harness of the queue tests: a real redis-server on a free loopback port, `nnlab worker` and
 * `nnlab run` processes, each one's output captured, and everything started killed at the end by its pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeJson } from 'nnlab';

export const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface Proc {
  name: string;
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves when the output matches `re` (rejects after `ms`, or if the process exits first). */
  waitFor(re: RegExp, ms: number): Promise<void>;
  exited: Promise<number | null>;
}

/** The processes a test started; killAll() ends every one still running (SIGKILL, by pid). */
export class Procs {
  readonly all: Proc[] = [];

  start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const listeners = new Set<() => void>();
    const onData = (b: Buffer): void => {
      out += b.toString();
      for (const l of listeners) l();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const proc: Proc = {
      name,
      child,
      output: () => out,
      exited,
      waitFor: (re, ms) =>
        new Promise<void>((resolve, reject) => {
          const check = (): void => {
            if (re.test(out)) done(null);
          };
          const timer = setTimeout(
            () => done(new Error(`${name}: no ${re} within ${ms} ms; output:\n${out.slice(-3000)}`)),
            ms,
          );
          const done = (e: Error | null): void => {
            clearTimeout(timer);
            listeners.delete(check);
            if (e === null) resolve();
            else reject(e);
          };
          listeners.add(check);
          void exited.then((code) => {
            if (listeners.has(check) && !re.test(out))
              done(new Error(`${name} exited (code ${code}) before ${re}; output:\n${out.slice(-3000)}`));
          });
          check();
        }),
    };
    this.all.push(proc);
    return proc;
  }

  async killAll(): Promise<void> {
    await Promise.all(
      this.all.map(async (p) => {
        if (p.child.exitCode === null && p.child.signalCode === null) {
          p.child.kill('SIGKILL');
          await p.exited;
        }
      }),
    );
  }
}

export interface RedisServer {
  port: number;
  password?: string;
  url: string;
  proc: Proc;
}

/** Starts redis-server on `port` (no persistence: a restart loses everything, the hardest case). */
export async function startRedis(
  procs: Procs,
  dir: string,
  port: number,
  password?: string,
): Promise<RedisServer> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  if (password !== undefined) args.push('--requirepass', password);
  const proc = procs.start(`redis:${port}`, 'redis-server', args);
  await proc.waitFor(/Ready to accept connections/, 10_000);
  const auth = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
  return { port, password, url: `redis://${auth}127.0.0.1:${port}`, proc };
}

/** One redis-cli command's output (trimmed). */
export function redisCli(r: { port: number; password?: string }, ...args: string[]): string {
  const auth = r.password === undefined ? [] : ['--no-auth-warning', '-a', r.password];
  const out = spawnSync('redis-cli', ['-p', String(r.port), ...auth, ...args], { encoding: 'utf8' });
  return out.stdout.trim();
}

/** Starts `nnlab worker` and waits until it is taking jobs. */
export async function startWorker(
  procs: Procs,
  name: string,
  url: string,
  extra: string[] = [],
): Promise<Proc> {
  const w = procs.start(name, process.execPath, [
    cli,
    'worker',
    '--redis',
    url,
    '--concurrency',
    '1',
    ...extra,
  ]);
  await w.waitFor(/waiting for jobs/, 20_000);
  return w;
}

/** Starts `nnlab <args>` (not awaited: the test acts while it runs). */
export function startNnlab(procs: Procs, name: string, args: string[]): Proc {
  return procs.start(name, process.execPath, [cli, ...args]);
}

/** A stored result without what legitimately differs between runs (wall times, worker count, dates). */
export function comparable(path: string): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      return Object.fromEntries(
        Object.entries(v)
          .filter(([k]) => !/seconds$|^workers$|^finishedAt$|^sha256$/i.test(k))
          .map(([k, x]) => [k, strip(x)]),
      );
    }
    return v;
  };
  return strip(decodeJson(readFileSync(path, 'utf8')));
}
