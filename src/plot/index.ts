/** Vega-Lite figures rendered headless: SVG (vega) and PNG (resvg), in nnlab's theme. */
export { renderFigure, renderSvg, svgToPng, pngSize, type RenderedFigure, type SvgFigure } from './render.js';
export { withTheme } from './theme.js';
export type { VegaLiteSpec } from './spec.js';
