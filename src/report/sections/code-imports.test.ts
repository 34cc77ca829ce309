// The notebook's code cells must call the real API: every name they import from 'nnlab' is exported.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as nnlab from '../../index.js';

const sourceDir = fileURLToPath(new URL('../../../src/report/sections/', import.meta.url));

test("every name a code cell imports from 'nnlab' is exported by the package", () => {
  const exported = new Set(Object.keys(nnlab));
  const missing: string[] = [];
  let imports = 0;
  for (const file of readdirSync(sourceDir).filter((f) => /^p\d\.ts$/.test(f))) {
    const text = readFileSync(sourceDir + file, 'utf8');
    for (const m of text.matchAll(/import \{([^}]*)\} from 'nnlab'/g)) {
      for (const raw of m[1].split(',')) {
        const name = raw.trim().replace(/^type\s+/, '');
        if (name === '' || raw.trim().startsWith('type ')) continue;
        imports++;
        if (!exported.has(name)) missing.push(`${file}: ${name}`);
      }
    }
  }
  assert.ok(imports > 10, `expected the sections to import from 'nnlab', found ${imports} names`);
  assert.deepEqual(missing, []);
});
