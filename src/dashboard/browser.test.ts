// The dashboard in a real browser (Debian's chromium, driven by playwright-core, which downloads no browser):
// a quick p4 run trains in another process while the page shows a curve gaining points without a reload;
// then two jobs are compared and the curves' CSV export is checked against the logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { readJobLog } from '../metrics/log.js';
import { startDashboard } from './server.js';

const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

test('live curves, comparison and CSV export in headless Chromium', { timeout: 90_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`skipped: ${CHROMIUM} is missing (Debian: apt-get install chromium)`);
    return;
  }
  const base = mkdtempSync(join(tmpdir(), 'nnlab-browser-'));
  const out = join(base, 'run');
  mkdirSync(out);
  const main = new URL('../cli/main.js', import.meta.url).pathname;
  const args = ['run', 'p4', '--quick', '--out', out, '--workers', '1', '--no-report'];
  const settings = ['p4.epochs=8', 'p4.trainCount=1024', 'p4.variants=std-bn,dropout'];
  const child = spawn(process.execPath, [main, ...args, ...settings.flatMap((s) => ['--set', s])], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const dashboard = await startDashboard({ root: out, port: 0, pollMs: 300 });
  const profile = join(base, 'profile');
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 1000 },
    acceptDownloads: true,
  });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(dashboard.url);
    // Page code is passed as text: this package compiles without the DOM types.
    const points = 'Number(document.getElementById("chart").dataset.points)';
    const checkedJob = 'document.querySelector("#runs input[type=checkbox]:checked")?.dataset.job';
    // The page follows the first running job: wait for its first point.
    await page.waitForFunction(`${points} >= 1`, null, { timeout: 30_000 });
    // window.marker survives only if the page is never reloaded.
    const first = (await page.evaluate(
      `(window.marker = 42, { job: ${checkedJob} ?? '', points: ${points} })`,
    )) as { job: string; points: number };
    assert.match(first.job, /\/p4\/std-bn_seed1--/);
    // The same job's curve gains points while it trains.
    await page.waitForFunction(
      `${checkedJob} === ${JSON.stringify(first.job)} && ${points} > ${first.points}`,
      null,
      {
        timeout: 30_000,
      },
    );
    assert.equal(await page.evaluate('window.marker'), 42, 'no reload');
    assert.equal(await exited, 0, `nnlab run failed: ${stderr}`);
    // Both jobs done, as the page shows after the last events.
    await page.waitForFunction(
      '[...document.querySelectorAll(".job")].filter((e) => e.dataset.status === "done").length === 2',
      null,
      { timeout: 15_000 },
    );
    // Compare: tick the second job; the chart overlays two curves.
    const second = (await page.evaluate(
      'document.querySelector("#runs input[type=checkbox]:not(:checked)")?.dataset.job ?? ""',
    )) as string;
    await page.check(`input[data-job="${second}"]`);
    await page.waitForFunction('document.getElementById("chart").dataset.curves === "2"', null, {
      timeout: 15_000,
    });
    const compared = (await page.evaluate(
      '[...document.querySelectorAll("#runs input[type=checkbox]:checked")].map((e) => e.dataset.job).sort()',
    )) as string[];
    assert.equal(compared.length, 2);
    assert.match(compared[0], /^run\/p4\/dropout_seed1--/);
    assert.match(compared[1], /^run\/p4\/std-bn_seed1--/);
    const rows = await page.locator('#table tbody tr').count();
    assert.equal(rows, 2, 'the table has a row per job for the chosen metric');
    if (process.env.NNLAB_DASHBOARD_SCREENSHOT) {
      await page.screenshot({ path: process.env.NNLAB_DASHBOARD_SCREENSHOT, fullPage: true });
    }
    // Export the overlaid curves as CSV and check every row against the logs.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#curves-csv')]);
    const csv = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n');
    assert.equal(csv[0], 'job,series,step,wall,value');
    for (const ref of compared) {
      const dir = ref.split('/').pop() as string;
      const log = readJobLog(join(out, 'logs', 'p4', dir))!;
      const label = `run/p4/${dir.replace(/--[0-9a-f]+$/, '')},epoch/loss,`;
      const mine = csv.filter((l) => l.startsWith(label)).map((l) => l.slice(label.length).split(','));
      const s = log.series.get('epoch/loss')!;
      assert.deepEqual(
        mine.map(([step]) => Number(step)),
        s.steps,
      );
      assert.deepEqual(
        mine.map(([, , value]) => Number(value)),
        s.values,
      );
      assert.equal(s.steps.length, 8);
    }
    assert.deepEqual(errors, [], 'no errors in the page');
  } finally {
    await browser.close();
    await dashboard.close();
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(base, { recursive: true, force: true });
  }
});
