import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { publishReportSet, stageReportSet } from './report-set.js';

/** One "build": a notebook and a figure that both say `text`; published unless `killed`. */
function build(out: string, text: string, killed = false): void {
  const set = stageReportSet(out);
  writeFileSync(join(set, 'r.ipynb'), text);
  if (killed) return; // killed before the figure and the publication
  writeFileSync(join(set, 'figures', 'f.svg'), text);
  publishReportSet(out, set);
}

test('a report build killed midway leaves the previous set whole; the next build cleans up and publishes', () => {
  const out = mkdtempSync(join(tmpdir(), 'nnlab-set-'));
  try {
    build(out, 'one');
    build(out, 'two', true);
    assert.equal(readFileSync(join(out, 'report', 'r.ipynb'), 'utf8'), 'one');
    assert.equal(readFileSync(join(out, 'figures', 'f.svg'), 'utf8'), 'one');
    build(out, 'three');
    assert.equal(readFileSync(join(out, 'report', 'r.ipynb'), 'utf8'), 'three');
    assert.equal(readFileSync(join(out, 'figures', 'f.svg'), 'utf8'), 'three');
    assert.equal(readdirSync(join(out, '.report-sets')).length, 1, 'older and unfinished sets are deleted');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('a run directory with real report/ and figures/ folders (older nnlab) is taken over', () => {
  const out = mkdtempSync(join(tmpdir(), 'nnlab-set-'));
  try {
    for (const d of ['report', 'figures']) {
      mkdirSync(join(out, d));
      writeFileSync(join(out, d, 'old.txt'), 'old');
    }
    const set = stageReportSet(out);
    writeFileSync(join(set, 'r.ipynb'), 'new');
    publishReportSet(out, set);
    assert.equal(readFileSync(join(out, 'report', 'r.ipynb'), 'utf8'), 'new');
    assert.ok(existsSync(join(out, 'figures')));
    assert.ok(!existsSync(join(out, 'report', 'old.txt')), 'the old folder is no longer the report');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
