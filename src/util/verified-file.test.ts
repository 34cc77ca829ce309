import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  decodeVerified,
  encodeVerified,
  readVerified,
  VerificationError,
  writeVerified,
} from './verified-file.js';

const body = { epoch: 3, loss: [0.5, NaN], w: new Float32Array([1.5, -2, 3.25]) };

test('a verified file round-trips its body bit for bit (typed arrays, NaN)', () => {
  const back = decodeVerified<typeof body>(encodeVerified('checkpoint', body), 'checkpoint', 'x');
  assert.deepStrictEqual(back, body);
});

test('every kind of damage is refused with a message that names the file and the fault', () => {
  const good = encodeVerified('result', body);
  const damaged: [string, string, RegExp][] = [
    ['truncated', good.slice(0, Math.floor(good.length / 2)), /truncated|checksum/],
    ['emptied', '', /empty/],
    ['one number changed', good.replace('"epoch":3', '"epoch":4'), /checksum mismatch/],
    ['not an envelope (older nnlab, replaced)', JSON.stringify(body), /no envelope/],
    ['another kind', encodeVerified('checkpoint', body), /holds a "checkpoint", expected a "result"/],
  ];
  for (const [what, text, why] of damaged) {
    assert.throws(
      () => decodeVerified(text, 'result', '/run/results/p4.json'),
      (e: Error) =>
        e instanceof VerificationError &&
        e.message.startsWith('/run/results/p4.json: ') &&
        why.test(e.message),
      what,
    );
  }
  // A whole, checksummed file with the wrong structure is refused by the caller's check.
  assert.throws(
    () =>
      decodeVerified(encodeVerified('result', { id: 7 }), 'result', 'f', (v) => {
        if (typeof (v as { id: unknown }).id !== 'string') throw new Error('id must be a string');
      }),
    /f: wrong structure: id must be a string/,
  );
});

test('readVerified quarantines a damaged file with a warning naming it, and answers "absent"', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-verified-'));
  try {
    const path = join(dir, 'results', 'p2.json');
    writeVerified(path, 'result', body);
    const q = { dir: join(dir, 'quarantine'), warn: (m: string) => warnings.push(m) };
    const warnings: string[] = [];
    assert.deepStrictEqual(readVerified(path, 'result', q), body);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, text.length - 20));
    assert.equal(readVerified(path, 'result', q), undefined);
    assert.ok(!existsSync(path), 'moved away, so the work is redone');
    const moved = readdirSync(q.dir);
    assert.equal(moved.length, 1);
    assert.match(moved[0], /p2\.json$/);
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0].includes(path) && warnings[0].includes(join(q.dir, moved[0])), warnings[0]);
    assert.equal(readVerified(path, 'result', q), undefined, 'a missing file is simply absent');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
