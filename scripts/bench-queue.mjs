// Measures the queue on this machine: scale-out (local threads vs 1 and 2 queue workers, jobs/s and wall time)
// and the queue's overhead per job (many tiny jobs, queue vs inline). Starts its own redis-server on a free
// loopback port and kills everything it started. Usage: node scripts/bench-queue.mjs [scale|overhead]...
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, URL } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'nnlab-bench-queue-'));
const started = [];

function start(cmd, args) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (out += b));
  const exited = new Promise((r) => child.once('exit', r));
  const p = { child, exited, out: () => out };
  started.push(p);
  return p;
}
const waitFor = async (p, re) => {
  while (!re.test(p.out())) {
    if (p.child.exitCode !== null) throw new Error(`exited: ${p.out()}`);
    await sleep(50);
  }
};
const port = await new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const q = s.address().port;
    s.close(() => res(q));
  });
});
const url = `redis://127.0.0.1:${port}`;
let runs = 0;
async function nnlab(args) {
  const t0 = performance.now();
  const p = start(process.execPath, [cli, ...args, '--no-report', '--out', join(root, `out${runs++}`)]);
  const code = await p.exited;
  if (code !== 0) throw new Error(`nnlab ${args.join(' ')} failed:\n${p.out()}`);
  return (performance.now() - t0) / 1000;
}
async function workers(n) {
  const ws = [];
  for (let i = 0; i < n; i++) {
    const w = start(process.execPath, [cli, 'worker', '--redis', url, '--concurrency', '1']);
    await waitFor(w, /waiting for jobs/);
    ws.push(w);
  }
  return ws;
}
async function stop(ws) {
  for (const w of ws) {
    w.child.kill('SIGKILL');
    await w.exited;
  }
}
const flush = () => start('redis-cli', ['-p', String(port), 'flushall']).exited;

try {
  const redis = start('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    root,
  ]);
  await waitFor(redis, /Ready to accept connections/);
  const which = process.argv.slice(2);
  if (which.length === 0 || which.includes('scale')) {
    // 8 LeNet-5 jobs of p4 (4 variants × 2 seeds, 2 epochs on 8192 MNIST images each, several seconds each).
    const study = [
      'run',
      'p4',
      '--quick',
      '--set',
      'p4.trainCount=8192',
      '--set',
      'p4.epochs=2',
      '--set',
      'p4.seeds=2',
    ];
    const jobs = 8;
    const rows = [];
    for (const n of [1, 2])
      rows.push([`local, ${n} thread(s)`, await nnlab([...study, '--workers', String(n)])]);
    for (const n of [1, 2]) {
      await flush();
      const ws = await workers(n);
      rows.push([`queue, ${n} worker(s)`, await nnlab([...study, '--redis', url])]);
      if (n === 2) {
        const ck =
          ws
            .map((w) => w.out())
            .join('')
            .match(/largest \d+\.\d+ MB/g) ?? [];
        console.log(`checkpoint sizes seen: ${[...new Set(ck)].join(', ')}`);
      }
      await stop(ws);
    }
    console.log(`scale-out: ${jobs} p4 LeNet-5 jobs`);
    for (const [what, s] of rows)
      console.log(`  ${what.padEnd(22)} ${s.toFixed(1)} s  ${(jobs / s).toFixed(2)} jobs/s`);
  }
  if (which.length === 0 || which.includes('overhead')) {
    // Tiny jobs (1 epoch on 64 images: a few ms of compute each), 40 and 80 of them (4 variants × 10 or 20
    // seeds): the slope between the two is the cost per job, free of the fixed costs (process start, a
    // worker thread loading the study and MNIST once).
    const tiny = (seeds) => [
      'run',
      'p4',
      '--quick',
      '--set',
      'p4.trainCount=64',
      '--set',
      'p4.testCount=64',
      '--set',
      'p4.trainEvalCount=64',
      '--set',
      `p4.seeds=${seeds}`,
    ];
    const local = [
      await nnlab([...tiny(10), '--workers', '1']),
      await nnlab([...tiny(20), '--workers', '1']),
    ];
    await flush();
    const ws = await workers(1);
    const queued = [await nnlab([...tiny(10), '--redis', url]), await nnlab([...tiny(20), '--redis', url])];
    await stop(ws);
    const per = (t) => (1000 * (t[1] - t[0])) / 40;
    console.log(
      `overhead: 40 / 80 tiny jobs: local inline ${local.map((t) => t.toFixed(2)).join(' / ')} s, queue (1 worker) ${queued.map((t) => t.toFixed(2)).join(' / ')} s`,
    );
    console.log(
      `  per job: local ${per(local).toFixed(1)} ms, queue ${per(queued).toFixed(1)} ms: the queue adds ${(per(queued) - per(local)).toFixed(1)} ms per job`,
    );
    console.log(
      `  fixed: the queue run of 40 took ${(queued[0] - local[0]).toFixed(2)} s longer than the local one`,
    );
  }
  if (which.includes('roundtrip')) {
    // The queue's own cost per job, without training: N trivial jobs (x², from the queue's test study) through
    // a coordinator and one in-process worker (concurrency 1), against the same jobs on the local pool inline.
    const { QueueCoordinator, startQueueWorker } = await import('../dist/queue/index.js');
    const { WorkerPool } = await import('../dist/index.js');
    const { squareJob } = await import('../dist/queue/fixture-study.js');
    const n = 300;
    const tasks = (tag) => Array.from({ length: n }, (_, i) => ({ key: `${tag}${i}`, args: { x: i, tag } }));
    const pool = new WorkerPool({ workers: 1 });
    let t0 = performance.now();
    await pool.runJobs(squareJob, tasks('local'));
    const local = performance.now() - t0;
    await pool.close();
    const studyModule = new URL('../dist/queue/fixture-study.js', import.meta.url).href;
    const worker = await startQueueWorker({ redis: url, concurrency: 1, studyModule, log: () => {} });
    const coordinator = new QueueCoordinator({ redis: url, expId: 'bench', workers: 1 });
    await coordinator.runJobs(squareJob, tasks('warm').slice(0, 5)); // the sandbox thread starts once
    t0 = performance.now();
    await coordinator.runJobs(squareJob, tasks('queue'));
    const queued = performance.now() - t0;
    await coordinator.close();
    await worker.close();
    console.log(
      `roundtrip: ${n} trivial jobs, local inline ${local.toFixed(0)} ms, queue (1 worker, concurrency 1) ${queued.toFixed(0)} ms`,
    );
    console.log(
      `  the queue costs ${((queued - local) / n).toFixed(1)} ms per job (${(n / (queued / 1000)).toFixed(0)} jobs/s)`,
    );
  }
} finally {
  for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(started.map((p) => p.exited));
  rmSync(root, { recursive: true, force: true });
}
