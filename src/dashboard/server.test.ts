// The dashboard server without a browser: what it serves, what it refuses (paths out of the package and the
// run directories, writes, missing tokens), bad input, scale (a 100,000-point curve) and live events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendQueue, JobLog, jobLogDirName, readJobLog } from '../metrics/log.js';
import { downsample } from './data.js';
import { startDashboard, type Dashboard } from './server.js';

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A raw HTTP request: the path goes out exactly as written (fetch would resolve `..` and `%2e%2e` itself). */
function get(
  d: Dashboard,
  path: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const { port } = new URL(d.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`request ${path} timed out`)));
    req.end();
  });
}

/** A folder of runs: r1 (two p4 jobs, one with a corrupt line, one of 100,000 batch points; a symlinked job
 * dir leading out), a folder that is not nnlab's, a symlinked run leading out, and a secret file outside. */
function fixture(): { root: string; outside: string; cleanup: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'nnlab-dash-'));
  const root = join(base, 'runs');
  const outside = join(base, 'outside');
  mkdirSync(join(outside, 'results'), { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), 'TOP SECRET\n');
  const run = join(root, 'r1');
  const exp = join(run, 'logs', 'p4');
  mkdirSync(join(run, 'results'), { recursive: true });
  const jobs = [
    { key: 'std-bn seed 1', jobId: 'a1', args: { variant: 'std-bn', seed: 1, lr: 0.1 } },
    { key: 'dropout seed 1', jobId: 'b2', args: { variant: 'dropout', seed: 1, lr: 0.01 } },
  ];
  appendQueue(exp, [
    ...jobs.map((j) => ({ key: j.key, jobId: j.jobId, job: 'p4/train', dir: jobLogDirName(j.key, j.jobId) })),
    { key: 'plain seed 1', jobId: 'c3', job: 'p4/train', dir: jobLogDirName('plain seed 1', 'c3') },
  ]);
  for (const [i, j] of jobs.entries()) {
    const log = new JobLog(join(exp, jobLogDirName(j.key, j.jobId)), { job: 'p4/train', ...j });
    for (let e = 1; e <= 5; e++) log.log(e, { loss: (i + 1) / e, accuracy: 1 - 0.5 / e });
    if (i === 0)
      for (let b = 1; b <= 100_000; b++)
        log.log(b, { loss: 2 + Math.sin(b / 500) + (b === 77_777 ? 40 : 0) }, 'batch');
    log.close('done');
  }
  appendFileSync(
    join(exp, jobLogDirName(jobs[1].key, jobs[1].jobId), 'metrics.jsonl'),
    '{"t":"m", corrupt\n',
  );
  mkdirSync(join(outside, 'evil'), { recursive: true });
  writeFileSync(join(outside, 'evil', 'metrics.jsonl'), '{"t":"start","key":"evil"}\n');
  symlinkSync(join(outside, 'evil'), join(exp, 'evil--d4'));
  symlinkSync(outside, join(root, 'linked'));
  mkdirSync(join(root, 'holiday-photos'));
  return { root, outside, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

const f = fixture();
const d = await startDashboard({ root: f.root, port: 0 });
test.after(async () => {
  await d.close();
  f.cleanup();
});
const jobA = `r1/p4/${jobLogDirName('std-bn seed 1', 'a1')}`;
const jobB = `r1/p4/${jobLogDirName('dropout seed 1', 'b2')}`;

test('serves the page and vega from the package, on 127.0.0.1, without a token', async () => {
  assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(d.token, null);
  const page = await get(d, '/');
  assert.equal(page.status, 200);
  assert.match(page.body, /<script src="\/vendor\/vega-lite.min.js">/);
  assert.doesNotMatch(page.body, /https?:\/\/(?!vega.github.io)/, 'no script from elsewhere');
  assert.equal((await get(d, '/vendor/vega.min.js')).status, 200);
  assert.equal((await get(d, '/assets/app.js')).status, 200);
});

test('refuses .., %2e%2e, absolute paths and symlinks out of the package and the run directories', async () => {
  for (const path of [
    '/assets/../package.json',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/assets/..%2f..%2fpackage.json',
    '/assets/%2E%2E%2F%2E%2E%2Fpackage.json',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '//etc/passwd',
    '/etc/passwd',
    '/vendor/../../package.json',
    `/api/curves?job=${encodeURIComponent('r1/p4/../../../outside')}&series=epoch/loss`,
    `/api/curves?job=${encodeURIComponent('r1/%2e%2e/p4')}&series=epoch/loss`,
    `/api/curves?job=${encodeURIComponent(f.outside + '/x/y')}&series=epoch/loss`,
    `/api/curves?job=${encodeURIComponent('r1/p4/evil--d4')}&series=epoch/loss`,
    `/api/curves?job=${encodeURIComponent('linked/x/y')}&series=epoch/loss`,
    `/api/table?job=${encodeURIComponent('../runs/r1/p4/x')}`,
    '/api/sweep?run=..&exp=p4&x=lr&y=epoch/loss',
    '/api/sweep?run=r1&exp=..%2f..&x=lr&y=epoch/loss',
  ]) {
    const r = await get(d, path);
    assert.ok(r.status === 404 || r.status === 400, `${path}: status ${r.status}`);
    assert.doesNotMatch(r.body, /TOP SECRET|"name": "nnlab"|root:x:0/, path);
  }
  const runs = JSON.parse((await get(d, '/api/runs')).body) as {
    runs: { name: string }[];
    problems: string[];
  };
  assert.deepEqual(
    runs.runs.map((r) => r.name),
    ['r1'],
  );
  assert.ok(runs.problems.some((p) => /^linked: a link out of/.test(p)));
  assert.ok(runs.problems.some((p) => /^holiday-photos: not an nnlab run directory/.test(p)));
});

test('is read-only: other methods than GET and HEAD get 405', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const r = await get(d, '/api/runs', { method });
    assert.equal(r.status, 405, method);
    assert.match(r.body, /read-only/);
  }
});

