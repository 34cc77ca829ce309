/**
 * `node dist/bench/dashboard-load.js [DIR]`: how fast the dashboard opens a full-study-sized run directory.
 * Writes (with the real JobLog) a run of the full study's shape: p2 10 jobs × 2 nets × 250 TNC evaluations;
 * p3 2 × 8 shards (2 × 1000 nets) × 200 epochs; p4 12 jobs × 10 epochs; p5 on 55,000 images: 11 sweep jobs ×
 * 5 epochs of 860 batches, the range test (1,720 batches), CLR 24 epochs (20,640 batches) and the batch-size
 * schedule (16 epochs, 6,854 batches), every batch logged. Then serves it and times, in headless Chromium,
 * the page from navigation to its first complete render (tree, chart, table, sweep), and a few heavier views.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { appendQueue, JobLog, jobLogDirName } from '../metrics/log.js';
import { startDashboard } from '../dashboard/server.js';

const CHROMIUM = '/usr/bin/chromium';

function job(
  run: string,
  exp: string,
  key: string,
  args: Record<string, unknown>,
  fill: (log: JobLog) => void,
): void {
  const jobId = key.replace(/\W/g, '').slice(0, 8).padEnd(8, '0');
  const expDir = join(run, 'logs', exp);
  appendQueue(expDir, [{ key, jobId, job: `${exp}/job`, dir: jobLogDirName(key, jobId) }]);
  const log = new JobLog(join(expDir, jobLogDirName(key, jobId)), { job: `${exp}/job`, key, jobId, args });
  fill(log);
  log.close('done');
}

/** A run directory of the full study's size (see the file comment); returns the number of metric records. */
export function writeFullStudyRun(run: string): number {
  let records = 0;
  const log = (l: JobLog, step: number, m: Record<string, number>, stream?: string) => {
    l.log(step, m, stream);
    records++;
  };
  for (let s = 0; s < 10; s++)
    job(run, 'p2', `p2/seed ${s}`, { seed: 1, seedIndex: s }, (l) => {
      for (const net of ['original', 'deep'])
        for (let e = 1; e <= 250; e++)
          log(l, e, { [`${net}/cost`]: 3 * Math.exp(-e / 50) + 0.3 }, 'evaluation');
    });
  for (const act of ['relu', 'leakyRelu'])
    for (let first = 0; first < 1000; first += 125)
      job(
        run,
        'p3',
        `p3/${act} nets ${first}-${first + 124}`,
        { activation: act, first, count: 125, seed: 1 },
        (l) => {
          for (let e = 1; e <= 200; e++) {
            const m = 0.5 * Math.exp(-e / 40) + 0.05;
            log(l, e, { medianLoss: m, q10Loss: m / 2, q90Loss: m * 2, learningRate: 0.001, batchSize: 64 });
            if (e % 5 === 0) log(l, e, { collapsedFraction: act === 'relu' ? 0.2 + e / 2000 : 0.01 });
          }
        },
      );
  for (const v of ['std-bn', 'bn-input', 'dropout', 'bn-dropout'])
    for (let seed = 1; seed <= 3; seed++)
      job(run, 'p4', `${v} seed ${seed}`, { variant: v, seed }, (l) => {
        for (let e = 1; e <= 10; e++) {
          const loss = 0.3 / e + seed / 100;
          log(l, e, {
            loss,
            accuracy: 1 - loss / 3,
            trainLoss: loss,
            trainAccuracy: 1 - loss / 3,
            testLoss: loss * 1.1,
            testAccuracy: 1 - loss / 2.5,
            learningRate: 0.1,
            batchSize: 128,
            epochSeconds: 35,
          });
        }
      });
  const batches = (l: JobLog, epochs: number, perEpoch: (e: number) => number, lr: (i: number) => number) => {
    let i = 0;
    for (let e = 1; e <= epochs; e++) {
      const n = perEpoch(e);
      for (let b = 0; b < n; b++, i++)
        log(
          l,
          i + 1,
          { loss: 2.3 * Math.exp(-i / 5000) + 0.2 * Math.random(), learningRate: lr(i), batchSize: 64 },
          'batch',
        );
      log(l, e, {
        loss: 2.3 * Math.exp(-i / 5000),
        accuracy: 0.8,
        valLoss: 0.5,
        valAccuracy: 0.8,
        learningRate: lr(i),
        batchSize: 64,
      });
    }
  };
  for (const lr of [1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10])
    job(run, 'p5', `sweep-${lr}`, { lr, batchSize: 64, epochs: 5, seed: 1 }, (l) =>
      batches(
        l,
        5,
        () => 860,
        () => lr,
      ),
    );
  job(run, 'p5', 'finder', { startLr: 1e-9, endLr: 10, seed: 1 }, (l) =>
    batches(
      l,
      2,
      () => 860,
      (i) => 1e-9 * 10 ** (i / 172),
    ),
  );
  job(run, 'p5', 'clr', { lrMin: 1e-4, lrMax: 0.1, seed: 1 }, (l) =>
    batches(
      l,
      24,
      () => 860,
      (i) => 1e-4 + (i % 1720) / 17200,
    ),
  );
  const sizes = [32, 64, 128, 256, 512, 1024, 2048, 4096];
  job(run, 'p5', 'batch-size', { lr: 0.01, batchSizes: sizes, seed: 1 }, (l) =>
    batches(
      l,
      16,
      (e) => Math.ceil(55000 / sizes[Math.floor((e - 1) / 2)]),
      () => 0.01,
    ),
  );
  return records;
}

