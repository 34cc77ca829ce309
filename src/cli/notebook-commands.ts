/**
 * `nnlab convert NOTEBOOK --to html|pdf|ipynb|ts [--output FILE]` and `nnlab kernel install [--user|--dir DIR]`:
 * a notebook to a document without Jupyter or a browser, and the TypeScript kernel that nnlab's notebooks
 * name (tslab) registered with Jupyter, so JupyterLab can open the notebook and Run All.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { convertNotebook, readNotebook } from '../notebook/convert.js';
import { tslabArgv } from '../notebook/execute.js';
import { fromPercent, toPercent, TSLAB_KERNELSPEC } from '../notebook/percent.js';
import { writeFileAtomic } from '../util/atomic.js';

/** Bad command-line input (the CLI prints it and exits with status 2). */
export class NotebookUsageError extends Error {}

export async function convertCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { to: { type: 'string' }, output: { type: 'string', short: 'o' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new NotebookUsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1)
    throw new NotebookUsageError(`convert takes one notebook, got ${positionals.length}`);
  const to = values.to;
  if (to !== 'html' && to !== 'pdf' && to !== 'ipynb' && to !== 'ts') {
    throw new NotebookUsageError(`--to must be html, pdf, ipynb or ts, got ${JSON.stringify(to)}`);
  }
  const input = positionals[0];
  const output = values.output ?? join(resolve(input, '..'), `${basename(input, extname(input))}.${to}`);
  // The two source forms of a notebook: percent-format TypeScript (for editing and review) and .ipynb.
  if (to === 'ipynb' || to === 'ts') {
    const nb =
      extname(input) === '.ts' ? fromPercent(readFileSync(input, 'utf8'), input) : readNotebook(input);
    writeFileAtomic(output, to === 'ipynb' ? JSON.stringify(nb, null, 1) + '\n' : toPercent(nb));
    process.stdout.write(`${output}\n`);
    return 0;
  }
  const r = await convertNotebook(input, to, output);
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(`${r.path}\n`);
  return 0;
}

/** Jupyter's data directory for kernelspecs: JUPYTER_DATA_DIR, else ~/.local/share/jupyter (Linux). */
function jupyterDataDir(): string {
  return (
    process.env.JUPYTER_DATA_DIR ||
    join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'jupyter')
  );
}

export function kernelCommand(argv: string[]): number {
  const [sub, ...rest] = argv;
  if (sub !== 'install') throw new NotebookUsageError(`kernel takes "install", got ${JSON.stringify(sub)}`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { dir: { type: 'string' } }, strict: true });
  } catch (e) {
    throw new NotebookUsageError((e as Error).message);
  }
  const dir = join(parsed.values.dir ?? jupyterDataDir(), 'kernels', TSLAB_KERNELSPEC.name);
  mkdirSync(dir, { recursive: true });
  const spec = {
    argv: tslabArgv(),
    display_name: TSLAB_KERNELSPEC.display_name,
    language: TSLAB_KERNELSPEC.language,
  };
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify(spec, null, 2) + '\n');
  process.stdout.write(`Installed the TypeScript kernel "${TSLAB_KERNELSPEC.name}" in ${dir}\n`);
  return 0;
}