test('lists experiments and jobs with states; a corrupt line is reported and the rest still served', async () => {
  const runs = JSON.parse((await get(d, '/api/runs')).body) as {
    runs: {
      experiments: {
        id: string;
        jobs: { key: string; status: string; problems: string[]; series: { key: string }[] }[];
        problems: string[];
      }[];
    }[];
  };
  const p4 = runs.runs[0].experiments.find((e) => e.id === 'p4')!;
  const byKey = new Map(p4.jobs.map((j) => [j.key, j]));
  assert.equal(byKey.get('std-bn seed 1')?.status, 'done');
  assert.equal(byKey.get('dropout seed 1')?.status, 'done');
  assert.match(byKey.get('dropout seed 1')!.problems[0], /line \d+: not JSON/);
  // Queued by this process (alive) with no log yet.
  assert.equal(byKey.get('plain seed 1')?.status, 'queued');
  assert.ok(!byKey.has('evil'));
  assert.ok(p4.problems.some((p) => /evil--d4 leads out of the run directory/.test(p)));
  const c = JSON.parse(
    (await get(d, `/api/curves?job=${encodeURIComponent(jobB)}&series=epoch/loss`)).body,
  ) as { points: number };
  assert.equal(c.points, 5);
});

test('a 100,000-point curve is downsampled on the server to ≤ 1000 points, spikes kept, quickly', async () => {
  const t0 = performance.now();
  const r = await get(d, `/api/curves?job=${encodeURIComponent(jobA)}&series=batch/loss`);
  const ms = performance.now() - t0;
  const body = JSON.parse(r.body) as {
    points: number;
    total: number;
    downsampled: boolean;
    spec: { data: { values: { value: number; step: number }[] } };
  };
  assert.equal(body.total, 100_000);
  assert.ok(body.downsampled && body.points <= 1000, `${body.points} points`);
  assert.ok(
    body.spec.data.values.some((p) => p.step === 77_777 && p.value > 40),
    'the spike survives',
  );
  assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
  // Cached: a second request does not parse the log again.
  const t1 = performance.now();
  await get(d, `/api/curves?job=${encodeURIComponent(jobA)}&series=batch/loss`);
  assert.ok(performance.now() - t1 < 1000);
});

test("downsample keeps each bucket's min and max in order, and every non-finite value", () => {
  const steps = Array.from({ length: 100 }, (_, i) => i);
  const values = steps.map((i) => (i === 33 ? 100 : i === 34 ? -100 : i === 80 ? NaN : 0));
  const idx = downsample(steps, values, 10);
  assert.ok(idx.length <= 12);
  assert.ok(idx.includes(33) && idx.includes(34) && idx.includes(80));
  assert.deepEqual(
    idx,
    [...idx].sort((a, b) => a - b),
  );
  assert.deepEqual(downsample([1, 2, 3], [1, 2, 3], 10), [0, 1, 2]);
});

