import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eta, fmtDuration, ProgressView, type RunEvent } from './progress.js';

function fakeSink(isTTY: boolean) {
  const writes: string[] = [];
  return { sink: { write: (t: string) => writes.push(t), isTTY, columns: 60 }, writes };
}

const progress = (key: string, done: number, total = 10): RunEvent => ({
  type: 'progress',
  id: 'p4',
  key,
  progress: { label: `p4/${key}`, done, total, unit: 'epochs', info: `loss ${done}` },
});

test('fmtDuration', () => {
  assert.equal(fmtDuration(0), '0s');
  assert.equal(fmtDuration(59.4), '59s');
  assert.equal(fmtDuration(65), '1m05s');
  assert.equal(fmtDuration(3600 * 2 + 7 * 60 + 30), '2h07m');
  assert.equal(fmtDuration(NaN), '?');
});

test('eta: rate between events, or from the start at the first event unless the job may have resumed', () => {
  const p = (done: number) => ({ label: 'x', done, total: 10, unit: 'epochs' });
  // Fresh job: 2 epochs after 4 s ⇒ 2 s per epoch, 8 to go.
  assert.equal(eta({ start: 0, first: { done: 2, at: 4000 }, resumed: false }, p(2), 4000), 16);
  // Resumed at epoch 6: the first event says nothing of the rate …
  assert.ok(Number.isNaN(eta({ start: 0, first: { done: 6, at: 2000 }, resumed: true }, p(6), 2000)));
  // … the next one does: 1 epoch in 3 s, 3 to go.
  assert.equal(eta({ start: 0, first: { done: 6, at: 2000 }, resumed: true }, p(7), 5000), 9);
  assert.equal(eta({ start: 0, first: { done: 6, at: 2000 }, resumed: true }, p(10), 9000), 0);
  assert.ok(Number.isNaN(eta({ start: 0, first: { done: 0, at: 100 }, resumed: false }, p(0), 100)));
});

test('without a TTY: at most one line per job per throttle period, plus the completion', () => {
  let now = 0;
  const { sink, writes } = fakeSink(false);
  const view = new ProgressView(sink, { throttleSeconds: 5, now: () => now });
  view.handle({ type: 'experiment-start', id: 'p4', title: 'LeNet', index: 1, count: 2, checkpoints: 0 });
  view.handle({ type: 'job-start', id: 'p4', key: 'a' });
  view.handle({ type: 'job-start', id: 'p4', key: 'b' });
  for (let done = 1; done <= 10; done++) {
    now += 1000;
    view.handle(progress('a', done));
    view.handle(progress('b', done));
  }
  view.handle({ type: 'job-end', id: 'p4', key: 'a' });
  view.handle({ type: 'job-end', id: 'p4', key: 'b', failed: true });
  view.handle({ type: 'job-start', id: 'p4', key: 'quiet' });
  view.handle({ type: 'job-end', id: 'p4', key: 'quiet' });
  view.handle({ type: 'experiment-end', id: 'p4', seconds: 12 });
  view.close();
  const lines = writes.join('').split('\n').filter(Boolean);
  assert.ok(!writes.join('').includes('\x1b'), 'no escape codes in a log');
  assert.equal(lines[0], '[1/2] p4: LeNet');
  // 10 s of events every second, throttled to 5 s: lines at 1 s and 6 s per job (10/10 is the completion).
  assert.deepEqual(
    lines.filter((l) => l.includes('p4/a') && !l.includes('done')),
    ['  p4/a  1/10 epochs  1s elapsed, ETA 9s  loss 1', '  p4/a  6/10 epochs  6s elapsed, ETA 4s  loss 6'],
  );
  assert.deepEqual(
    lines.filter((l) => l.includes('done') || l.includes('FAILED')),
    ['  done p4/a: 10/10 epochs in 10s  loss 10', '  FAILED p4/b after 10/10 epochs (10s)'],
  );
  assert.equal(lines.at(-1), 'p4 finished in 12s (1 short job not listed)');
  assert.equal(lines.length, 1 + 4 + 2 + 1);
});

test('on a TTY: one live line per active job, redrawn in place, removed when the job ends', () => {
  let now = 0;
  const { sink, writes } = fakeSink(true);
  const view = new ProgressView(sink, { now: () => now });
  view.handle({ type: 'job-start', id: 'p4', key: 'a' });
  view.handle({ type: 'job-start', id: 'p4', key: 'b' });
  now = 4000;
  view.handle(progress('a', 1));
  const frame = writes.slice(-2);
  assert.equal(frame[0], '\x1b[2A\x1b[J', 'erases the two live lines');
  const live = frame[1].split('\n').filter(Boolean);
  assert.equal(live.length, 2);
  assert.equal(live[0], '  p4/a  [##..............] 1/10 epochs  4s elapsed, ETA 36s  loss 1'.slice(0, 59));
  assert.ok(
    live.every((l) => l.length <= 59),
    'lines fit the terminal width',
  );
  view.handle({ type: 'job-end', id: 'p4', key: 'a' });
  const after = writes.slice(-3);
  assert.equal(after[0], '\x1b[2A\x1b[J');
  assert.equal(after[1], '  done p4/a: 1/10 epochs in 4s  loss 1\n');
  assert.equal(after[2].split('\n').filter(Boolean).length, 1, 'only b is still live');
  view.close();
  assert.equal(writes.at(-1), '\x1b[1A\x1b[J');
});

test('jobs of an experiment resumed from checkpoints show no ETA until their rate is measured', () => {
  let now = 0;
  const { sink, writes } = fakeSink(false);
  const view = new ProgressView(sink, { throttleSeconds: 0, now: () => now });
  view.handle({ type: 'experiment-start', id: 'p4', title: 'LeNet', index: 1, count: 1, checkpoints: 2 });
  view.handle({ type: 'job-start', id: 'p4', key: 'a' });
  now = 1000;
  view.handle(progress('a', 6));
  now = 3000;
  view.handle(progress('a', 7));
  const lines = writes.join('').split('\n').filter(Boolean);
  assert.equal(lines[0], '[1/1] p4: LeNet (resuming from 2 checkpoints)');
  assert.equal(lines[1], '  p4/a  6/10 epochs  1s elapsed, ETA ?  loss 6');
  assert.equal(lines[2], '  p4/a  7/10 epochs  3s elapsed, ETA 6s  loss 7');
});

test("the experiment's own phases print their completion; a TTY redraws at most every 100 ms", () => {
  let now = 0;
  const { sink, writes } = fakeSink(true);
  const view = new ProgressView(sink, { now: () => now });
  view.handle({ type: 'experiment-start', id: 'p3', title: 'Init', index: 1, count: 1, checkpoints: 0 });
  const own = (done: number): RunEvent => ({
    type: 'progress',
    id: 'p3',
    key: 'p3',
    progress: { label: 'p3/gradients', done, total: 8, unit: 'models' },
  });
  const before = writes.length;
  for (let i = 0; i < 5; i++) {
    now += 10;
    view.handle(own(i));
  }
  assert.equal(writes.length - before, 0, 'five events within 50 ms: no redraw');
  now = 2000;
  view.handle(own(8));
  assert.ok(writes.join('').includes('  done p3/gradients: 8/8 models in 2s\n'));
  view.close();
});
