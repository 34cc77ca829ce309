import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendQueue,
  JobLog,
  jobLogDirName,
  METRICS_FILE,
  parseJobLog,
  readJobLog,
  readQueue,
} from './log.js';

const info = { job: 'p4/train', key: 'bn seed 1', jobId: 'f00', args: { variant: 'bn', seed: 1 } };

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-log-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a log records config, seed, metrics (non-finite too), progress and the end', () =>
  withDir((dir) => {
    const log = new JobLog(dir, info);
    log.log(1, { loss: 0.5, accuracy: 0.75, lr: 0.01 });
    log.log(2, { loss: Infinity, accuracy: NaN });
    log.progress({ label: 'x', done: 2, total: 2, unit: 'epochs' });
    log.close('done');
    const p = readJobLog(dir)!;
    assert.deepEqual(p.start?.args, info.args);
    assert.equal(p.start?.seed, 1);
    assert.deepEqual(p.series.get('epoch/loss')?.values, [0.5, Infinity]);
    assert.deepEqual(p.series.get('epoch/accuracy')?.values, [0.75, NaN]);
    assert.deepEqual(p.series.get('epoch/lr')?.steps, [1]);
    assert.ok(p.series.get('epoch/loss')!.wall.every((w) => w >= 0));
    assert.equal(p.progress?.done, 2);
    assert.equal(p.status, 'diverged', 'a finished job whose loss ends non-finite diverged');
    assert.deepEqual(p.problems, []);
  }));

test('a torn last line is ignored; a corrupt line inside is reported and skipped', () => {
  const good = (step: number) =>
    JSON.stringify({ t: 'm', s: 'epoch', step, time: 0, wall: step, v: { loss: step } });
  const text = [good(1), '{"t":"m", garbage', good(2), '{"t":"m","s":"epoch","st'].join('\n');
  const p = parseJobLog(text);
  assert.deepEqual(p.series.get('epoch/loss')?.steps, [1, 2]);
  assert.equal(p.problems.length, 1);
  assert.match(p.problems[0], /^line 2: not JSON/);
  assert.equal(p.status, 'running');
});

test('a killed job resumed continues the same log without duplicate epochs', () =>
  withDir((dir) => {
    const first = new JobLog(dir, info);
    first.log(1, { loss: 1 });
    first.log(2, { loss: 0.5 });
    first.flush();
    // Killed mid-write: a torn line at the end of the file.
    appendFileSync(join(dir, METRICS_FILE), '{"t":"m","s":"epoch","step":3,"v":{"lo');
    const second = new JobLog(dir, info); // resumes from the checkpoint of epoch 1
    second.log(2, { loss: 0.5 });
    second.log(3, { loss: 0.25 });
    second.close('done');
    const p = readJobLog(dir)!;
    assert.deepEqual(p.series.get('epoch/loss')?.steps, [1, 2, 3]);
    assert.deepEqual(p.series.get('epoch/loss')?.values, [1, 0.5, 0.25]);
    assert.equal(p.sessions, 2);
    assert.equal(p.status, 'done');
    assert.deepEqual(p.problems, [], 'the torn line of the killed session is not a problem');
    const lines = readFileSync(join(dir, METRICS_FILE), 'utf8').split('\n');
    assert.equal(lines.filter((l) => l.includes('"step":2')).length, 1);
  }));

test('the reader keeps the last value of a step logged twice (a log written without the guard)', () => {
  const m = (step: number, loss: number) =>
    JSON.stringify({ t: 'm', s: 'epoch', step, time: 0, wall: 0, v: { loss } });
  const p = parseJobLog([m(1, 1), m(2, 2), m(3, 3), m(2, 20), m(3, 30)].join('\n') + '\n');
  assert.deepEqual(p.series.get('epoch/loss')?.values, [1, 20, 30]);
});

test('a failed job is failed; step must be a non-negative integer', () =>
  withDir((dir) => {
    const log = new JobLog(dir, info);
    assert.throws(
      () => log.log(1.5, { loss: 1 }),
      /JobLog.log: step must be a non-negative integer, got 1.5/,
    );
    log.close('failed', 'boom');
    assert.equal(readJobLog(dir)?.status, 'failed');
    assert.equal(readJobLog(dir)?.end?.error, 'boom');
  }));

test('queue records: the latest per key; corrupt lines are reported', () =>
  withDir((dir) => {
    appendQueue(dir, [{ key: 'a', jobId: '1', job: 'j', dir: jobLogDirName('a/b c', '1') }]);
    writeFileSync(join(dir, 'jobs.jsonl'), readFileSync(join(dir, 'jobs.jsonl'), 'utf8') + 'nope\n');
    appendQueue(dir, [{ key: 'b', jobId: '2', job: 'j', dir: 'b--2' }]);
    const q = readQueue(dir);
    assert.deepEqual([...q.jobs.keys()], ['a', 'b']);
    assert.equal(q.jobs.get('a')?.dir, 'a_b_c--1');
    assert.equal(q.jobs.get('a')?.pid, process.pid);
    assert.equal(q.problems.length, 1);
  }));
