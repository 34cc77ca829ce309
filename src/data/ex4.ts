/**
 * The digit set of the "ex4" exercise (Problem 2): 5000 grey 20×20 images, 500 per class, as a 5000×400
 * float64 matrix X whose rows are images unrolled column-major (pixel (r, c) = X[i, c·20 + r]) and labels
 * y ∈ 1..10 where 10 stands for the digit 0.
 *
 * The original `ex4data1.mat` is not redistributable, so nnlab's default ('mnist-ex4') rebuilds an equivalent
 * set from the MNIST training images; a user who has the original passes its path instead.
 */
import { loadIdxDataset, type IdxDataset } from './idx.js';
import { readMatFile, type MatVariable } from './mat.js';

/** A digit set in ex4's layout: X is m × side² row-major, y the labels 1..10. */
export interface Ex4Data {
  X: Float64Array;
  y: Uint8Array;
  m: number;
  /** Image side (20): each row of X is a side×side image unrolled column-major. */
  side: number;
  /** Where the data came from, for the report. */
  source: string;
}

/** Options of the MNIST-derived set. */
export interface Ex4FromMnistOptions {
  /** Images per digit (500 in ex4). */
  perClass?: number;
  /** Output side (20 in ex4). */
  side?: number;
}

/** The ex4 label of an MNIST digit d: d for 1..9, 10 for 0. */
export function ex4Label(digit: number): number {
  return digit === 0 ? 10 : digit;
}

/**
 * Builds the ex4-like set from an MNIST split, deterministically: for each label in ex4's order (10 = digit 0
 * first, then 1..9, as in ex4data1.mat) the first `perClass` images of that digit in file order; each 28×28
 * image is area-resampled to side×side (every output pixel is the overlap-weighted mean of the input pixels
 * its square covers, scale 28/side) and divided by 255, so intensities lie in [0, 1] like the original's
 * (which spans about −0.13…1.1 after its bicubic resampling); then unrolled column-major.
 */
export function buildEx4FromMnist(ds: IdxDataset, opts: Ex4FromMnistOptions = {}): Ex4Data {
  const perClass = opts.perClass ?? 500;
  const side = opts.side ?? 20;
  if (!Number.isInteger(perClass) || perClass < 1) throw new Error(`buildEx4FromMnist: perClass must be a positive integer, got ${perClass}`);
  if (!Number.isInteger(side) || side < 1 || side > ds.rows || side > ds.cols) {
    throw new Error(`buildEx4FromMnist: side must be an integer in 1..${Math.min(ds.rows, ds.cols)}, got ${side}`);
  }
  const picked: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < ds.count; i++) {
    const d = ds.labels[i];
    if (picked[d].length < perClass) picked[d].push(i);
  }
  for (let d = 0; d < 10; d++) {
    if (picked[d].length < perClass) {
      throw new Error(`buildEx4FromMnist: only ${picked[d].length} images of digit ${d} in ${ds.count}, need ${perClass}`);
    }
  }
  const m = 10 * perClass;
  const n = side * side;
  const X = new Float64Array(m * n);
  const y = new Uint8Array(m);
  const wr = areaWeights(ds.rows, side);
  const wc = areaWeights(ds.cols, side);
  const img = new Float64Array(n);
  let row = 0;
  for (const label of [10, 1, 2, 3, 4, 5, 6, 7, 8, 9]) {
    const digit = label % 10;
    for (const idx of picked[digit]) {
      resample(ds.images.subarray(idx * ds.rows * ds.cols, (idx + 1) * ds.rows * ds.cols), ds.rows, ds.cols, side, wr, wc, img);
      // Column-major unrolling: pixel (r, c) goes to column c·side + r.
      const out = X.subarray(row * n, (row + 1) * n);
      for (let r = 0; r < side; r++) for (let c = 0; c < side; c++) out[c * side + r] = img[r * side + c] / 255;
      y[row] = label;
      row++;
    }
  }
  return { X, y, m, side, source: `MNIST training images, first ${perClass} of each digit, ${ds.rows}×${ds.cols} → ${side}×${side} area resampling` };
}

/**
 * Overlap weights of area resampling from `from` to `to` samples, in units where an input pixel is `to` long
 * and an output pixel `from` long (so all overlaps are integers): output k covers [k·from, (k+1)·from),
 * input j covers [j·to, (j+1)·to), w[k][j] = their overlap; each output's weights sum to `from`.
 */
