/**
 * The dashboard's HTTP server (`nnlab dashboard`): a page, its scripts (from this package, vega and vega-lite
 * included, so it works offline), and read-only JSON/CSV views of run directories, with Server-Sent Events
 * saying when logs change so the page redraws without a reload.
 *
 * Security: binds to 127.0.0.1 unless told otherwise; on any other address every request needs the token
 * (printed at start, like Jupyter's) as `?token=`, a Bearer header or the cookie the page gets, else 401.
 * Only GET and HEAD (nothing changes a run). Files are served only from the package's assets and from the
 * run directories the dashboard lists; names in requests are matched against those listings and paths are
 * checked after resolving symlinks, so `..`, `%2e%2e`, absolute paths and links out of a directory are refused.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { METRICS_FILE, QUEUE_FILE } from '../metrics/log.js';
import { curvesSpec, sweepSpec, type CurvePoint } from './charts.js';
import {
  DashboardInputError,
  downsample,
  findRuns,
  jobDir,
  jsonNumber,
  LogCache,
  runView,
  type RunRef,
} from './data.js';

export interface DashboardOptions {
  /** A run directory, or a folder of run directories. */
  root: string;
  port?: number;
  host?: string;
  /** The token for non-loopback hosts; default: 24 random bytes, hex. */
  token?: string;
  /** How often the SSE poller looks at the logs (ms); default 700. */
  pollMs?: number;
}

export interface Dashboard {
  url: string;
  /** The token a non-loopback dashboard requires, else null. */
  token: string | null;
  server: Server;
  close(): Promise<void>;
}

/** Points per series a chart gets at most (see data.ts downsample). */
export const MAX_POINTS = 1000;

const ASSETS = fileURLToPath(new URL('./assets/', import.meta.url));
const COOKIE = 'nnlab_dashboard_token';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The folder of an installed npm package (its main entry resolved, then up to its package.json). */
function packageDir(name: string): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve(name));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === name)
      return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`dashboard: cannot find the folder of the npm package ${name}`);
    dir = up;
  }
}

/** Static files: URL path → file, fixed at start (nothing else on disk is reachable as a static file). */
function staticFiles(): Map<string, { path: string; type: string }> {
  const types: Record<string, string> = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.png': 'image/png',
  };
  const files = new Map<string, { path: string; type: string }>();
  for (const name of readdirSync(ASSETS)) {
    const ext = name.slice(name.lastIndexOf('.'));
    if (types[ext] !== undefined)
      files.set(`/assets/${name}`, { path: join(ASSETS, name), type: types[ext] });
  }
  files.set('/', { path: join(ASSETS, 'index.html'), type: types['.html'] });
  files.set('/vendor/vega.min.js', {
    path: join(packageDir('vega'), 'build', 'vega.min.js'),
    type: types['.js'],
  });
  files.set('/vendor/vega-lite.min.js', {
    path: join(packageDir('vega-lite'), 'build', 'vega-lite.min.js'),
    type: types['.js'],
  });
  return files;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV with a header line (RFC 4180 quoting; empty cells for null: NaN/∞ and missing values). */