async function main(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'nnlab-dashload-'));
  const run = process.argv[2] ?? join(base, 'full');
  try {
    let t0 = performance.now();
    const records = writeFullStudyRun(run);
    console.log(
      `wrote ${records.toLocaleString('en-US')} metric records in ${((performance.now() - t0) / 1000).toFixed(1)} s into ${run}`,
    );
    const d = await startDashboard({ root: run, port: 0 });
    const browser = await chromium.launchPersistentContext(join(base, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1400, height: 1000 },
    });
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      const timeTo = async (what: string, action: () => Promise<unknown>) => {
        const before = await page.evaluate('document.body.dataset.updated ?? ""');
        t0 = performance.now();
        await action();
        await page.waitForFunction(
          `(document.body.dataset.updated ?? "") !== ${JSON.stringify(before)}`,
          null,
          { timeout: 60_000 },
        );
        console.log(`${what}: ${(performance.now() - t0).toFixed(0)} ms`);
      };
      await timeTo('cold load (first complete render)', () => page.goto(d.url));
      await timeTo('warm reload', () => page.reload());
      // Heavier views: the CLR's 20,640-batch curve, and all 16 p3 shards overlaid.
      const clr = (await page.evaluate(
        '[...document.querySelectorAll("input[data-job]")].map((e) => e.dataset.job).find((j) => j.includes("/p5/clr--"))',
      )) as string;
      const drawn = 'document.getElementById("chart").dataset.drawn ?? ""';
      const click = async (what: string, selector: string) => {
        const before = await page.evaluate(drawn);
        t0 = performance.now();
        await page.evaluate(`document.querySelector(${JSON.stringify(selector)}).click()`);
        await page.waitForFunction(`${drawn} !== ${JSON.stringify(before)}`, null, { timeout: 60_000 });
        const points = await page.evaluate('document.getElementById("chart").dataset.points');
        console.log(`${what}: ${(performance.now() - t0).toFixed(0)} ms, ${points} points drawn`);
      };
      const first = (await page.evaluate(
        'document.querySelector("input[data-job]:checked").dataset.job',
      )) as string;
      await click('add the CLR job', `input[data-job="${clr}"]`);
      await click('drop the first job', `input[data-job="${first}"]`);
      await click('CLR batch/loss (20,640 points, downsampled)', 'input[data-series="batch/loss"]');
      const shards = (await page.evaluate(
        '[...document.querySelectorAll("input[data-job]")].map((e) => e.dataset.job).filter((j) => j.includes("/p3/"))',
      )) as string[];
      await click('drop the CLR job', `input[data-job="${clr}"]`);
      t0 = performance.now();
      for (const s of shards)
        await page.evaluate(`document.querySelector(${JSON.stringify(`input[data-job="${s}"]`)}).click()`);
      await page.waitForFunction('document.getElementById("chart").dataset.curves === "16"', null, {
        timeout: 60_000,
      });
      console.log(`all 16 p3 shards (2 × 1000 nets) overlaid: ${(performance.now() - t0).toFixed(0)} ms`);
      if (process.env.NNLAB_DASHBOARD_SCREENSHOT) {
        await page.screenshot({ path: process.env.NNLAB_DASHBOARD_SCREENSHOT, fullPage: true });
      }
    } finally {
      await browser.close();
      await d.close();
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
}