function areaWeights(from: number, to: number): { start: number; w: number[] }[] {
  const out: { start: number; w: number[] }[] = [];
  for (let k = 0; k < to; k++) {
    const lo = k * from;
    const hi = (k + 1) * from;
    const start = Math.floor(lo / to);
    const w: number[] = [];
    for (let j = start; j * to < hi; j++) w.push(Math.min((j + 1) * to, hi) - Math.max(j * to, lo));
    out.push({ start, w });
  }
  return out;
}

/**
 * out[r, c] = Σ_a Σ_b wr[r]_a · wc[c]_b · src[row start + a, col start + b] / (rows·cols), the overlap-weighted
 * mean (row-major side×side); the sum is exact in integers, so a constant image stays exactly constant.
 */
function resample(
  src: Uint8Array,
  rows: number,
  cols: number,
  side: number,
  wr: { start: number; w: number[] }[],
  wc: { start: number; w: number[] }[],
  out: Float64Array,
): void {
  const norm = rows * cols;
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      let acc = 0;
      const R = wr[r];
      const C = wc[c];
      for (let a = 0; a < R.w.length; a++) {
        const base = (R.start + a) * cols;
        for (let b = 0; b < C.w.length; b++) acc += R.w[a] * C.w[b] * src[base + C.start + b];
      }
      out[r * side + c] = acc / norm;
    }
  }
}

/** Converts MATLAB's column-major m×n matrix into a row-major one. */
function rowMajor(v: MatVariable): Float64Array {
  const [m, n] = v.dims;
  const src = v.data as Float64Array;
  const out = new Float64Array(m * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) out[i * n + j] = src[j * m + i];
  return out;
}

/**
 * Loads an ex4-style MAT file: X (numeric m × side², e.g. double 5000×400) and y (numeric m×1 or 1×m,
 * integers 1..10, e.g. uint8 5000×1). Errors say which variable is missing, mis-shaped or holds NaN.
 */
export function loadEx4Mat(path: string): Ex4Data {
  const vars = readMatFile(path);
  const listing = [...vars.values()].map((v) => `${v.name} (${v.className} ${v.dims.join('×')})`).join(', ') || 'none';
  const need = (name: string): MatVariable => {
    const v = vars.get(name);
    if (v === undefined) throw new Error(`loadEx4Mat: ${path} has no variable '${name}'; it holds: ${listing}`);
    if (v.data === null || v.imag !== null) throw new Error(`loadEx4Mat: ${path}: '${name}' is ${v.imag ? 'complex' : v.className}, expected a real numeric matrix`);
    if (v.dims.length !== 2) throw new Error(`loadEx4Mat: ${path}: '${name}' has ${v.dims.length} dimensions (${v.dims.join('×')}), expected a matrix`);
    return v;
  };
  const Xv = need('X');
  const yv = need('y');
  const [m, n] = Xv.dims;
  const side = Math.round(Math.sqrt(n));
  if (m < 1 || side * side !== n) throw new Error(`loadEx4Mat: ${path}: X is ${m}×${n}, expected m × side² (5000×400 in ex4)`);
  if (!((yv.dims[0] === m && yv.dims[1] === 1) || (yv.dims[0] === 1 && yv.dims[1] === m))) {
    throw new Error(`loadEx4Mat: ${path}: y is ${yv.dims.join('×')}, expected ${m}×1 to match X's ${m} rows`);
  }
  const xd = Xv.data as Float64Array;
  for (let k = 0; k < xd.length; k++) {
    if (!Number.isFinite(xd[k])) {
      throw new Error(`loadEx4Mat: ${path}: X(${(k % m) + 1}, ${Math.floor(k / m) + 1}) is ${xd[k]} (1-based MATLAB indices)`);
    }
  }
  const y = new Uint8Array(m);
  const yd = yv.data as Float64Array;
  for (let i = 0; i < m; i++) {
    const k = yd[i];
    if (!Number.isInteger(k) || k < 1 || k > 10) throw new Error(`loadEx4Mat: ${path}: y(${i + 1}) = ${k}, expected an integer label in 1..10`);
    y[i] = k;
  }
  return { X: rowMajor(Xv), y, m, side, source: path };
}

/**
 * The Problem 2 data set by name: 'mnist-ex4' builds the MNIST-derived set (from `loadIdxDataset('mnist',
 * 'train')`), anything else is the path of an ex4-style MAT file.
 */
export function loadEx4(dataset: string, opts: Ex4FromMnistOptions & { dataDir?: string } = {}): Ex4Data {
  if (dataset === 'mnist-ex4') return buildEx4FromMnist(loadIdxDataset('mnist', 'train', opts.dataDir), opts);
  return loadEx4Mat(dataset);
}
