// Builds everything `npm ci` needs: the AssemblyScript SIMD kernels (from source) and the TypeScript.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

// A clean output: files of moved or deleted sources (tests above all) must not linger in dist/.
rmSync(join(root, 'dist'), { recursive: true, force: true });
mkdirSync(join(root, 'dist', 'kernels'), { recursive: true });
// The unrolled GEMM register tiles are generated; the generator is their source of truth.
run(process.execPath, ['src/kernels/as/gen-tiles.mjs']);
// The memory is imported: src/kernels/wasm.ts creates one fixed-size WebAssembly.Memory per thread and never
// grows it, so typed-array views into it never detach. Two builds of the same source: kernels-fma.wasm
// with relaxed SIMD (fused multiply-add), used where the engine accepts it, and kernels.wasm without.
for (const [out, extra] of [
  ['dist/kernels/kernels.wasm', []],
  ['dist/kernels/kernels-fma.wasm', ['--enable', 'relaxed-simd']],
]) {
  run(bin('asc'), [
    'src/kernels/as/index.ts',
    '-o',
    out,
    '-O3',
    '--runtime',
    'stub',
    '--enable',
    'simd',
    ...extra,
    '--noAssert',
    '--importMemory',
    '--noExportMemory',
  ]);
}
run(bin('tsc'), ['-p', 'tsconfig.json']);
// The dashboard page's files (plain HTML/CSS/JS, no build step) are served from dist/dashboard/assets.
cpSync(join(root, 'src', 'dashboard', 'assets'), join(root, 'dist', 'dashboard', 'assets'), {
  recursive: true,
});
// The study imports nnlab as a user would ('nnlab' resolves to this package's own exports), so it builds second.
run(bin('tsc'), ['-p', 'study/tsconfig.json']);
// tsc writes files without the execute bit; the package bin must be runnable (npx nnlab).
chmodSync(join(root, 'dist', 'cli', 'main.js'), 0o755);
