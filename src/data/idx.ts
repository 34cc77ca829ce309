/**
 * IDX loaders for MNIST and Fashion-MNIST (LeCun's format: big-endian header, then raw uint8 data), with
 * every file checked against `data/SHA256SUMS` before it is decoded, so a corrupted, truncated or swapped
 * file stops the run with a message naming the file instead of training on garbage.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Rng } from '../util/rng.js';

export type IdxDatasetName = 'mnist' | 'fashion-mnist';
export type IdxSplit = 'train' | 'test';

/** A decoded image set: `images` holds `count` row-major `rows`×`cols` uint8 images back to back. */
export interface IdxDataset {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Magic numbers of the two IDX kinds: 0x0000 0800 | (dtype 0x08 = uint8) << 8 | number of dimensions. */
export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

const FIX_HINT = 'restore it with `git checkout -- data/` or re-create it as data/README.md describes';

/**
 * The data folder: `NNLAB_DATA_DIR` if set, else the repository's `data/`, found from this module's
 * location (dist/data/idx.js → ../../data) so it works from any working directory.
 */
export function defaultDataDir(): string {
  const env = process.env.NNLAB_DATA_DIR;
  if (env !== undefined && env !== '') return resolve(env);
  return fileURLToPath(new URL('../../data/', import.meta.url));
}

/** Parses `SHA256SUMS` (`sha256sum` output: "<64 hex>  <relative path>" per line) into path → digest. */
export function readChecksums(dataDir: string): Map<string, string> {
  const file = join(dataDir, 'SHA256SUMS');
  if (!existsSync(file)) {
    throw new Error(`loadIdxDataset: checksum manifest ${file} is missing; ${FIX_HINT}`);
  }
  const sums = new Map<string, string>();
  for (const [i, line] of readFileSync(file, 'utf8').split('\n').entries()) {
    if (line.trim() === '') continue;
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trim());
    if (m === null) throw new Error(`loadIdxDataset: ${file} line ${i + 1} is not "<sha256>  <path>": ${line}`);
    sums.set(m[2], m[1].toLowerCase());
  }
  return sums;
}

/** Reads `dataDir/relPath` after checking that its SHA-256 equals the manifest's entry for it. */
function readVerified(dataDir: string, relPath: string, sums: Map<string, string>): Buffer {
  const file = join(dataDir, relPath);
  if (!existsSync(file)) throw new Error(`loadIdxDataset: ${file} is missing; ${FIX_HINT}`);
  const expected = sums.get(relPath);
  if (expected === undefined) {
    throw new Error(`loadIdxDataset: ${relPath} has no entry in ${join(dataDir, 'SHA256SUMS')}; ${FIX_HINT}`);
  }
  const bytes = readFileSync(file);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected) {
    const manifest = join(dataDir, 'SHA256SUMS');
    if (wellFormedIdx(bytes, relPath)) {
      throw new Error(
        `loadIdxDataset: ${file} does not match its line in ${manifest} (expected ${expected}, got ${actual}), ` +
          `yet it is a complete, well-formed IDX file: the manifest line may be the wrong one; check ` +
          `${manifest} against data/README.md (or ${FIX_HINT})`,
      );
    }
    throw new Error(
      `loadIdxDataset: ${file} fails its SHA-256 check (expected ${expected}, got ${actual}, ` +
        `${bytes.length} bytes) and does not decode as an IDX file: the file is corrupted or truncated; ${FIX_HINT}`,
    );
  }
  return bytes;
}

/** Whether gzipped `bytes` decode as a complete IDX file of the kind its name says (images or labels). */
function wellFormedIdx(bytes: Buffer, relPath: string): boolean {
  try {
    const magic = relPath.includes('-images-') ? IDX_IMAGES_MAGIC : IDX_LABELS_MAGIC;
    parseIdx(gunzipSync(bytes), magic, relPath);
    return true;
  } catch {
    return false;
  }
}

