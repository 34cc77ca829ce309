// `nnlab dashboard` as a user runs it: bad input exits 2 with a message; a good run directory is served on
// 127.0.0.1 until SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const main = new URL('./main.js', import.meta.url).pathname;

test(
  'nnlab dashboard: a missing folder or a bad port is refused with a message and status 2',
  { timeout: 30_000 },
  () => {
    const missing = spawnSync(
      process.execPath,
      [main, 'dashboard', '--out', '/nonexistent/nnlab-runs', '--port', '0'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /\/nonexistent\/nnlab-runs does not exist or is not a folder; pass --out/);
    const port = spawnSync(process.execPath, [main, 'dashboard', '--port', 'http'], { encoding: 'utf8' });
    assert.equal(port.status, 2);
    assert.match(port.stderr, /--port must be an integer 0–65535, got "http"/);
  },
);

test('nnlab dashboard serves a run directory on 127.0.0.1 until SIGTERM', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-dash-cli-'));
  mkdirSync(join(dir, 'results'));
  const child = spawn(process.execPath, [main, 'dashboard', '--out', dir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
        if (m) resolve(m[0]);
      });
      child.on('exit', (code) =>
        reject(new Error(`nnlab dashboard exited with ${code} before serving: ${out}`)),
      );
    });
    const page = await fetch(url);
    assert.equal(page.status, 200);
    const runs = (await (await fetch(`${url}api/runs`)).json()) as { runs: { name: string }[] };
    assert.equal(runs.runs.length, 1);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
