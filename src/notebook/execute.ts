/**
 * Executes a notebook top to bottom in a real Jupyter kernel (tslab by default) through nnlab's own client,
 * as `jupyter nbconvert --execute` does: every code cell is sent as an execute_request and its outputs are
 * the kernel's own messages. Parameters are injected as papermill does: a cell with the given code, tagged
 * "injected-parameters", right after the cell tagged "parameters".
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { KernelClient, type KernelMessage } from './kernel.js';
import {
  toLines,
  type MultilineString,
  type Notebook,
  type NotebookCell,
  type NotebookOutput,
} from '../report/notebook.js';

/** A code cell failed: `cell` is its 1-based position among all cells; the notebook holds the outputs so far. */
export class NotebookCellError extends Error {
  constructor(
    readonly cell: number,
    readonly detail: string,
    readonly notebook: Notebook,
  ) {
    super(`cell ${cell} failed: ${detail}`);
    this.name = 'NotebookCellError';
  }
}

/** The command line of the tslab kernel that ships with nnlab ("{connection_file}" filled in by the client). */
export function tslabArgv(): string[] {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('tslab/package.json');
  } catch {
    throw new Error(
      'the TypeScript Jupyter kernel (the npm package tslab) is not installed next to nnlab: run `npm ci` ' +
        '(or `npm install tslab`), then `npx nnlab kernel install` to register it with Jupyter',
    );
  }
  return [
    process.execPath,
    join(dirname(pkg), 'bin', 'tslab'),
    'kernel',
    '--config-path',
    '{connection_file}',
  ];
}

const text = (s: MultilineString): string => (Array.isArray(s) ? s.join('') : s);
// Colour codes in kernel text (tracebacks) are for terminals, not documents.
// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, '');

/** The notebook outputs of one execution's iopub messages (streams of the same name are merged). */
export function outputsOf(messages: KernelMessage[]): NotebookOutput[] {
  const out: NotebookOutput[] = [];
  for (const m of messages) {
    const c = m.content;
    switch (m.header.msg_type) {
      case 'stream': {
        const name = c.name === 'stderr' ? 'stderr' : 'stdout';
        const last = out[out.length - 1];
        if (last?.output_type === 'stream' && last.name === name)
          last.text = toLines(text(last.text) + String(c.text));
        else out.push({ output_type: 'stream', name, text: toLines(String(c.text)) });
        break;
      }
      case 'display_data':
        out.push({
          output_type: 'display_data',
          data: c.data as Record<string, unknown>,
          metadata: (c.metadata ?? {}) as Record<string, unknown>,
        });
        break;
      case 'execute_result':
        out.push({
          output_type: 'execute_result',
          data: c.data as Record<string, unknown>,
          metadata: (c.metadata ?? {}) as Record<string, unknown>,
          execution_count: typeof c.execution_count === 'number' ? c.execution_count : null,
        });
        break;
      case 'error':
        out.push({
          output_type: 'error',
          ename: String(c.ename),
          evalue: String(c.evalue),
          traceback: ((c.traceback ?? []) as string[]).map((l) => stripAnsi(String(l))),
        });
        break;
    }
  }
  return out;
}

export interface NotebookExecuteOptions {
  /** The kernel's command line (default: the tslab kernel shipped with nnlab). */
  argv?: string[];
  /** Working directory of the kernel (relative imports in cells resolve from here). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Code of the injected-parameters cell, e.g. "quick = true;\nseed = 5;". */
  parameters?: string;
  /** Called before each code cell runs (1-based cell position, its source) and after it, with the seconds. */
  onCell?: (event: { cell: number; of: number; source: string; seconds?: number }) => void;
  /** Seconds a single cell may run (default one hour). */
  cellTimeoutSeconds?: number;
}

/** The notebook with the injected-parameters cell after the "parameters" cell (replacing an earlier one). */
export function injectParameters(nb: Notebook, code: string): Notebook {
  const cells = nb.cells.filter(
    (c) => !((c.metadata.tags as string[] | undefined) ?? []).includes('injected-parameters'),
  );
  const at = cells.findIndex((c) => ((c.metadata.tags as string[] | undefined) ?? []).includes('parameters'));
  if (at < 0) {
    throw new Error('injectParameters: the notebook has no cell tagged "parameters" to inject values after');
  }
  const injected: NotebookCell = {
    id: 'injected-parameters',
    cell_type: 'code',
    metadata: { tags: ['injected-parameters'] },
    source: toLines(`// Parameters injected by nnlab\n${code}`),
    outputs: [],
    execution_count: null,
  };
  return { ...nb, cells: [...cells.slice(0, at + 1), injected, ...cells.slice(at + 1)] };
}

/**
 * Executes every code cell in order and returns the notebook with the kernel's outputs and execution counts.
 * A cell that fails stops the run with a NotebookCellError carrying the notebook executed so far.
 */
export async function executeNotebook(
  source: Notebook,
  opts: NotebookExecuteOptions = {},
): Promise<Notebook> {
  const nb: Notebook = structuredClone(
    opts.parameters === undefined ? source : injectParameters(source, opts.parameters),
  );
  const kernel = await KernelClient.start({ argv: opts.argv ?? tslabArgv(), cwd: opts.cwd, env: opts.env });
  const codeCells = nb.cells.filter((c) => c.cell_type === 'code').length;
  let count = 0;
  try {
    for (const [i, cell] of nb.cells.entries()) {
      if (cell.cell_type !== 'code') continue;
      const src = text(cell.source);
      count++;
      opts.onCell?.({ cell: i + 1, of: codeCells, source: src });
      const t0 = performance.now();
      const { messages, reply } = await kernel.execute(src, opts.cellTimeoutSeconds ?? 3600);
      cell.outputs = outputsOf(messages);
      cell.execution_count = typeof reply.execution_count === 'number' ? reply.execution_count : count;
      opts.onCell?.({ cell: i + 1, of: codeCells, source: src, seconds: (performance.now() - t0) / 1000 });
      if (reply.status !== 'ok') {
        // tslab reports a failure as stderr text with an empty reply; other kernels send ename/evalue.
        const stderr = cell.outputs
          .filter((o) => o.output_type === 'stream' && o.name === 'stderr')
          .map((o) => (o.output_type === 'stream' ? text(o.text) : ''))
          .join('');
        const detail =
          typeof reply.ename === 'string'
            ? `${reply.ename}: ${String(reply.evalue)}`
            : stripAnsi(stderr).trim() || `the kernel answered "${String(reply.status)}"`;
        if (!cell.outputs.some((o) => o.output_type === 'error')) {
          cell.outputs.push({
            output_type: 'error',
            ename: 'Error',
            evalue: detail.split('\n')[0],
            traceback: detail.split('\n'),
          });
        }
        throw new NotebookCellError(i + 1, detail, nb);
      }
    }
  } finally {
    await kernel.shutdown();
  }
  return nb;
}
