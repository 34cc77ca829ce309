import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Rng } from '../util/rng.js';
import {
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  defaultDataDir,
  headIdx,
  loadIdxDataset,
  parseIdx,
  pixelStats,
  subsetIdx,
  trainValidationSplit,
  type IdxDataset,
} from './idx.js';

function classCounts(labels: Uint8Array, classes = 10): number[] {
  const c = new Array<number>(classes).fill(0);
  for (const l of labels) c[l]++;
  return c;
}

/** An IDX file: big-endian magic and dims, then the bytes. */
function idxBytes(magic: number, dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const temps: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'nnlab-idx-'));
  temps.push(d);
  return d;
}
after(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Writes gzipped files under dir and a SHA256SUMS listing them. */
function writeSet(dir: string, files: Record<string, Buffer>): void {
  const lines: string[] = [];
  for (const [rel, raw] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    const gz = gzipSync(raw);
    writeFileSync(join(dir, rel), gz);
    lines.push(`${sha(gz)}  ${rel}`);
  }
  writeFileSync(join(dir, 'SHA256SUMS'), lines.join('\n') + '\n');
}

describe('loadIdxDataset on the committed files', () => {
  test('MNIST train and test have the published sizes, first labels and class counts', () => {
    const train = loadIdxDataset('mnist', 'train');
    const testSet = loadIdxDataset('mnist', 'test');
    assert.deepEqual([train.count, train.rows, train.cols], [60000, 28, 28]);
    assert.deepEqual([testSet.count, testSet.rows, testSet.cols], [10000, 28, 28]);
    assert.equal(train.images.length, 60000 * 784);
    // LeCun's files: the first training digit is a 5, the first test digit a 7.
    assert.equal(train.labels[0], 5);
    assert.equal(testSet.labels[0], 7);
    assert.deepEqual(classCounts(train.labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert.deepEqual(classCounts(testSet.labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    // Cached: the same object comes back.
    assert.equal(loadIdxDataset('mnist', 'train'), train);
  });

  test('MNIST train pixel statistics match the well-known 0.1307 / 0.3081', () => {
    const train = loadIdxDataset('mnist', 'train');
    const { mean, std } = pixelStats(train.images, train.count);
    assert.ok(Math.abs(mean - 0.1307) < 5e-5, `mean ${mean}`);
    assert.ok(Math.abs(std - 0.3081) < 5e-5, `std ${std}`);
  });

  test('Fashion-MNIST is balanced: 6000 per class in train, 1000 in test; first label is an ankle boot (9)', () => {
    const train = loadIdxDataset('fashion-mnist', 'train');
    const testSet = loadIdxDataset('fashion-mnist', 'test');
    assert.deepEqual(classCounts(train.labels), new Array(10).fill(6000));
    assert.deepEqual(classCounts(testSet.labels), new Array(10).fill(1000));
    assert.equal(train.labels[0], 9);
  });

  test('NNLAB_DATA_DIR overrides the default folder', () => {
    const old = process.env.NNLAB_DATA_DIR;
    try {
      process.env.NNLAB_DATA_DIR = '/some/where';
      assert.equal(defaultDataDir(), '/some/where');
      delete process.env.NNLAB_DATA_DIR;
      assert.ok(defaultDataDir().endsWith('/data/'), defaultDataDir());
    } finally {
      if (old === undefined) delete process.env.NNLAB_DATA_DIR;
      else process.env.NNLAB_DATA_DIR = old;
    }
  });
});

describe('loadIdxDataset rejects damaged data, naming the file', () => {
  const real = defaultDataDir();
  const rel = 'mnist/test-images-idx3-ubyte.gz';
  /** A temp data dir with the real MNIST test files and the real manifest. */
  function copyOfTestSplit(): string {
    const dir = tempDir();
    mkdirSync(join(dir, 'mnist'));
    copyFileSync(join(real, 'SHA256SUMS'), join(dir, 'SHA256SUMS'));
    for (const f of ['test-images-idx3-ubyte.gz', 'test-labels-idx1-ubyte.gz']) {
      copyFileSync(join(real, 'mnist', f), join(dir, 'mnist', f));
    }
    return dir;
  }

  test('an untouched copy loads', () => {
    const dir = copyOfTestSplit();
    assert.equal(loadIdxDataset('mnist', 'test', dir).count, 10000);
  });

  test('a corrupted copy fails its checksum', () => {
    const dir = copyOfTestSplit();
    const bytes = readFileSync(join(dir, rel));
    bytes[bytes.length >> 1] ^= 0x40;
    writeFileSync(join(dir, rel), bytes);
    assert.throws(
      () => loadIdxDataset('mnist', 'test', dir),
      (e: Error) => e.message.includes(join(dir, rel)) && /SHA-256/.test(e.message),
    );
  });

  test('a truncated copy fails its checksum, and with a matching manifest fails to decode', () => {
    const dir = copyOfTestSplit();
    const bytes = readFileSync(join(dir, rel));
    const cut = bytes.subarray(0, bytes.length - 1000);
    writeFileSync(join(dir, rel), cut);
    assert.throws(
      () => loadIdxDataset('mnist', 'test', dir),
      (e: Error) => e.message.includes(join(dir, rel)) && /truncated/.test(e.message),
    );
    const manifest = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').replace(/^[0-9a-f]{64}(?= {2}mnist\/test-images)/m, sha(cut));
    writeFileSync(join(dir, 'SHA256SUMS'), manifest);
    assert.throws(
      () => loadIdxDataset('mnist', 'test', dir),
      (e: Error) => e.message.includes(join(dir, rel)) && /gzip/.test(e.message),
    );
  });

  test('a missing file or manifest is reported by path', () => {
    const dir = copyOfTestSplit();
    rmSync(join(dir, 'mnist', 'test-labels-idx1-ubyte.gz'));
    assert.throws(
      () => loadIdxDataset('mnist', 'test', dir),
      (e: Error) => e.message.includes(join(dir, 'mnist', 'test-labels-idx1-ubyte.gz')) && /missing/.test(e.message),
    );
    rmSync(join(dir, 'SHA256SUMS'));
    assert.throws(
      () => loadIdxDataset('mnist', 'test', dir),
      (e: Error) => e.message.includes(join(dir, 'SHA256SUMS')) && /missing/.test(e.message),
    );
  });

  test('checks magic numbers, payload length and matching counts on well-checksummed files', () => {
    const imgs = new Uint8Array(3 * 4).map((_, i) => i);
    const good = {
      'mnist/test-images-idx3-ubyte.gz': idxBytes(IDX_IMAGES_MAGIC, [3, 2, 2], imgs),
      'mnist/test-labels-idx1-ubyte.gz': idxBytes(IDX_LABELS_MAGIC, [3], Uint8Array.of(2, 0, 1)),
    };
    const ok = tempDir();
    writeSet(ok, good);
    const ds = loadIdxDataset('mnist', 'test', ok);
    assert.deepEqual([ds.count, ds.rows, ds.cols], [3, 2, 2]);
    assert.deepEqual([...ds.images], [...imgs]);
    assert.deepEqual([...ds.labels], [2, 0, 1]);

    const swapped = tempDir();
    writeSet(swapped, { ...good, 'mnist/test-labels-idx1-ubyte.gz': idxBytes(IDX_IMAGES_MAGIC, [3, 1, 1], imgs.subarray(0, 3)) });
    assert.throws(
      () => loadIdxDataset('mnist', 'test', swapped),
      (e: Error) => e.message.includes(join(swapped, 'mnist/test-labels-idx1-ubyte.gz')) && /magic 0x00000803/.test(e.message),
    );

    const short = tempDir();
    writeSet(short, { ...good, 'mnist/test-images-idx3-ubyte.gz': idxBytes(IDX_IMAGES_MAGIC, [4, 2, 2], imgs) });
    assert.throws(
      () => loadIdxDataset('mnist', 'test', short),
      (e: Error) => e.message.includes(join(short, 'mnist/test-images-idx3-ubyte.gz')) && /truncated.*16 bytes, file has 12/.test(e.message),
    );

    const mismatch = tempDir();
    writeSet(mismatch, { ...good, 'mnist/test-labels-idx1-ubyte.gz': idxBytes(IDX_LABELS_MAGIC, [2], Uint8Array.of(2, 0)) });
    assert.throws(
      () => loadIdxDataset('mnist', 'test', mismatch),
      (e: Error) => /3 images but .*test-labels-idx1-ubyte.gz has 2 labels/.test(e.message),
    );
  });

  test('parseIdx rejects a buffer shorter than its header and trailing bytes', () => {
    assert.throws(() => parseIdx(Uint8Array.of(0, 0, 8), IDX_LABELS_MAGIC, 'f.idx'), /f\.idx is truncated/);
    assert.throws(
      () => parseIdx(idxBytes(IDX_LABELS_MAGIC, [2], Uint8Array.of(1, 2, 3)), IDX_LABELS_MAGIC, 'g.idx'),
      /g\.idx has 1 bytes after/,
    );
  });
});

describe('subsets, splits and statistics', () => {
  const rng = new Rng(7);
  const n = 50;
  const ds: IdxDataset = {
    images: new Uint8Array(n * 4).map(() => rng.int(256)),
    labels: new Uint8Array(n).map((_, i) => i % 10),
    count: n,
    rows: 2,
    cols: 2,
  };

  test('subsetIdx copies the chosen examples in order, headIdx the first ones', () => {
    const s = subsetIdx(ds, [4, 0, 4]);
    assert.deepEqual([...s.images], [...ds.images.subarray(16, 20), ...ds.images.subarray(0, 4), ...ds.images.subarray(16, 20)]);
    assert.deepEqual([...s.labels], [4, 0, 4]);
    assert.deepEqual([...headIdx(ds, 3).labels], [0, 1, 2]);
    assert.throws(() => subsetIdx(ds, [50]), /index 50 at position 0 is outside 0\.\.49/);
  });

  test('trainValidationSplit is a seeded, disjoint, covering partition', () => {
    // Tag each example by its index in its first pixel byte so the parts can be traced back.
    const tagged: IdxDataset = { ...ds, images: ds.images.map((v, i) => (i % 4 === 0 ? i / 4 : v)) };
    const a = trainValidationSplit(tagged, 12, 3);
    const b = trainValidationSplit(tagged, 12, 3);
    const c = trainValidationSplit(tagged, 12, 4);
    const ids = (p: IdxDataset): number[] => Array.from({ length: p.count }, (_, i) => p.images[i * 4]);
    assert.equal(a.validation.count, 12);
    assert.equal(a.train.count, 38);
    assert.deepEqual(ids(a.validation), ids(b.validation));
    assert.notDeepEqual(ids(a.validation), ids(c.validation));
    const all = [...ids(a.train), ...ids(a.validation)].sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: n }, (_, i) => i));
    for (const [i, id] of ids(a.train).entries()) assert.equal(a.train.labels[i], id % 10);
  });

  test('pixelStats equals the two-pass formula', () => {
    const u = Array.from(ds.images, (v) => v / 255);
    const mean = u.reduce((s, v) => s + v, 0) / u.length;
    const std = Math.sqrt(u.reduce((s, v) => s + (v - mean) ** 2, 0) / u.length);
    const got = pixelStats(ds.images, n, 4);
    assert.ok(Math.abs(got.mean - mean) < 1e-12);
    assert.ok(Math.abs(got.std - std) < 1e-12);
  });
});
