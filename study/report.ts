/**
 * The homework's report: one section per problem from its stored result (sections/pN.ts), a note for a problem
 * not run, and every format written by nnlab's writeReport.
 */
import {
  formatDuration,
  writeReport,
  type Block,
  type ReportDocument,
  type ReportMeta,
  type WrittenReport,
} from 'nnlab';
import type { P1Result } from './experiments/p1.js';
import type { P2Result } from './experiments/p2/spec.js';
import type { P3Result } from './experiments/p3/spec.js';
import type { P4Result } from './experiments/p4.js';
import type { P5Result } from './experiments/p5.js';
import { p1Section } from './sections/p1.js';
import { p2Section } from './sections/p2.js';
import { p3Section } from './sections/p3.js';
import { p4Section } from './sections/p4.js';
import { p5Section } from './sections/p5.js';

/** Stored results by problem; a missing one becomes a "not run" note in its section. */
export interface ReportResults {
  p1?: P1Result;
  p2?: P2Result;
  p3?: P3Result;
  p4?: P4Result;
  p5?: P5Result;
}

export type SectionId = keyof ReportResults;

/** The homework's problem titles, for the heading of a section whose result is missing. */
const PROBLEM_TITLES: Record<SectionId, string> = {
  p1: 'Problem 1 — Softmax activation function',
  p2: 'Problem 2 — Neural network training and backpropagation',
  p3: 'Problem 3 — Weight initialisation, dead neurons, leaky ReLU',
  p4: 'Problem 4 — Batch normalisation, dropout, MNIST',
  p5: 'Problem 5 — Learning rate, batch size, Fashion-MNIST',
};

/** The section builder of each problem (src/report/sections/pN.ts). */
const BUILDERS: { [K in SectionId]: (result: NonNullable<ReportResults[K]>) => Block[] } = {
  p1: p1Section,
  p2: p2Section,
  p3: p3Section,
  p4: p4Section,
  p5: p5Section,
};

/** Runs one section's builder on its result (the mapped type ties each id to its own result type). */
function buildSection<K extends SectionId>(id: K, result: NonNullable<ReportResults[K]>): Block[] {
  return BUILDERS[id](result);
}

function note(id: SectionId, text: string): Block[] {
  return [
    { kind: 'heading', level: 1, text: PROBLEM_TITLES[id] },
    { kind: 'markdown', text },
  ];
}

/** The report document: title, subtitle (version, seed, scale, wall times) and the five sections in order. */
export function reportDocument(
  results: ReportResults,
  meta: ReportMeta,
): { doc: ReportDocument; warnings: string[] } {
  const warnings: string[] = [];
  const blocks: Block[] = [];
  for (const id of Object.keys(PROBLEM_TITLES) as SectionId[]) {
    const result = results[id];
    if (result === undefined) {
      blocks.push(
        ...note(
          id,
          `*Not run: there is no stored result for ${id}. Run \`nnlab run ${id}\` and build the report again.*`,
        ),
      );
      continue;
    }
    try {
      blocks.push(...buildSection(id, result));
    } catch (e) {
      // One broken section must not cost the other four; the note and the warning say what failed.
      const msg = (e as Error).message;
      warnings.push(`${id}: the report section failed: ${msg}`);
      blocks.push(
        ...note(
          id,
          `*The report section for ${id} could not be built from its stored result: ${msg.replace(/[*_`$]/g, '')}*`,
        ),
      );
    }
  }
  const date = (meta.date ?? new Date()).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const times = Object.entries(meta.wallSeconds ?? {})
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .map(([id, s]) => `${id} ${formatDuration(s)}`);
  const subtitle = [
    `nnlab ${meta.version} · seed ${meta.seed} · scale ${meta.scale} · built ${date}`,
    ...(times.length ? [`Wall time: ${times.join(', ')}`] : []),
  ];
  return { doc: { title: 'Homework 3', subtitle, blocks }, warnings };
}

/** Builds the report from the results: the document, then every file (see writeReport). */
export async function buildReport(
  results: ReportResults,
  meta: ReportMeta,
  outDir: string,
): Promise<WrittenReport> {
  const { doc, warnings } = reportDocument(results, meta);
  const written = await writeReport(doc, outDir, 'homework3');
  return { ...written, warnings: [...warnings, ...written.warnings] };
}
