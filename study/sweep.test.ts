/**
 * `nnlab sweep` end to end: a small P5 learning-rate × batch-size sweep with ASHA on local threads, its stored
 * runs, summary and report; run again, it trains nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJson } from 'nnlab';

const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));

interface Summary {
  rungs: number[];
  trials: { name: string; rung: number; resource: number; scores: number[]; mean: number }[];
  best: { name: string; resource: number; mean: number } | null;
  spent: { trained: number; resumed: number; fullGrid: number };
}

test(
  'a P5 lr × batch-size sweep with ASHA: rungs, promotions, stored runs, report; re-run trains nothing',
  { timeout: 60_000 },
  () => {
    const root = mkdtempSync(join(tmpdir(), 'nnlab-sweep-'));
    try {
      const args = [
        cli,
        'sweep',
        'p5',
        '--quick',
        '--grid',
        'p5.sweepLrs=0.003,0.03,0.3',
        '--grid',
        'sweepBatchSize=32,64',
        '--asha',
        '--eta',
        '2',
        '--max-epochs',
        '4',
        '--workers',
        '2',
        '--out',
        root,
      ];
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 50_000 });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const dir = join(root, 'sweeps', 'p5');
      const s = decodeJson<Summary>(readFileSync(join(dir, 'sweep.json'), 'utf8'));
      assert.deepEqual(s.rungs, [1, 2, 4]);
      const at = (k: number) => s.trials.filter((t) => t.rung === k);
      assert.equal(at(0).length, 6, 'every configuration starts at rung 0');
      // Asynchronous promotion: the final top half of rung 0 is promoted (others may have been, when they led).
      const top0 = [...at(0)].sort((a, b) => b.mean - a.mean).slice(0, 3);
      for (const t of top0)
        assert.ok(
          at(1).some((u) => u.name === t.name),
          `${t.name} (top half of rung 0) not promoted`,
        );
      assert.ok(at(1).length < 6, 'everything was promoted');
      assert.ok(at(2).length >= 1, 'something reached the top rung');
      // A promoted configuration was among the top half of rung 0 when promoted: never the worst of rung 0.
      const worst = [...at(0)].sort((a, b) => a.mean - b.mean)[0];
      assert.ok(!at(1).some((t) => t.name === worst.name), `${worst.name} (worst at rung 0) was promoted`);
      assert.ok(s.best !== null && s.best.resource === 4);
      assert.ok(s.spent.trained < s.spent.fullGrid, `ASHA trained ${s.spent.trained} of ${s.spent.fullGrid}`);
      assert.equal(
        readdirSync(join(dir, 'runs')).length,
        s.trials.length,
        'one stored run per trial and seed',
      );
      for (const f of ['report/sweep-p5.html', 'report/sweep-p5.ipynb', 'figures/sweep-p5.svg'])
        assert.ok(existsSync(join(dir, f)), f);
      assert.match(
        readFileSync(join(dir, 'report', 'sweep-p5.html'), 'utf8'),
        /ASHA: rungs at sweepEpochs = 1, 2, 4/,
      );

      const again = spawnSync(process.execPath, [...args, '--no-report'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(again.status, 0, again.stdout + again.stderr);
      // Asynchronous ASHA promotes in the order results arrive, so a re-run (stored results come back at once)
      // may ask for other promotions; every trial it shares with the first run must be found stored.
      const lines = again.stdout.split('\n').filter((l) => /^\[\d+\]/.test(l));
      const first = new Set(s.trials.map((t) => `] ${t.name} at sweepEpochs=${t.resource}:`));
      const shared = lines.filter((l) => [...first].some((f) => l.includes(f)));
      assert.ok(shared.length >= 6, `only ${shared.length} trials shared:\n${again.stdout}`);
      for (const l of shared) assert.match(l, /1 stored\)/, `trained again:\n${again.stdout}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);
