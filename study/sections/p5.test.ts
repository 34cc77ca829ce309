import assert from 'node:assert/strict';
import { test } from 'node:test';
import { p5, type P5Result } from '../experiments/p5.js';
import type { EpochRecord } from '../experiments/p5/types.js';
import { renderSvg } from 'nnlab';
import { fmtLr, generalisationText, p5Section } from './p5.js';
import { assertOutputsOnly, figuresOf, headingsOf, markdownOf, tablesOf } from './testing.js';

const rec = (epoch: number, loss: number, acc: number): EpochRecord => ({
  epoch,
  loss,
  accuracy: acc,
  valLoss: loss + 0.03,
  valAccuracy: acc - 0.01,
});

/** A hand-made result: a sweep with one run thrown off scale and one diverged, 2 CLR cycles of 2 epochs, 3 batch sizes. */
function fakeP5Result(clrTest: number, batchTest: number): P5Result {
  const lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10];
  const final = [2.2, 0.8, 0.4, 0.3, 5e4, null];
  const config = {
    ...p5.defaults,
    sweepLrs: lrs,
    sweepEpochs: 2,
    stepSizeEpochs: 1,
    cycles: 2,
    batchSizes: [32, 64, 128],
    epochsPerBatchSize: 1,
  };
  const metrics = (test: number) => ({
    trainLoss: 0.25,
    trainAccuracy: test + 0.02,
    valLoss: 0.3,
    valAccuracy: test + 0.005,
    testLoss: 0.31,
    testAccuracy: test,
  });
  return {
    config,
    seed: 1,
    data: { trainSize: 55000, validationSize: 5000, testSize: 10000, mean: 0.286, std: 0.353 },
    sweep: {
      runs: lrs.map((lr, i) => ({
        lr,
        epochs:
          final[i] === null
            ? [rec(1, 2.3, 0.1)]
            : [rec(1, (final[i] as number) + 0.2, 0.7), rec(2, final[i] as number, 0.8)],
        finalLoss: final[i],
        diverged: final[i] === null ? { epoch: 1, iteration: 900, message: 'training diverged' } : null,
        seconds: 10,
      })),
      suggested: { lrMin: 1e-3, lrMax: 1e-1 },
      chosen: { lrMin: 1e-3, lrMax: 1e-1, source: 'rule' },
      rule: 'the rule',
    },
    finder: {
      batchSize: 64,
      startLr: 1e-9,
      endLr: 10,
      numIterations: 100,
      iterations: 4,
      stopReason: 'exploded',
      stride: 1,
      lr: [1e-9, 1e-6, 1e-3, 1],
      loss: [2.3, 2.3, 1.0, 40],
      smoothed: [2.3, 2.3, 1.5, 9],
      minLossLr: 1e-3,
      steepestLr: 1e-4,
      suggested: { lrMin: 1e-3, lrMax: 1e-3 * 1.2 },
      seconds: 5,
    },
    clr: {
      lrMin: 1e-3,
      lrMax: 1e-1,
      batchSize: 64,
      stepSize: 860,
      stepSizeEpochs: 1,
      gamma: 0.9987,
      cycles: 2,
      iterationsPerEpoch: 860,
      epochs: [rec(1, 0.6, 0.78), rec(2, 0.4, 0.85), rec(3, 0.35, 0.87), rec(4, 0.3, 0.89)],
      lr: { stride: 2, iteration: [0, 2, 4], value: [1e-3, 2e-3, 3e-3] },
      final: metrics(clrTest),
      diverged: null,
      seconds: 40,
    },
    batch: {
      lr: 1e-1,
      batchSizes: [32, 64, 128],
      epochsPerBatchSize: 1,
      epochs: [32, 64, 128].map((batchSize, i) => ({
        ...rec(i + 1, 0.5 - 0.1 * i, 0.8 + 0.03 * i),
        batchSize,
      })),
      final: metrics(batchTest),
      diverged: null,
      seconds: 30,
    },
    wallSeconds: 120,
  };
}

