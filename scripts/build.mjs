// Builds everything `npm ci` needs: the AssemblyScript SIMD kernels (from source) and the TypeScript.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
// The dashboard page's files (plain HTML/CSS/JS, no build step) are served from dist/dashboard/assets.
cpSync(join(root, 'src', 'dashboard', 'assets'), join(root, 'dist', 'dashboard', 'assets'), {
  recursive: true,
});
// The study imports nnlab as a user would ('nnlab' resolves to this package's own exports), so it builds second.
run(bin('tsc'), ['-p', 'study/tsconfig.json']);
// tsc writes files without the execute bit; the package bin must be runnable (npx nnlab).
chmodSync(join(root, 'dist', 'cli', 'main.js'), 0o755);
// The compiled study is a package of its own, so notebooks import it by name as they import nnlab.
writeFileSync(
  join(root, 'dist', 'study', 'package.json'),
  JSON.stringify(
    { name: 'nnlab-homework3', private: true, type: 'module', main: 'index.js', types: 'index.d.ts' },
    null,
    2,
  ) + '\n',
);
// Notebooks are executed from the study's folder or a run directory's report/; tslab resolves names through
// node_modules only (no package self-reference), so in nnlab's own repository node_modules/nnlab links back to
// the package and node_modules/nnlab-homework3 to the compiled study.
for (const [name, target] of [
  ['nnlab', '..'],
  ['nnlab-homework3', '../dist/study'],
]) {
  const link = join(root, 'node_modules', name);
  if (!existsSync(link)) symlinkSync(target, link, 'dir');
}
