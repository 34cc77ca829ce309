/**
 * Fault injection through the CLI, one test per probe of issue 10: divergence, damaged stored files, two
 * writers on one run directory, a full disk, kills at random points, and everything that can be checked
 * before training (exit status 2, one sentence). Each test uses --quick settings and takes seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireRunLock, defaultDataDir, encodeVerified, RunStore, type StoredResult } from 'nnlab';
import type { P3Result } from './experiments/p3.js';
import type { P4Result } from './experiments/p4.js';
import type { P5Result } from './experiments/p5.js';
import { p3Section } from './sections/p3.js';
import { p4Section } from './sections/p4.js';

const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));

function nnlab(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The result without wall-clock fields, which legitimately differ between runs. */
function timeless(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(timeless);
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !/seconds$/i.test(k) && k !== 'finishedAt')
      .map(([k, x]) => [k, timeless(x)]),
  );
}

function stored(out: string, id: string): StoredResult {
  const r = new RunStore(out, { warn: () => {} }).readResult(id);
  assert.ok(r !== undefined, `${out}: a verified ${id} result`);
  return r;
}

function withDir(fn: (root: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'nnlab-faults-'));
    try {
      await fn(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

/** `nnlab run p4` of one LeNet-5 (std-bn) for `epochs` epochs on one thread, quick, into `out`. */
const stdBnRun = (out: string, epochs: number): string[] => [
  'run',
  'p4',
  '--quick',
  '--workers',
  '1',
  '--no-report',
  '--set',
  'p4.variants=std-bn',
  '--set',
  `p4.epochs=${epochs}`,
  '--out',
  out,
];

/** Markdown text of a section's blocks. */
const text = (blocks: { kind: string; text?: string }[]): string =>
  blocks.map((b) => (b.kind === 'markdown' ? (b.text ?? '') : '')).join('\n');

test(
  'lr = 100 in p3, p4 and p5: diverged runs are recorded as such, the rest stored and reported, exit 0',
  withDir((root) => {
    const out = join(root, 'out');
    const r = nnlab([
      'run',
      'p3',
      'p4',
      'p5',
      '--quick',
      '--no-report',
      '--out',
      out,
      '--set',
      'p3.learningRate=100',
      '--set',
      'p4.learningRate=100',
      '--set',
      'p4.variants=std-bn,dropout',
      '--set',
      'p5.sweepLrs=1e-5,0.01,0.1,100',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /Summary: p3 stored, [1-9]\d* of \d+ nets diverged \(recorded as such\); p4 stored, 2 of 2 runs diverged \(recorded as such\); p5 stored, 1 of \d+ runs diverged/,
    );
    const p4 = stored(out, 'p4').result as P4Result;
    for (const run of p4.runs) {
      const d = run.diverged;
      assert.ok(d !== null, `${run.variant} diverged`);
      assert.ok(!Number.isFinite(d.loss) || d.loss > d.bound, `${d.loss} breaks ${d.bound}`);
      assert.ok(d.lastFiniteLoss !== null && Number.isFinite(d.lastFiniteLoss));
      assert.ok(run.testLoss.every(Number.isFinite), 'only finite epochs are kept');
    }
    assert.match(text(p4Section(p4)), /\*\*2 of 2 runs diverged\*\*.*no conclusion is drawn/s);
    const p5 = stored(out, 'p5').result as P5Result;
    const byLr = new Map(p5.sweep.runs.map((x) => [x.lr, x]));
    assert.ok(byLr.get(100)?.diverged !== null && byLr.get(100)?.finalLoss === null);
    for (const lr of [1e-5, 0.01, 0.1]) assert.equal(byLr.get(lr)?.diverged, null, `lr ${lr} trained`);
    const p3 = stored(out, 'p3').result as P3Result;
    for (const run of p3.dying.runs) {
      assert.ok(run.diverged !== null && run.diverged.nets > 0, `${run.activation}: nets diverged`);
      // A diverged net is its own status and in no fraction's denominator.
      assert.equal(run.status.filter((s) => s === 'diverged').length, run.diverged.nets);
      assert.equal(run.counted, run.nets - run.diverged.nets);
    }
    assert.match(text(p3Section(p3)), /\*\*Diverged:\*\* ReLU: .*counted apart/);
  }),
);

test(
  'a stored result truncated, emptied, with a changed number, a wrong structure or an empty body is quarantined and rebuilt',
  withDir((root) => {
    const out = join(root, 'out');
    const args = ['run', 'p1', '--quick', '--no-report', '--out', out];
    assert.equal(nnlab(args).status, 0);
    const original = timeless(stored(out, 'p1'));
    const path = join(out, 'results', 'p1.json');
    const good = readFileSync(path, 'utf8');
    const damage: [string, string][] = [
      ['truncated', good.slice(0, good.length >> 1)],
      ['emptied', ''],
      ['one number changed', good.replace(/"seed":(\d+)/, (_m, s: string) => `"seed":${Number(s) + 1}`)],
      [
        'structurally wrong (checksummed, no result)',
        encodeVerified('result', { ...stored(out, 'p1'), result: null }),
      ],
      ['an empty body (checksummed)', encodeVerified('result', { ...stored(out, 'p1'), result: {} })],
    ];
    for (const [what, bad] of damage) {
      assert.notEqual(bad, good, what);
      writeFileSync(path, bad);
      const r = nnlab(args);
      assert.equal(r.status, 0, `${what}: ${r.stderr}`);
      assert.ok(r.stderr.includes(`warning: ${path}`), `${what}: the warning names the file: ${r.stderr}`);
      assert.match(r.stderr, /moved it to .*quarantine.*; its work will be redone/, what);
      assert.doesNotMatch(r.stdout, /up to date/, `${what}: not taken as up to date`);
      assert.deepStrictEqual(timeless(stored(out, 'p1')), original, `${what}: rebuilt`);
    }
    assert.equal(readdirSync(join(out, 'quarantine')).length, damage.length);
  }),
);

test(
  'two writers on one run directory: the second is refused at once with status 2, naming the holder',
  withDir((root) => {
    const out = join(root, 'out');
    mkdirSync(out);
    const lock = acquireRunLock(out, 'nnlab run p4 (the first writer)');
    try {
      for (const args of [
        ['run', 'p1', '--quick', '--out', out],
        ['report', '--out', out],
      ]) {
        mkdirSync(join(out, 'results'), { recursive: true });
        const r = nnlab(args);
        assert.equal(r.status, 2, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(`in use: pid ${process.pid} on .*\\(nnlab run p4 \\(the first writer\\)\\)`),
        );
        assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
      }
    } finally {
      lock.release();
    }
  }),
);

test(
  'a full disk (injected ENOSPC) gives a clear error naming the file; the resume gives identical numbers',
  withDir((root) => {
    const args = (out: string): string[] => stdBnRun(out, 3);
    const a = join(root, 'a');
    assert.equal(nnlab(args(a)).status, 0);
    const b = join(root, 'b');
    // One checkpoint of LeNet-5 is about 334 kB: the first fits in 500 kB, the second does not.
    const full = nnlab(args(b), { NNLAB_FAULT_WRITE_LIMIT: '500000' });
    assert.equal(full.status, 1);
    assert.match(
      full.stderr,
      /p4 failed: .*cannot write .*checkpoints.*state\.json: no space left on the device \(ENOSPC\); free some space/,
    );
    assert.doesNotMatch(full.stderr, /\n\s+at /, 'no stack trace for a full disk');
    assert.ok(
      !readdirSync(join(b, 'checkpoints', 'p4'), { recursive: true }).some((f) =>
        String(f).includes('.tmp-'),
      ),
    );
    const resumed = nnlab(args(b));
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, /resuming from 1 checkpoint/);
    assert.deepStrictEqual(timeless(stored(b, 'p4')), timeless(stored(a, 'p4')));
  }),
);

test(
  'a checkpoint truncated, or whole but of the wrong structure, is quarantined and its job redone to the same numbers',
  withDir((root) => {
    const args = (out: string): string[] => stdBnRun(out, 2);
    const a = join(root, 'a');
    assert.equal(nnlab(args(a)).status, 0);
    // A run stopped after its first checkpoint (the injected full disk refuses the second).
    const b = join(root, 'b');
    assert.equal(nnlab(args(b), { NNLAB_FAULT_WRITE_LIMIT: '500000' }).status, 1);
    const dir = join(b, 'checkpoints', 'p4');
    const [job] = readdirSync(dir);
    const file = join(dir, job, 'state.json');
    const good = readFileSync(file, 'utf8');
    const damage: [string, string][] = [
      ['truncated', good.slice(0, good.length - 1000)],
      ['wrong structure', encodeVerified('checkpoint', { epochsDone: 1, state: 'none' })],
    ];
    for (const [what, bad] of damage) {
      mkdirSync(join(dir, job), { recursive: true });
      writeFileSync(file, bad);
      const r = nnlab(args(b));
      assert.equal(r.status, 0, `${what}: ${r.stderr}`);
      assert.ok(r.stderr.includes(`warning: ${file}`), `${what}: names the checkpoint: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /TypeError|\n\s+at /, `${what}: no bare TypeError, no stack`);
      assert.deepStrictEqual(timeless(stored(b, 'p4')), timeless(stored(a, 'p4')), what);
      rmSync(join(b, 'results'), { recursive: true });
    }
  }),
);

/** Runs the CLI and SIGKILLs it after `ms` milliseconds (if it is still running). */
function killedAfter(args: string[], ms: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

test(
  'killed at random points, again and again, the same command ends with the uninterrupted numbers',
  withDir(async (root) => {
    const args = (out: string): string[] => [
      'run',
      'p4',
      '--quick',
      '--no-report',
      '--seed',
      '4',
      '--set',
      'p4.variants=std-bn,bn-dropout',
      '--set',
      'p4.epochs=2',
      '--out',
      out,
    ];
    const a = join(root, 'a');
    assert.equal(nnlab(args(a)).status, 0);
    const b = join(root, 'b');
    const delays: number[] = [];
    for (let i = 0; i < 2; i++) {
      const ms = 1000 + Math.round(Math.random() * 2000);
      delays.push(ms);
      if ((await killedAfter(args(b), ms)) === 0) break;
    }
    const last = nnlab(args(b));
    assert.equal(last.status, 0, `kills after ${delays.join(', ')} ms: ${last.stderr}`);
    assert.deepStrictEqual(timeless(stored(b, 'p4')), timeless(stored(a, 'p4')), `kills after ${delays} ms`);
  }),
);

test(
  'everything checkable is checked before training: status 2 and one sentence',
  withDir((root) => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    // A data folder with one damaged file, and one whose manifest line is wrong.
    const data = (name: string, damage: 'file' | 'manifest'): string => {
      const dir = join(root, name);
      const src = defaultDataDir();
      mkdirSync(join(dir, 'mnist'), { recursive: true });
      for (const f of readdirSync(join(src, 'mnist')))
        symlinkSync(join(src, 'mnist', f), join(dir, 'mnist', f));
      let sums = readFileSync(join(src, 'SHA256SUMS'), 'utf8');
      const victim = 'mnist/test-labels-idx1-ubyte.gz';
      if (damage === 'file') {
        rmSync(join(dir, victim));
        copyFileSync(join(src, victim), join(dir, victim));
        const bytes = readFileSync(join(dir, victim));
        bytes[bytes.length >> 1] ^= 0xff;
        writeFileSync(join(dir, victim), bytes);
      } else {
        sums = sums.replace(/^[0-9a-f]{64}(?= {2}mnist\/test-labels)/m, '0'.repeat(64));
      }
      writeFileSync(join(dir, 'SHA256SUMS'), sums);
      return dir;
    };
    const out = join(root, 'out');
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['run', 'p1', '--out', file], {}, /is a file, not a directory; choose another --out/],
      [['run', 'p1', '--out', join(file, 'sub')], {}, /a part of it is a file; choose another --out/],
      [['run', 'p1', '--out', ''], {}, /--out is empty/],
      [
        ['run', 'p4', '--quick', '--out', out],
        { NNLAB_HEAP_MB: '5' },
        /NNLAB_HEAP_MB must be an integer in \[16, 4095\], got "5"/,
      ],
      [
        ['run', 'p5', '--quick', '--out', out],
        { NNLAB_HEAP_MB: '32' },
        /p5 needs about \d+ MB of kernel memory per worker thread \(data \d+ MB, training at batch sizes up to 64: \d+ MB\), more than the 32 MB a thread has \(NNLAB_HEAP_MB\)/,
      ],
      [
        ['run', 'p4', '--quick', '--set', 'p4.batchSize=1e9', '--out', out],
        {},
        /batchSize must be an integer in 1\.\.512, got 1000000000/,
      ],
      [
        ['run', 'p5', '--quick', '--set', 'p5.batchSizes=32,1e9', '--out', out],
        {},
        /batchSizes 1000000000 exceeds the 320 training images/,
      ],
      [
        ['run', 'p1', 'p4', '--quick', '--out', out],
        { NNLAB_DATA_DIR: data('damaged', 'file') },
        /p4 cannot start: .*mnist\/test-labels-idx1-ubyte\.gz fails its SHA-256 check .*does not decode as an IDX file/,
      ],
      [
        ['run', 'p4', '--quick', '--out', out],
        { NNLAB_DATA_DIR: data('manifest', 'manifest') },
        /p4 cannot start: .*test-labels-idx1-ubyte\.gz does not match its line in .*SHA256SUMS .*the manifest line may be the wrong one/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const r = nnlab(args, env);
      assert.equal(r.status, 2, `${args.join(' ')}: status ${r.status}, ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${args.join(' ')}: no stack trace`);
      assert.doesNotMatch(r.stdout, /done|finished/, 'nothing trained');
    }
    assert.ok(!existsSync(join(out, 'results')), 'nothing stored');
    // Too many workers: capped with a note, and the run goes on.
    const many = nnlab(['run', 'p1', '--quick', '--no-report', '--workers', '1000', '--out', out]);
    assert.equal(many.status, 0, many.stderr);
    assert.match(many.stdout, /--workers 1000 is more than the \d+ cores of this machine; using \d+/);
  }),
);

test(
  'permission denied (EACCES, as root without capabilities): the run directory refused before training; a results folder that cannot be written named, with nothing lost',
  withDir((root) => {
    // Root bypasses permission checks through CAP_DAC_OVERRIDE, so the commands run as root without any
    // capability (setpriv): the owner's permission bits then apply, and the CLI stays readable wherever the
    // checkout is. Not root: the folders' modes below apply to the test's own user anyway.
    const root0 = process.getuid?.() === 0;
    const drop = ['--bounding-set=-all', '--inh-caps=-all'];
    if (root0 && spawnSync('setpriv', [...drop, 'true']).status !== 0) {
      // A container that may not drop capabilities (no CAP_SETPCAP) leaves nothing to test here.
      assert.ok(spawnSync('setpriv', ['--version']).status === 0, 'setpriv (util-linux) is installed');
      process.stderr.write('skipping the EACCES test: this container cannot drop capabilities\n');
      return;
    }
    const unprivileged = (args: string[]) => {
      const r = root0
        ? spawnSync('setpriv', [...drop, process.execPath, cli, ...args], {
            encoding: 'utf8',
          })
        : spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const locked = join(root, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    const refused = unprivileged(['run', 'p1', '--quick', '--out', join(locked, 'out')]);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /locked\/out is not writable \(permission denied\); choose another --out or fix its permissions/,
    );
    assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');

    const out = join(root, 'out');
    mkdirSync(join(out, 'results'), { recursive: true });
    chmodSync(join(out, 'results'), 0o555);
    const failed = unprivileged(['run', 'p1', '--quick', '--no-report', '--out', out]);
    assert.equal(failed.status, 1, failed.stderr);
    assert.match(
      failed.stderr,
      /p1 failed: cannot write .*out\/results\/p1\.json: permission denied \(EACCES\); choose a writable --out or fix the permissions, then run the same command again/,
    );
    assert.doesNotMatch(failed.stderr, /\n\s+at /, 'no stack trace');
    assert.match(failed.stdout, /Summary: p1 FAILED/);
    chmodSync(join(out, 'results'), 0o755);
    const again = unprivileged(['run', 'p1', '--quick', '--no-report', '--out', out]);
    assert.equal(again.status, 0, again.stderr);
    assert.ok(existsSync(join(out, 'results', 'p1.json')));
  }),
);
