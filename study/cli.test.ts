import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { study } from './index.js';
import { RunStore, type StoredResult } from 'nnlab';

const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));

function nnlab(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('bad input: a clear message and exit status 2 before anything trains', () => {
  const root = mkdtempSync(join(tmpdir(), 'nnlab-cli-'));
  try {
    const out = join(root, 'out');
    const cases: [string[], RegExp][] = [
      [['run', 'p9'], /unknown experiment "p9"; known: p/],
      [['run', 'all', 'p9'], /unknown experiment "p9"; known: p1, p2, p3, p4, p5/],
      [['run', 'p4', '--bogus'], /Unknown option '--bogus'/],
      [['run', 'p4', '--seed', 'x'], /--seed must be an integer ≥ 0, got "x"/],
      [['run', 'p4', '--workers', '0'], /--workers must be an integer ≥ 1, got "0"/],
      [
        ['run', 'p4', '--set', 'p4.epochs=ten'],
        /--set p4\.epochs=ten: expected a number \(the default is 10\)/,
      ],
      [['run', 'p4', '--set', 'p4.epoch=1'], /p4 has no setting "epoch"; valid: .*epochs/],
      [['run', 'p4', '--set', 'p4.epochs=0'], /p4: invalid config: epochs must be/],
      [['run', 'p4', '--set', 'learningRate=1'], /expected EXPERIMENT\.KEY=VALUE/],
      [['run', 'p4', '--set', 'p2.lambda=1'], /p2 is not among the experiments of this run \(p4\)/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['list', 'extra'], /list takes no arguments/],
      [['report'], /no stored results in .*results; run `nnlab run` first/],
    ];
    for (const [args, message] of cases) {
      const r = nnlab([...args, '--out', out]);
      assert.equal(r.status, 2, `${args.join(' ')}: status ${r.status}, stderr ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.match(r.stderr, /See nnlab --help/);
      assert.equal(r.stdout, '', 'nothing started');
      assert.ok(!existsSync(out), `${args.join(' ')} created ${out}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('--help and list describe every experiment and setting', () => {
  const help = nnlab(['--help']);
  assert.equal(help.status, 0);
  for (const s of [
    'nnlab run',
    'nnlab report',
    'nnlab list',
    '--quick',
    '--out',
    '--seed',
    '--workers',
    '--set',
  ]) {
    assert.ok(help.stdout.includes(s), s);
  }
  const list = nnlab(['list']);
  assert.equal(list.status, 0);
  for (const e of study.experiments) {
    assert.ok(list.stdout.includes(`${e.id}  ${e.title}`), e.id);
    for (const f of e.fields) {
      const line = list.stdout.split('\n').find((l) => l.trimStart().startsWith(`${e.id}.${f.name} `));
      assert.ok(line !== undefined, `${e.id}.${f.name} listed`);
      assert.ok(line.includes(JSON.stringify(e.defaults[f.name])) && line.includes(f.description), line);
    }
  }
});

/** The result without wall-clock fields, which legitimately differ between runs. */
function timeless(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(timeless);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !/seconds$/i.test(k) && k !== 'finishedAt')
      .map(([k, x]) => [k, timeless(x)]),
  );
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; with `killWhen`, sends `signal` once the predicate holds (polled every 5 ms). */
function runCli(
  args: string[],
  killWhen?: () => boolean,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let sent = false;
    const timer = killWhen
      ? setInterval(() => {
          if (!sent && killWhen()) sent = child.kill(signal);
        }, 5)
      : undefined;
    child.on('error', reject);
    child.on('exit', (code, got) => {
      clearInterval(timer);
      if (code !== 0 && got === null && !sent)
        reject(new Error(`nnlab ${args.join(' ')} exited ${code}:\n${stderr}`));
      else resolve({ code, signal: got, stdout, stderr });
    });
  });
}

test('a run killed mid-way resumes with the same command and ends with the uninterrupted result', async () => {
  const root = mkdtempSync(join(tmpdir(), 'nnlab-resume-'));
  try {
    const args = (out: string): string[] => [
      'run',
      'p4',
      '--quick',
      '--seed',
      '3',
      '--workers',
      '2',
      '--set',
      'p4.variants=std-bn,dropout',
      '--set',
      'p4.epochs=6',
      '--out',
      out,
      '--no-report',
    ];
    const read = (out: string): StoredResult => {
      const r = new RunStore(out).readResult('p4');
      assert.ok(r !== undefined, `${out}: a verified p4 result`);
      return r;
    };

    const a = join(root, 'a');
    await runCli(args(a));
    const uninterrupted = read(a);

    const b = join(root, 'b');
    const ckpt = join(b, 'checkpoints', 'p4');
    const killed = await runCli(
      args(b),
      () =>
        existsSync(ckpt) &&
        readdirSync(ckpt, { recursive: true, encoding: 'utf8' }).some((f) => String(f).endsWith('.json')),
    );
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(!existsSync(join(b, 'results', 'p4.json')), 'killed before it finished');

    const resumed = await runCli(args(b));
    assert.match(resumed.stdout, /p4: .*\(resuming from [12] checkpoints?\)/);
    assert.deepStrictEqual(timeless(read(b)), timeless(uninterrupted));
    assert.ok(!existsSync(ckpt), 'checkpoints are deleted once the result is stored');
    assert.match(resumed.stdout, /no report: --no-report/);
    assert.ok(!existsSync(join(b, 'report')));

    // Same command, same config and seed: nothing is re-run.
    const stored = read(b);
    const again = await runCli(args(b));
    assert.match(again.stdout, /p4: up to date .* not re-run/);
    assert.doesNotMatch(again.stdout, /done p4\//);
    assert.deepStrictEqual(read(b), stored, 'the stored result is untouched');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('SIGTERM stops the run at once, keeps the checkpoints and says how to resume', async () => {
  const root = mkdtempSync(join(tmpdir(), 'nnlab-term-'));
  try {
    const out = join(root, 'run dir');
    const args = [
      'run',
      'p4',
      '--quick',
      '--set',
      'p4.epochs=20',
      '--set',
      'p4.variants=std-bn',
      '--out',
      out,
    ];
    const ckpt = join(out, 'checkpoints', 'p4');
    const r = await runCli(
      args,
      () =>
        existsSync(ckpt) &&
        readdirSync(ckpt, { recursive: true, encoding: 'utf8' }).some((f) => String(f).endsWith('.json')),
      'SIGTERM',
    );
    assert.equal(r.code, 143, r.stderr);
    assert.match(r.stderr, /stopped by SIGTERM/);
    assert.ok(
      r.stderr.includes(
        `To resume, run the same command again:\n  nnlab ${args.slice(0, -1).join(' ')} '${out}'`,
      ),
      r.stderr,
    );
    assert.ok(
      readdirSync(ckpt, { recursive: true, encoding: 'utf8' }).some((f) => String(f).endsWith('.json')),
      'checkpoints kept',
    );
    assert.ok(!existsSync(join(out, 'results', 'p4.json')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a report is written only when the notebook can load every result: it never trains', () => {
  const root = mkdtempSync(join(tmpdir(), 'nnlab-partial-'));
  try {
    const out = join(root, 'out');
    const r = nnlab(['run', 'p1', '--quick', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /No report: p2 has no stored result; p3 has no stored result; .*p5 has no stored result\./,
    );
    assert.match(r.stdout, /`nnlab run all` with the same --out, seed and scale writes it/);
    assert.ok(!existsSync(join(out, 'report')), 'no report');
    assert.deepEqual(readdirSync(join(out, 'results')), ['p1.json'], 'nothing else trained');
    const report = nnlab(['report', '--out', out]);
    assert.equal(report.status, 2, report.stderr);
    assert.match(report.stderr, /no report from .*results: p2 has no stored result; .*Run `nnlab run all`/);
    assert.deepEqual(readdirSync(join(out, 'results')), ['p1.json'], 'the report trained nothing');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