export function toCsv(rows: Record<string, unknown>[], columns: string[]): string {
  return (
    [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n'
  );
}

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const root = resolve(opts.root);
  findRuns(root); // fails now, with its message, when the folder is missing
  const host = opts.host ?? '127.0.0.1';
  const token = isLoopback(host) ? null : (opts.token ?? randomBytes(24).toString('hex'));
  const files = staticFiles();
  const cache = new LogCache();
  const clients = new Set<ServerResponse>();
  let poller: NodeJS.Timeout | undefined;
  let lastSignature = new Map<string, string>();

  const runs = (): RunRef[] => findRuns(root).runs;
  const runNamed = (name: string): RunRef => {
    const r = runs().find((x) => x.name === name);
    if (r === undefined)
      throw new HttpError(404, `no run directory named ${JSON.stringify(name)} under ${root}`);
    return r;
  };

  /** "run/exp/dir" → the run, experiment and job folder (each checked against the listings). */
  const jobRef = (ref: string) => {
    const parts = ref.split('/');
    if (parts.length < 3)
      throw new HttpError(400, `a job is named run/experiment/job, got ${JSON.stringify(ref)}`);
    const dir = parts.pop() as string;
    const exp = parts.pop() as string;
    const run = runNamed(parts.join('/'));
    try {
      return {
        run,
        exp,
        dir,
        path: jobDir(run, exp, dir),
        label: `${run.name}/${exp}/${dir.replace(/--[0-9a-f]+$/, '')}`,
      };
    } catch (e) {
      throw new HttpError(404, (e as Error).message);
    }
  };

  const authorized = (req: IncomingMessage, url: URL): 'ok' | 'query' | false => {
    if (token === null) return 'ok';
    const same = (given: string | undefined | null) =>
      given != null &&
      given.length === token.length &&
      timingSafeEqual(Buffer.from(given), Buffer.from(token));
    if (same(url.searchParams.get('token'))) return 'query';
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && same(auth.slice(7))) return 'ok';
    const cookie = (req.headers.cookie ?? '').split(';').map((c) => c.trim().split('='));
    if (cookie.some(([k, v]) => k === COOKIE && same(v))) return 'ok';
    return false;
  };

  const signature = (run: RunRef): string => {
    const parts: string[] = [];
    const add = (p: string) => {
      try {
        const st = statSync(p);
        parts.push(`${p}:${st.size}:${st.mtimeMs}`);
      } catch {
        // not there (yet), or not a folder on the way (jobs.jsonl/metrics.jsonl)
      }
    };
    const logs = join(run.path, 'logs');
    if (existsSync(logs))
      for (const exp of readdirSync(logs)) {
        add(join(logs, exp, QUEUE_FILE));
        const d = join(logs, exp);
        if (statSync(d).isDirectory()) for (const j of readdirSync(d)) add(join(d, j, METRICS_FILE));
      }
    const results = join(run.path, 'results');
    if (existsSync(results)) for (const f of readdirSync(results)) add(join(results, f));
    return parts.join('|');
  };

  const poll = () => {
    const next = new Map<string, string>();
    const changed: string[] = [];
    try {
      for (const r of runs()) {
        const s = signature(r);
        next.set(r.name, s);
        if (lastSignature.get(r.name) !== s) changed.push(r.name);
      }
    } catch {
      return; // the folder went away: the next request says so
    }
    for (const name of lastSignature.keys()) if (!next.has(name)) changed.push(name);
    lastSignature = next;
    if (changed.length > 0)
      for (const c of clients) c.write(`event: change\ndata: ${JSON.stringify({ runs: changed })}\n\n`);
  };

  const curves = (url: URL): { points: CurvePoint[]; downsampled: boolean; total: number } => {
    const refs = url.searchParams.getAll('job');
    const series = url.searchParams.getAll('series');
    const max = Number(url.searchParams.get('max') ?? MAX_POINTS);
    if (!Number.isInteger(max) || max < 2)
      throw new HttpError(400, `max must be an integer ≥ 2, got ${url.searchParams.get('max')}`);
    const full = url.searchParams.get('format') === 'csv' || url.searchParams.get('format') === 'json';
    const points: CurvePoint[] = [];
    let downsampled = false;
    let total = 0;
    for (const ref of refs) {
      const j = jobRef(ref);
      const log = cache.read(j.path);
      if (log === null) continue;
      for (const key of series) {
        const s = log.series.get(key);
        if (s === undefined) continue;
        total += s.steps.length;
        const idx = full ? s.steps.map((_, i) => i) : downsample(s.steps, s.values, max);
        if (idx.length < s.steps.length) downsampled = true;
        for (const i of idx)
          points.push({
            job: j.label,
            series: key,
            step: s.steps[i],
            wall: jsonNumber(s.wall[i]),
            value: jsonNumber(s.values[i]),
          });
      }
    }
    return { points, downsampled, total };
  };

  const table = (url: URL) => {
    const rows: Record<string, unknown>[] = [];
    for (const ref of url.searchParams.getAll('job')) {
      const j = jobRef(ref);
      const log = cache.read(j.path);
      if (log === null) continue;
      for (const [key, s] of log.series) {
        let min = Infinity;
        let max = -Infinity;
        for (const v of s.values) {
          if (v < min) min = v;
          if (v > max) max = v;
        }
        rows.push({
          job: j.label,
          series: key,
          points: s.values.length,
          lastStep: s.steps[s.steps.length - 1],
          last: jsonNumber(s.values[s.values.length - 1]),
          min: jsonNumber(min),
          max: jsonNumber(max),
        });
      }
    }
    return rows;
  };

  const sweep = (url: URL) => {
    const run = runNamed(url.searchParams.get('run') ?? '');
    const exp = url.searchParams.get('exp') ?? '';
    const x = url.searchParams.get('x') ?? '';
    const y = url.searchParams.get('y') ?? '';
    const agg = url.searchParams.get('agg') ?? 'last';
    if (!['last', 'min', 'max'].includes(agg))
      throw new HttpError(400, `agg must be last, min or max, got ${agg}`);
    const view = runView(run, cache).experiments.find((e) => e.id === exp);
    if (view === undefined)
      throw new HttpError(404, `no experiment ${JSON.stringify(exp)} in run ${run.name}`);
    const name = url.searchParams.get('name');
    const rows = view.jobs.flatMap((job) => {
      const s = job.series.find((k) => k.key === y);
      const hp = job.hparams[x];
      if (hp === undefined || s === undefined || (name !== null && name !== '' && job.job !== name))
        return [];
      const value = agg === 'last' ? s.last : agg === 'min' ? s.min : s.max;
      return [
        {
          job: job.key,
          name: job.job,
          x: typeof hp === 'boolean' ? String(hp) : hp,
          y: value,
          status: job.status,
        },
      ];
    });
    return rows;
  };

  const send = (
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    type: string,
    extra: Record<string, string> = {},
  ) => {
    res.writeHead(status, {
      'Content-Type': type,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
      // vega compiles its expressions with Function: 'unsafe-eval'; nothing is loaded from elsewhere.
      'Content-Security-Policy':
        "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:",
      ...extra,
    });
    res.end(body);
  };
  const sendJson = (res: ServerResponse, v: unknown) =>
    send(res, 200, JSON.stringify(v), 'application/json; charset=utf-8');
  const sendExport = (
    res: ServerResponse,
    url: URL,
    name: string,
    rows: Record<string, unknown>[],
    columns: string[],
  ) => {
    const format = url.searchParams.get('format');
    const disposition = { 'Content-Disposition': `attachment; filename="${name}.${format}"` };
    if (format === 'csv') send(res, 200, toCsv(rows, columns), 'text/csv; charset=utf-8', disposition);
    else send(res, 200, JSON.stringify(rows, null, 1), 'application/json; charset=utf-8', disposition);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(`http://dashboard${req.url ?? '/'}`);
    const auth = authorized(req, url);
    if (auth === false) {
      send(
        res,
        401,
        'nnlab dashboard: a token is required (the URL printed at start has it: ?token=…)\n',
        'text/plain; charset=utf-8',
      );
      return;
    }
    const cookie: Record<string, string> =
      auth === 'query' ? { 'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/` } : {};
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'nnlab dashboard is read-only: only GET and HEAD\n', 'text/plain; charset=utf-8', {
        Allow: 'GET, HEAD',
      });
      return;
    }
    const path = url.pathname;
    const file = files.get(path === '/index.html' ? '/' : path);
    if (file !== undefined) {
      send(res, 200, readFileSync(file.path), file.type, cookie);
      return;
    }
    if (path === '/api/events') {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        ...cookie,
      });
      res.write(': nnlab dashboard\n\n');
      clients.add(res);
      if (poller === undefined) {
        poll();
        poller = setInterval(poll, opts.pollMs ?? 700);
      }
      req.on('close', () => {
        clients.delete(res);
        if (clients.size === 0 && poller !== undefined) {
          clearInterval(poller);
          poller = undefined;
        }
      });
      return;
    }
    if (path === '/api/runs') {
      const found = findRuns(root);
      sendJson(res, {
        root,
        runs: found.runs.map((r) => runView(r, cache)),
        problems: found.problems,
        maxPoints: MAX_POINTS,
      });
      return;
    }
    if (path === '/api/curves') {
      const c = curves(url);
      const format = url.searchParams.get('format') ?? 'spec';
      if (format === 'csv' || format === 'json') {
        sendExport(res, url, 'curves', c.points as unknown as Record<string, unknown>[], [
          'job',
          'series',
          'step',
          'wall',
          'value',
        ]);
        return;
      }
      const x = url.searchParams.get('x') === 'wall' ? 'wall' : 'step';
      const title = url.searchParams.getAll('series').join(', ');
      sendJson(res, {
        spec: curvesSpec(c.points, { x, logY: url.searchParams.get('log') === '1', title }),
        points: c.points.length,
        total: c.total,
        downsampled: c.downsampled,
      });
      return;
    }
    if (path === '/api/table') {
      const rows = table(url);
      if (url.searchParams.has('format'))
        sendExport(res, url, 'table', rows, ['job', 'series', 'points', 'lastStep', 'last', 'min', 'max']);
      else sendJson(res, { rows });
      return;
    }
    if (path === '/api/sweep') {
      const rows = sweep(url);
      const x = url.searchParams.get('x') ?? '';
      if (url.searchParams.has('format')) {
        sendExport(res, url, 'sweep', rows, ['job', 'name', 'x', 'y', 'status']);
        return;
      }
      const y = `${url.searchParams.get('agg') ?? 'last'} ${url.searchParams.get('y')}`;
      sendJson(res, { rows, spec: sweepSpec(rows, { x, y, logX: url.searchParams.get('logx') === '1' }) });
      return;
    }
    throw new HttpError(404, `nothing at ${path}`);
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      const status = e instanceof HttpError ? e.status : e instanceof DashboardInputError ? 404 : 500;
      if (!res.headersSent)
        send(res, status, `nnlab dashboard: ${(e as Error).message}\n`, 'text/plain; charset=utf-8');
      else res.end();
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const port = opts.port ?? 0;
      if (e.code === 'EADDRINUSE')
        fail(
          new DashboardInputError(
            `dashboard: port ${port} on ${host} is already in use; choose another with --port N (or --port 0 for any free one)`,
          ),
        );
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND')
        fail(
          new DashboardInputError(
            `dashboard: cannot listen on host ${host} (${e.code}); use an address of this machine, or leave out --host for 127.0.0.1`,
          ),
        );
      else fail(e);
    });
    server.listen(opts.port ?? 0, host, () => ok());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shown}:${address.port}/${token !== null ? `?token=${token}` : ''}`;
  return {
    url,
    token,
    server,
    close: async () => {
      if (poller !== undefined) clearInterval(poller);
      for (const c of clients) c.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