test('curves and the table export as CSV and JSON with the logged values', async () => {
  const q = `job=${encodeURIComponent(jobA)}&job=${encodeURIComponent(jobB)}&series=epoch/loss`;
  const csv = await get(d, `/api/curves?${q}&format=csv`);
  assert.match(String(csv.headers['content-disposition']), /attachment; filename="curves.csv"/);
  const lines = csv.body.trim().split('\n');
  assert.equal(lines[0], 'job,series,step,wall,value');
  assert.equal(lines.length, 1 + 10);
  const logA = readJobLog(join(f.root, jobA.replace('r1/', 'r1/logs/')))!;
  const rowsA = lines.slice(1).filter((l) => l.startsWith('r1/p4/std-bn_seed_1,'));
  assert.deepEqual(
    rowsA.map((l) => Number(l.split(',')[4])),
    logA.series.get('epoch/loss')!.values,
  );
  const json = JSON.parse((await get(d, `/api/curves?${q}&format=json`)).body) as { value: number }[];
  assert.equal(json.length, 10);
  const table = await get(d, `/api/table?${q}&format=csv`);
  assert.match(table.body, /^job,series,points,lastStep,last,min,max\n/);
  assert.match(table.body, /r1\/p4\/std-bn_seed_1,epoch\/loss,5,5,0.2,0.2,1\n/);
  const sweep = JSON.parse((await get(d, '/api/sweep?run=r1&exp=p4&x=lr&y=epoch/loss&agg=min')).body) as {
    rows: { x: number; y: number }[];
  };
  assert.deepEqual(sweep.rows.map((r) => [r.x, r.y]).sort(), [
    [0.01, 0.4],
    [0.1, 0.2],
  ]);
});

test('Server-Sent Events announce a changed log', { timeout: 15_000 }, async () => {
  const { port } = new URL(d.url);
  const changed = new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/events' }, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream');
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
        if (text.includes('event: change') && text.includes('\n\n', text.indexOf('event: change'))) {
          req.destroy();
          resolve(text);
        }
      });
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
    req.end();
  });
  // The first poll reports every run as changed; after that, a change event comes only when a log changes.
  const first = await changed;
  assert.match(first, /"runs":\["r1"\]/);
  let written = false;
  const again = new Promise<void>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/events' }, (res) => {
      res.on('data', (c: Buffer) => {
        if (/event: change/.test(c.toString())) {
          assert.ok(written, 'no change event before the log changed');
          req.destroy();
          resolve();
        }
      });
    });
    req.on('error', () => {});
    req.end();
  });
  await new Promise((r) => setTimeout(r, 1500));
  const log = new JobLog(join(f.root, jobB.replace('r1/', 'r1/logs/')), {
    job: 'p4/train',
    key: 'dropout seed 1',
    jobId: 'b2',
    args: {},
  });
  written = true;
  log.log(6, { loss: 0.1 });
  log.close('done');
  await again;
});

test('a non-loopback host requires the token: 401 without, 200 with ?token, Bearer or the cookie', async () => {
  const open = await startDashboard({ root: f.root, port: 0, host: '0.0.0.0', token: 'secret-token-123' });
  try {
    assert.equal(open.token, 'secret-token-123');
    assert.match(open.url, /\?token=secret-token-123$/);
    assert.equal((await get(open, '/')).status, 401);
    assert.equal((await get(open, '/api/runs?token=wrong-token-1234')).status, 401);
    assert.equal((await get(open, '/vendor/vega.min.js')).status, 401);
    const withQuery = await get(open, '/?token=secret-token-123');
    assert.equal(withQuery.status, 200);
    const cookie = String(withQuery.headers['set-cookie']).split(';')[0];
    assert.equal((await get(open, '/api/runs', { headers: { cookie } })).status, 200);
    assert.equal(
      (await get(open, '/api/runs', { headers: { authorization: 'Bearer secret-token-123' } })).status,
      200,
    );
    const generated = await startDashboard({ root: f.root, port: 0, host: '0.0.0.0' });
    assert.match(generated.token ?? '', /^[0-9a-f]{48}$/);
    await generated.close();
  } finally {
    await open.close();
  }
});

test('a port in use and a missing run directory fail with a clear message', async () => {
  const port = Number(new URL(d.url).port);
  await assert.rejects(
    startDashboard({ root: f.root, port }),
    new RegExp(`port ${port} on 127.0.0.1 is already in use; choose another with --port`),
  );
  await assert.rejects(
    startDashboard({ root: join(f.root, 'nope'), port: 0 }),
    /nope does not exist or is not a folder; pass --out/,
  );
});
