import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type AnyExperiment, executeExperiment, jobId, resolveConfig } from 'nnlab';
import { dyingJobs, p3, summariseDying, type P3Config, type P3Result } from './p3.js';
import { trainDyingShard, type DyingShardResult, type NetStatus } from './p3/dying.js';

test('p3 quick: gradient study and dying-ReLU shards produce a consistent, plausible result', async () => {
  const exp = p3 as unknown as AnyExperiment;
  const config = resolveConfig(exp, { quick: true }) as P3Config;
  const result = (await executeExperiment(exp, config, { seed: 3, workers: 1 })) as P3Result;
  const c = result.config;
  assert.equal(result.gradients.length, 2 * (c.gradStds.length + 1));
  for (const run of result.gradients) {
    assert.equal(run.layers.length, 5);
    run.layers.forEach((l, i) => {
      assert.equal(l.summary.n, (i === 0 ? c.ballDims : c.gradUnits) * c.gradUnits);
      assert.ok(l.summary.std > 0 && Number.isFinite(l.summary.std), `${run.label} ${l.layer}`);
      assert.equal(l.quantiles.length, c.gradSamples);
    });
    // Binary cross-entropy at init is near log 2 for tiny weights (the output starts near 0.5).
    if (run.std === 0.01) assert.ok(Math.abs(run.loss - Math.LN2) < 0.05, `${run.label} loss ${run.loss}`);
  }
  // Sigmoid with σ = 0.01: each backward step multiplies by σ′ ≤ 1/4 and a kernel of norm ≈ 0.01·√units, so the
  // gradient std must fall from h5 to h1 (the vanishing-gradient picture of 3.1).
  const small = result.gradients.find((g) => g.activation === 'sigmoid' && g.std === 0.01);
  assert.ok(small !== undefined && small.layers[0].summary.std < 1e-2 * small.layers[4].summary.std);
  // Glorot normal weights have std √(2/(fanIn+fanOut)).
  for (const g of result.gradients.filter((r) => r.std === null)) {
    for (const l of g.layers)
      assert.ok(
        Math.abs(l.weightStd / Math.sqrt(2 / (l.fanIn + l.fanOut)) - 1) < 0.1,
        `${g.label} ${l.layer}`,
      );
  }
  const [relu, leaky] = result.dying.runs;
  assert.equal(relu.nets, c.nets);
  const count = (st: string): number => relu.status.filter((s) => s === st).length;
  assert.equal(count('bornDead') + count('collapsed') + count('alive'), c.nets);
  assert.equal(relu.collapsedDuringTraining.count, count('collapsed'));
  assert.equal(relu.collapsed.count, relu.status.filter((s) => s !== 'alive').length);
  assert.ok(relu.bornDead.ci[0] <= relu.bornDead.fraction && relu.bornDead.fraction <= relu.bornDead.ci[1]);
  // A leaky-ReLU net is never exactly constant (every layer is injective), though many start nearly flat.
  assert.equal(leaky.exactlyConstantAtInit, 0);
  assert.ok(relu.exactlyConstantAtInit > 0 && relu.exactlyConstantAtInit <= relu.bornDead.count);
  // Paired design: the same nets (data + init) for both activations, so born-dead ReLU nets exist and the
  // ReLU study loses more nets than the leaky one.
  assert.ok(relu.collapsed.count > leaky.collapsed.count);
  assert.equal(result.dying.exampleTarget.length, result.dying.exampleGrid.length);
  for (const e of [...relu.examples, ...leaky.examples])
    assert.equal(e.outputs.length, result.dying.exampleGrid.length);
  assert.equal(relu.lossCurve.length, c.epochs);
  JSON.parse(JSON.stringify(result));
});