/** The four files of an IDX data set, relative to the data folder (what `SHA256SUMS` lists). */
export function idxFiles(name: IdxDatasetName): string[] {
  return ['train', 'test'].flatMap((split) => [
    `${name}/${split}-images-idx3-ubyte.gz`,
    `${name}/${split}-labels-idx1-ubyte.gz`,
  ]);
}

/**
 * Checks data files (paths relative to `dataDir`) against `SHA256SUMS` without decoding them, so a run can
 * refuse to start instead of finding a bad file after hours of training. Throws the first problem as one
 * sentence naming the file, and telling a wrong manifest line from a damaged file.
 */
export function checkDataFiles(relPaths: readonly string[], dataDir: string = defaultDataDir()): void {
  const dir = resolve(dataDir);
  const sums = readChecksums(dir);
  for (const rel of relPaths) readVerified(dir, rel, sums);
}

/**
 * Decodes one IDX file (already gunzipped): checks the magic number and that the payload holds exactly
 * Π dims bytes. Returns the dimensions and a view of the data. `file` only names the file in errors.
 */
export function parseIdx(buf: Uint8Array, magic: number, file: string): { dims: number[]; data: Uint8Array } {
  const nDims = magic & 0xff;
  const headerBytes = 4 + 4 * nDims;
  if (buf.length < headerBytes) {
    throw new Error(`parseIdx: ${file} is truncated: ${buf.length} bytes, shorter than its ${headerBytes}-byte header`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const got = view.getUint32(0, false);
  if (got !== magic) {
    throw new Error(
      `parseIdx: ${file} has magic 0x${got.toString(16).padStart(8, '0')}, expected ` +
        `0x${magic.toString(16).padStart(8, '0')} (not an IDX ${nDims === 3 ? 'image' : 'label'} file)`,
    );
  }
  const dims: number[] = [];
  for (let d = 0; d < nDims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const payload = dims.reduce((a, b) => a * b, 1);
  const have = buf.length - headerBytes;
  if (have < payload) {
    throw new Error(`parseIdx: ${file} is truncated: header says ${dims.join('×')} = ${payload} bytes, file has ${have}`);
  }
  if (have > payload) {
    throw new Error(`parseIdx: ${file} has ${have - payload} bytes after its ${dims.join('×')} payload`);
  }
  return { dims, data: buf.subarray(headerBytes) };
}

function gunzipNamed(bytes: Buffer, file: string): Buffer {
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new Error(`loadIdxDataset: ${file} is not a complete gzip stream (${(e as Error).message}); ${FIX_HINT}`);
  }
}

const cache = new Map<string, IdxDataset>();

/**
 * Loads `<dataDir>/<name>/<split>-images-idx3-ubyte.gz` and `…-labels-idx1-ubyte.gz`, verified against
 * `<dataDir>/SHA256SUMS` and their IDX headers (magic, dimensions, equal image and label counts).
 * Decoded sets are cached per process (the arrays are shared: do not write into them).
 */
export function loadIdxDataset(name: IdxDatasetName, split: IdxSplit, dataDir: string = defaultDataDir()): IdxDataset {
  if (name !== 'mnist' && name !== 'fashion-mnist') {
    throw new Error(`loadIdxDataset: unknown dataset "${String(name)}" (expected "mnist" or "fashion-mnist")`);
  }
  if (split !== 'train' && split !== 'test') {
    throw new Error(`loadIdxDataset: unknown split "${String(split)}" (expected "train" or "test")`);
  }
  const dir = resolve(dataDir);
  const key = `${dir}\0${name}\0${split}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;

  const sums = readChecksums(dir);
  const imagesRel = `${name}/${split}-images-idx3-ubyte.gz`;
  const labelsRel = `${name}/${split}-labels-idx1-ubyte.gz`;
  const imagesFile = join(dir, imagesRel);
  const labelsFile = join(dir, labelsRel);
  const img = parseIdx(gunzipNamed(readVerified(dir, imagesRel, sums), imagesFile), IDX_IMAGES_MAGIC, imagesFile);
  const lab = parseIdx(gunzipNamed(readVerified(dir, labelsRel, sums), labelsFile), IDX_LABELS_MAGIC, labelsFile);
  const [count, rows, cols] = img.dims;
  if (lab.dims[0] !== count) {
    throw new Error(
      `loadIdxDataset: ${imagesFile} has ${count} images but ${labelsFile} has ${lab.dims[0]} labels; ${FIX_HINT}`,
    );
  }
  const ds: IdxDataset = { images: img.data, labels: lab.data, count, rows, cols };
  cache.set(key, ds);
  return ds;
}

/** The images and labels at `indices` (in that order), copied into a new dataset. */
export function subsetIdx(ds: IdxDataset, indices: ArrayLike<number>): IdxDataset {
  const px = ds.rows * ds.cols;
  const images = new Uint8Array(indices.length * px);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    if (!Number.isInteger(j) || j < 0 || j >= ds.count) {
      throw new Error(`subsetIdx: index ${j} at position ${i} is outside 0..${ds.count - 1}`);
    }
    images.set(ds.images.subarray(j * px, (j + 1) * px), i * px);
    labels[i] = ds.labels[j];
  }
  return { images, labels, count: indices.length, rows: ds.rows, cols: ds.cols };
}

/** The first `count` examples (a copy), e.g. for quick runs. */
export function headIdx(ds: IdxDataset, count: number): IdxDataset {
  if (!Number.isInteger(count) || count < 0 || count > ds.count) {
    throw new Error(`headIdx: count ${count} must be an integer in 0..${ds.count}`);
  }
  return {
    images: ds.images.slice(0, count * ds.rows * ds.cols),
    labels: ds.labels.slice(0, count),
    count,
    rows: ds.rows,
    cols: ds.cols,
  };
}

/**
 * Deterministic train/validation split: a permutation π = Rng(seed).permutation(count); the first
 * `validationCount` indices of π (sorted back into file order) form the validation set, the rest the training
 * set. Same seed → same split; the two parts are disjoint and cover the set.
 */
export function trainValidationSplit(
  ds: IdxDataset,
  validationCount: number,
  seed: number,
): { train: IdxDataset; validation: IdxDataset } {
  if (!Number.isInteger(validationCount) || validationCount < 0 || validationCount > ds.count) {
    throw new Error(`trainValidationSplit: validationCount ${validationCount} must be an integer in 0..${ds.count}`);
  }
  const perm = new Rng(seed).permutation(ds.count);
  const val = perm.slice(0, validationCount).sort();
  const train = perm.slice(validationCount).sort();
  return { train: subsetIdx(ds, train), validation: subsetIdx(ds, val) };
}

/**
 * Pixel statistics on the unit scale u = x/255 over all pixels of the first `count` images:
 * mean = Σu/N, std = √(Σ(u − mean)²/N) (population std, as torchvision's MNIST constants 0.1307/0.3081).
 */
export function pixelStats(images: Uint8Array, count: number, pixelsPerImage = 784): { mean: number; std: number } {
  const n = count * pixelsPerImage;
  if (n <= 0 || n > images.length) {
    throw new Error(`pixelStats: ${count} images of ${pixelsPerImage} pixels do not fit in ${images.length} bytes`);
  }
  // Integer histogram: exact sums, and one pass over 47 M pixels costs ~50 ms.
  const hist = new Float64Array(256);
  for (let i = 0; i < n; i++) hist[images[i]]++;
  let s = 0;
  for (let v = 0; v < 256; v++) s += hist[v] * v;
  const mean = s / n / 255;
  let ss = 0;
  for (let v = 0; v < 256; v++) ss += hist[v] * (v / 255 - mean) ** 2;
  return { mean, std: Math.sqrt(ss / n) };
}
