/**
 * nnlab's floors: every import between src/ folders goes down this list, never up or sideways into a cycle
 * (tests aside, which may use any floor to check theirs). A folder that is not listed fails the test, so a
 * new one gets its place here and in docs/ARCHITECTURE.md.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const FLOORS = [
  'util',
  'version',
  'kernels',
  'tensor',
  'optim',
  'data',
  'plot',
  'train',
  'nn',
  'metrics',
  'jobs',
  'experiment',
  'report',
  'notebook',
  'queue',
  'sweep',
  'dashboard',
  'cli',
  'bench',
  'index',
];

const src = fileURLToPath(new URL('../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /(?<!\.test|\.d)\.ts$/.test(name) ? [p] : [];
  });
}

/** The floor of a file: its top folder under src/, or its name for a file directly in src/ (version, index). */
const floorOf = (file: string): string =>
  relative(src, file)
    .split(sep)[0]
    .replace(/\.[jt]s$/, '');

test('no import runs back up a floor', () => {
  const wrong: string[] = [];
  for (const file of sources(src)) {
    const from = floorOf(file);
    assert.ok(FLOORS.includes(from), `src/${from} has no floor in architecture.test.ts`);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const to = floorOf(normalize(join(dirname(file), m[1])));
      if (to !== from && FLOORS.indexOf(to) > FLOORS.indexOf(from))
        wrong.push(`${relative(src, file)} imports ${m[1]} (${from} is below ${to})`);
    }
  }
  assert.deepEqual(wrong, []);
});
