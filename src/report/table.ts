/** Table cell formatting shared by every writer, so a number reads the same in the notebook, HTML and PDF. */
import type { TableOutput } from './document.js';

/**
 * A cell as text: strings as given; integers in full; other finite numbers with 4 significant digits when
 * 1e-3 ≤ |v| < 1e6 (trailing zeros dropped), otherwise in exponent form with 3 significant digits.
 */
export function formatCell(v: string | number): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e6) return String(Number(v.toPrecision(4)));
  return v.toExponential(2);
}

/** A number already formatted as text: "1.5e-3", "−0.25", "10,285", "98.1%", "4 s", "NaN". */
const numericText =
  /^(?:[+\u2212-]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:e[+\u2212-]?\d+)?\s?(?:%|s|ms|min|h|×)?|NaN|[+\u2212-]?∞)$/i;

/** True when the column holds only numbers, as numbers or formatted text (right-aligned by every writer). */
export function isNumericColumn(t: TableOutput, col: number): boolean {
  return (
    t.rows.length > 0 &&
    t.rows.every((r) => typeof r[col] === 'number' || numericText.test(String(r[col]).trim()))
  );
}

/** Checks a table's shape: every row has one cell per column. */
export function checkTable(t: TableOutput): void {
  t.rows.forEach((r, i) => {
    if (r.length !== t.columns.length)
      throw new Error(
        `checkTable: table "${t.caption}" row ${i} has ${r.length} cells, expected ${t.columns.length}`,
      );
  });
}

/** The table as aligned plain text (caption, header, rule, rows): the notebook's text/plain fallback. */
export function tableToText(t: TableOutput): string {
  const cells = [t.columns, ...t.rows.map((r) => r.map(formatCell))];
  const widths = t.columns.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  const fmt = (r: string[]): string =>
    r
      .map((s, c) => (isNumericColumn(t, c) ? s.padStart(widths[c]!) : s.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [
    t.caption,
    fmt(cells[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(fmt),
  ].join('\n');
}
