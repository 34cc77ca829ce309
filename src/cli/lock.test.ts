import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireRunLock, LOCK_HOLDER_ENV, LockHeldError, worksUnderLock } from './lock.js';

test('one writer per run directory: a second one is refused naming the holder; release frees it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-lock-'));
  try {
    const lock = acquireRunLock(dir, 'nnlab run p4');
    const held = JSON.parse(readFileSync(lock.path, 'utf8')) as { pid: number; host: string };
    assert.deepEqual([held.pid, held.host], [process.pid, hostname()]);
    assert.throws(
      () => acquireRunLock(dir, 'nnlab run p2'),
      (e: Error) =>
        e instanceof LockHeldError &&
        e.message.includes(`pid ${process.pid} on ${hostname()}`) &&
        e.message.includes('nnlab run p4'),
    );
    lock.release();
    assert.ok(!existsSync(lock.path));
    acquireRunLock(dir, 'again').release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the lock of a process that no longer runs is taken over, with a message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-lock-'));
  try {
    // A pid that surely ended: a child process that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const pid = Number(dead.stdout);
    writeFileSync(
      join(dir, 'LOCK'),
      JSON.stringify({ pid, host: hostname(), command: 'nnlab run p5', startedAt: 'then' }),
    );
    const said: string[] = [];
    const lock = acquireRunLock(dir, 'nnlab run p4', (m) => said.push(m));
    assert.equal(said.length, 1);
    assert.match(said[0], new RegExp(`taking over .*LOCK: its holder, pid ${pid} \\(nnlab run p5`));
    lock.release();
    // A lock of another host cannot be checked, so it is never taken over.
    writeFileSync(
      join(dir, 'LOCK'),
      JSON.stringify({ pid, host: 'elsewhere', command: 'x', startedAt: 'y' }),
    );
    assert.throws(
      () => acquireRunLock(dir, 'z', () => {}),
      /pid \d+ on elsewhere .*cannot be checked from here: if nnlab no longer runs there, delete .*LOCK/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a child process works under the lock of its parent (NNLAB_LOCK_HOLDER), a stranger does not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-lock-'));
  try {
    assert.equal(worksUnderLock(dir), false, 'no lock');
    const lock = acquireRunLock(dir, 'nnlab report');
    assert.equal(worksUnderLock(dir), true, 'the holder itself');
    assert.equal(process.env[LOCK_HOLDER_ENV], String(process.pid), 'handed down to child processes');
    const child = (env: NodeJS.ProcessEnv): string =>
      spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { worksUnderLock } from ${JSON.stringify(new URL('./lock.js', import.meta.url).href)};` +
            `process.stdout.write(String(worksUnderLock(${JSON.stringify(dir)})))`,
        ],
        { encoding: 'utf8', env },
      ).stdout;
    assert.equal(child(process.env), 'true', 'a child started under the lock');
    assert.equal(child({ ...process.env, [LOCK_HOLDER_ENV]: '' }), 'false', 'another process');
    lock.release();
    assert.equal(process.env[LOCK_HOLDER_ENV], undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
