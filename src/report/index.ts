/** Documents of Markdown, code and outputs, and their writers: notebook (.ipynb), HTML and PDF. */
export * from './document.js';
export { collectFigures, lintDocument, renderFigures, writeReport, type WrittenReport } from './build.js';
export {
  toNotebook,
  validateNotebook,
  type Notebook,
  type NotebookCell,
  type NotebookOutput,
} from './notebook.js';
export { toHtml } from './html.js';
export { layoutPdf } from './pdf.js';
export { texToSvg } from './math.js';
export { parseMarkdown } from './markdown.js';
export { tableToText } from './table.js';
