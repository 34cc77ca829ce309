/** Notebook tools: the display helper, the percent format, a Jupyter client that executes notebooks, conversion. */
export { show, showAll, showMarkdown, shown, inKernel } from './display.js';
export { fromPercent, toPercent, TSLAB_KERNELSPEC } from './percent.js';
export {
  executeNotebook,
  injectParameters,
  NotebookCellError,
  tslabArgv,
  type NotebookExecuteOptions,
} from './execute.js';
export { convertNotebook, notebookDocument, readNotebook } from './convert.js';
export { KernelClient } from './kernel.js';