test('p3: job identities change with any shard setting; validate names bad fields', () => {
  const a = dyingJobs(p3.defaults, 1, 'relu');
  assert.equal(a.length, 8);
  assert.equal(
    a.reduce((n, j) => n + j.args.count, 0),
    1000,
  );
  const b = dyingJobs({ ...p3.defaults, epochs: 101 }, 1, 'relu');
  assert.notEqual(jobId(trainDyingShard.name, a[0].args), jobId(trainDyingShard.name, b[0].args));
  assert.equal(new Set([...a, ...dyingJobs(p3.defaults, 1, 'leakyRelu')].map((j) => j.key)).size, 16);
  assert.deepEqual(p3.validate(p3.defaults), []);
  const errors = p3.validate({ ...p3.defaults, target: 'sin', depth: 0, dyingActivations: ['elu'] });
  assert.equal(errors.length, 3, errors.join('; '));
});

test('p3: a net that broke the divergence rule is counted apart; every fraction is over the other nets', () => {
  const config: P3Config = { ...p3.defaults, epochs: 2, examples: 1 };
  // Two shards of three nets; net 1 spiked (and ended alive), net 4 ended NaN. Ranges: constant ≤ limit (about
  // 1e-3 · 2.65 for |x| on [−√7, √7]), alive above it.
  const shard = (
    first: number,
    status: NetStatus[],
    rangeInit: number[],
    diverged: number[],
  ): DyingShardResult => ({
    first,
    status,
    rangeInit,
    rangeFinal: status.map((s) => (s === 'alive' ? 1 : 0)),
    finalLoss: status.map((s, k) => (s === 'alive' ? 0.01 * (first + k + 1) : 0.5)),
    epochLoss: status.flatMap((_, k) => [1, first + k === 4 ? NaN : 0.5]),
    constantTrace: [
      { epoch: 0, constant: rangeInit.filter((r) => r === 0).length },
      { epoch: 2, constant: status.filter((s) => s !== 'alive').length },
    ],
    examples: [],
    divergedNets: diverged.map((net) => ({ net, epoch: 1, loss: 51, bound: 23, lastFiniteLoss: 0.1 })),
    seconds: 1,
  });
  const run = summariseDying(config, 'relu', [
    shard(0, ['bornDead', 'diverged', 'alive'], [0, 1, 1], [1]),
    shard(3, ['collapsed', 'diverged', 'alive'], [1, 0, 1], [4]),
  ]);
  assert.equal(run.nets, 6);
  assert.equal(run.counted, 4);
  assert.deepEqual([run.bornDead.count, run.collapsed.count, run.alive.count], [1, 2, 2]);
  assert.equal(run.collapsed.fraction, 2 / 4);
  // Net 4 started constant (range 0) but diverged: it is not one of the born-dead nets.
  assert.equal(run.exactlyConstantAtInit, 1);
  assert.equal(run.diverged?.nets, 2);
  assert.match(
    run.diverged?.message ?? '',
    /^2 of 6 nets diverged; the first, net 1, had loss 51\.0 in epoch 2/,
  );
  // The loss curves leave the diverged nets out: net 4's NaN appears nowhere.
  assert.ok(
    run.lossCurve.every((p) =>
      [p.aliveMedian, p.collapsedMedian].every((v) => v !== null && Number.isFinite(v)),
    ),
  );
  assert.equal(run.aliveMedianLoss, (0.03 + 0.06) / 2);
  // Every net diverged: nothing is counted, the fractions are NaN with the uninformative interval [0, 1].
  const all = summariseDying(config, 'relu', [
    shard(0, ['diverged', 'diverged', 'diverged'], [1, 1, 1], [0, 1, 2]),
  ]);
  assert.equal(all.counted, 0);
  assert.ok(Number.isNaN(all.collapsed.fraction));
  assert.deepEqual(all.collapsed.ci, [0, 1]);
  assert.deepEqual(p3.countDiverged?.({ dying: { runs: [run, all] } } as P3Result), {
    runs: 9,
    diverged: 5,
    unit: 'nets',
  });
});