test('p5Section: the three parts, every figure compiles and renders, diverged runs and bounds are marked', async () => {
  const blocks = p5Section(fakeP5Result(0.9, 0.89));
  const headings = headingsOf(blocks);
  assert.equal(headings[0], p5.title);
  assertOutputsOnly(blocks);
  assert.ok(
    headings.some((h) => h.startsWith('5.1')) &&
      headings.some((h) => h.startsWith('5.2')) &&
      headings.some((h) => h.startsWith('5.3')),
  );
  const figs = figuresOf(blocks);
  assert.deepEqual(
    figs.map((f) => f.id),
    ['p5-lr-sweep', 'p5-lr-finder', 'p5-clr-curves', 'p5-clr-schedule', 'p5-batch-size', 'p5-generalisation'],
  );
  for (const f of figs) {
    const { svg } = await renderSvg(f.spec);
    assert.ok(svg.includes('<svg'), f.id);
  }
  const sweepJson = JSON.stringify(figs[0].spec);
  const statuses = (figs[0].spec.layer as { data?: { values: { status: string }[] } }[])[1].data?.values.map(
    (v) => v.status,
  );
  // top = max(2.5, min(5e4, 2·ln 10))·1.08 = 4.97
  assert.deepEqual(statuses, [
    'trained',
    'trained',
    'trained',
    'trained',
    'loss > 4.97 (drawn at the top)',
    'diverged (NaN/∞ loss)',
  ]);
  assert.ok(sweepJson.includes('"lrMin = 1e-3"') && sweepJson.includes('"lrMax = 1e-1"'));
  assert.ok(sweepJson.includes('"type":"log"'));
  const text = markdownOf(blocks);
  assert.ok(text.includes('The run at lr 1e1 diverged'));
  assert.ok(text.includes('5,000 images'));
  // The sweep table has a row per learning rate; the diverged one says so.
  const sweep = tablesOf(blocks)[0];
  assert.deepEqual(
    sweep.rows.map((row) => row[0]),
    ['1e-4', '1e-3', '1e-2', '1e-1', '1e0', '1e1'],
  );
  assert.equal(sweep.rows[5][3], 'diverged (epoch 2)');
  assert.equal(sweep.rows[2][3], '0.4000');
});

test('generalisationText: the verdict follows the numbers and the test-set standard error', () => {
  // SE of a difference of two accuracies near 0.9 on 10,000 images: √2·√(0.09/10⁴) = 0.42 points; 2·SE = 0.85.
  assert.match(generalisationText(fakeP5Result(0.9, 0.895)), /similar: the 0\.50-point difference/);
  assert.match(generalisationText(fakeP5Result(0.9, 0.88)), /2\.00 points \*\*lower\*\* than CLR/);
  assert.match(generalisationText(fakeP5Result(0.88, 0.9)), /2\.00 points \*\*higher\*\* than CLR/);
  // Stage losses 0.5, 0.4, 0.45: not a steady flattening, so no "by less" claim; then 0.5, 0.4, 0.35.
  const r = fakeP5Result(0.9, 0.9);
  r.batch.epochs[2].loss = 0.45;
  assert.match(generalisationText(r), /changes by −0\.100, \+0\.050\./);
  r.batch.epochs[2].loss = 0.35;
  assert.match(generalisationText(r), /lowers the last-epoch loss by less: 0\.100, 0\.050 from/);
  r.batch.final = null;
  assert.match(generalisationText(r), /5\.3 \(growing batch\) run diverged/);
});

test('fmtLr: compact exponent notation', () => {
  assert.equal(fmtLr(1e-9), '1e-9');
  assert.equal(fmtLr(0.1), '1e-1');
  assert.equal(fmtLr(10), '1e1');
  assert.equal(fmtLr(0.032), '3.2e-2');
});
