// Builds everything `npm ci` needs: the AssemblyScript SIMD kernels (from source) and the TypeScript.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

mkdirSync(join(root, 'dist', 'kernels'), { recursive: true });
run(bin('asc'), [
  'src/kernels/as/index.ts',
  '-o', 'dist/kernels/kernels.wasm',
  '-O3', '--runtime', 'stub', '--enable', 'simd', '--noAssert',
  '--initialMemory', '256', '--maximumMemory', '65536', '--exportRuntime',
]);
run(bin('tsc'), ['-p', 'tsconfig.json']);
