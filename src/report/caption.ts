/** Figure captions shared by the HTML and PDF writers. */
import type { FigureOutput } from './document.js';

/**
 * The caption to print under a figure: its title, or null when the chart already shows that title itself
 * (spec.title as a string, a string list or { text }), so the same words are not printed twice.
 */
export function figureCaption(o: FigureOutput): string | null {
  const t = o.spec['title'];
  const text = typeof t === 'object' && t !== null && !Array.isArray(t) ? (t as { text?: unknown }).text : t;
  const shown = Array.isArray(text) ? text.join(' ') : typeof text === 'string' ? text : '';
  return shown.trim() === o.title.trim() ? null : o.title;
}
