/** A Vega-Lite specification as a plain JSON object (the plot package renders it; reports carry it). */
export type VegaLiteSpec = { [k: string]: unknown };
