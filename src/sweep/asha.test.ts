import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Asha, ashaRungs } from './asha.js';

test('ashaRungs: grace·η^k up to max; bad options are refused with their values', () => {
  assert.deepEqual(ashaRungs({ grace: 1, eta: 3, max: 9 }), [1, 3, 9]);
  assert.deepEqual(ashaRungs({ grace: 1, eta: 3, max: 10 }), [1, 3, 9]);
  assert.deepEqual(ashaRungs({ grace: 2, eta: 2, max: 16 }), [2, 4, 8, 16]);
  assert.deepEqual(ashaRungs({ grace: 5, eta: 2, max: 5 }), [5]);
  assert.throws(
    () => ashaRungs({ grace: 1, eta: 1, max: 9 }),
    /eta must be an integer ≥ 2 \(got grace 1, eta 1, max 9\)/,
  );
  assert.throws(() => ashaRungs({ grace: 4, eta: 2, max: 3 }), /max must be an integer ≥ grace/);
});

/** Runs ASHA to the end sequentially (one worker) with score(config, resource). */
function drive(n: number, score: (c: number, r: number) => number, eta = 3, max = 9): Asha {
  const a = new Asha(n, { grace: 1, eta, max });
  for (let guard = 0; guard < 1000; guard++) {
    const s = a.next();
    if (s.kind === 'done') return a;
    assert.equal(s.kind, 'run', 'one worker never has to wait');
    if (s.kind === 'run') a.report(s.config, s.rung, score(s.config, s.resource));
  }
  throw new Error('ASHA did not finish');
}

test('Asha, one worker: the top 1/η of each rung is promoted; the best config reaches the top rung', () => {
  // Config c scores 10 − c (higher is better) at every resource: config 0 is best.
  const a = drive(9, (c) => 10 - c);
  const at = (k: number) => a.trials.filter((t) => t.rung === k).map((t) => t.config);
  assert.deepEqual(at(0).sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  // Asynchronous promotion: config 0 goes to rung 1 as soon as rung 0 holds 3 results, config 1 at 6, 2 at 9;
  // config 0 goes to rung 2 once rung 1 holds 3.
  assert.deepEqual(at(1), [0, 1, 2]);
  assert.deepEqual(at(2), [0]);
  assert.deepEqual(a.best(), { config: 0, rung: 2, resource: 9, score: 10 });
  // Rising scores: every new config beats the ones before, so each is promoted on arrival (ASHA's known
  // weakness with few comparisons); still one config reaches the top.
  const rising = drive(9, (c) => c);
  assert.equal(rising.best()?.config, 8);
  // 9·1 + 3·3 + 1·9 = 27 epochs from scratch, 9 + 3·2 + 1·6 = 21 resumed, against 81 for the full grid.
  assert.deepEqual(a.spent(), { trained: 27, resumed: 21 });
});

test('Asha: a diverged (NaN) score ranks last; with lower-is-worse order the worst configs stop at rung 0', () => {
  const a = drive(6, (c) => (c === 5 ? NaN : -c), 2, 4);
  assert.ok(!a.trials.some((t) => t.config === 5 && t.rung > 0), 'the NaN config was promoted');
  assert.equal(a.best()?.config, 0);
});

test('Asha, several workers: waits only when nothing can start; every asked trial is reported once', () => {
  const a = new Asha(4, { grace: 1, eta: 2, max: 4 });
  const first = [a.next(), a.next(), a.next(), a.next()];
  assert.deepEqual(
    first.map((s) => (s.kind === 'run' ? [s.config, s.rung] : s.kind)),
    [
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
    ],
  );
  assert.deepEqual(a.next(), { kind: 'wait' });
  a.report(1, 0, 0.9);
  assert.deepEqual(a.next(), { kind: 'wait' }, 'one result is not a top half');
  a.report(0, 0, 0.5);
  assert.deepEqual(a.next(), { kind: 'run', config: 1, rung: 1, resource: 2 });
  assert.throws(() => a.report(0, 0, 1), /reported twice/);
  assert.throws(() => new Asha(0, { grace: 1, eta: 2, max: 4 }), /at least one configuration/);
});
