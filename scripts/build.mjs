// Builds everything `npm ci` needs: the AssemblyScript SIMD kernels (from source) and the TypeScript.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

mkdirSync(join(root, 'dist', 'kernels'), { recursive: true });
// The unrolled GEMM register tiles are generated; the generator is their source of truth.
run(process.execPath, ['src/kernels/as/gen-tiles.mjs']);
// The memory is imported: src/kernels/loader.ts creates one fixed-size WebAssembly.Memory per thread and never
// grows it, so typed-array views into it never detach. Two builds of the same source: kernels-fma.wasm
// with relaxed SIMD (fused multiply-add), used where the engine accepts it, and kernels.wasm without.
// The plain build also writes asc's typings of the exports (--bindings, which leaves the wasm unchanged);
// gen-exports.mjs turns them into src/kernels/exports.ts, so the TypeScript side never restates a signature.
for (const [out, extra] of [
  ['dist/kernels/kernels.wasm', ['--bindings', 'raw']],
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
run(process.execPath, ['src/kernels/as/gen-exports.mjs', 'dist/kernels/kernels.d.ts']);
// Only the typings were wanted: the loader instantiates the module itself.
for (const binding of ['kernels.d.ts', 'kernels.js']) rmSync(join(root, 'dist', 'kernels', binding));
run(bin('tsc'), ['-p', 'tsconfig.json']);
// tsc writes files without the execute bit; the package bin must be runnable (npx nnlab).
chmodSync(join(root, 'dist', 'cli', 'main.js'), 0o755);
