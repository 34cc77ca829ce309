/**
 * TeX → SVG with MathJax at build time (no script or network at view time). Each distinct formula is typeset
 * once and reused by the HTML and PDF writers. Glyphs are paths (fontCache 'none'), so no font is needed to
 * draw them.
 */
import { mathjax } from 'mathjax-full/js/mathjax.js';
import { TeX } from 'mathjax-full/js/input/tex.js';
import { SVG } from 'mathjax-full/js/output/svg.js';
import { liteAdaptor } from 'mathjax-full/js/adaptors/liteAdaptor.js';
import { RegisterHTMLHandler } from 'mathjax-full/js/handlers/html.js';
import { AllPackages } from 'mathjax-full/js/input/tex/AllPackages.js';

export interface MathSvg {
  /** A standalone `<svg>` element (width/height in ex). */
  svg: string;
  /** Size and baseline offset in ex of the surrounding text: the box spans [-depth, height - depth] around it. */
  widthEx: number;
  heightEx: number;
  /** How far the box extends below the baseline (≥ 0). */
  depthEx: number;
  /** The TeX error message when the formula did not parse (the SVG then shows MathJax's red error box). */
  error?: string;
}

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
let lastError: string | undefined;
const tex = new TeX({
  packages: AllPackages.filter((p) => p !== 'bussproofs'),
  formatError: (jax: TeX<unknown, unknown, unknown>, err: { message: string }) => {
    lastError = err.message;
    return jax.formatError(err as never);
  },
});
const svgOut = new SVG({ fontCache: 'none' });
const mjDoc = mathjax.document('', { InputJax: tex, OutputJax: svgOut });
const cache = new Map<string, MathSvg>();

/** Typesets TeX (display or inline style) to SVG; memoised per (formula, style). */
export function texToSvg(source: string, display: boolean): MathSvg {
  const key = `${+display}${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  lastError = undefined;
  const node = mjDoc.convert(source, { display, em: 16, ex: 8, containerWidth: 1280 });
  const svg = adaptor.innerHTML(node);
  const num = (re: RegExp): number => {
    const m = re.exec(svg);
    return m ? parseFloat(m[1]!) : 0;
  };
  const res: MathSvg = {
    svg,
    widthEx: num(/<svg[^>]*\swidth="([-\d.]+)ex"/),
    heightEx: num(/<svg[^>]*\sheight="([-\d.]+)ex"/),
    depthEx: Math.max(0, -num(/<svg[^>]*vertical-align:\s*([-\d.]+)ex/)),
  };
  if (lastError !== undefined) res.error = lastError;
  cache.set(key, res);
  return res;
}
