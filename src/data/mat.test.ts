// Fixtures in src/data/fixtures/ were written by scipy.io.savemat (see make_mat_fixtures.py there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { parseMat, readMatFile } from './mat.js';

const fixture = (name: string): string => new URL(`../../src/data/fixtures/${name}`, import.meta.url).pathname;

for (const file of ['types.mat', 'types-compressed.mat']) {
  test(`parseMat reads every numeric class, dims and skips non-numeric variables (${file})`, () => {
    const v = readMatFile(fixture(file));
    const get = (name: string) => {
      const x = v.get(name);
      assert.ok(x, `variable ${name} present`);
      return x;
    };
    const d = get('d');
    assert.equal(d.className, 'double');
    assert.deepEqual(d.dims, [2, 3]);
    // Column-major: [[1.5, -2, 3.25], [4, 5, -6.5]].
    assert.deepEqual([...(d.data as Float64Array)], [1.5, 4, -2, 5, 3.25, -6.5]);
    const expect: [string, string, number[], number[]][] = [
      ['s', 'single', [1, 2], [0.5, 1.5]],
      ['i8', 'int8', [1, 3], [-128, 127, 3]],
      ['u8', 'uint8', [1, 2], [0, 255]],
      ['i16', 'int16', [2, 1], [-32768, 32767]],
      ['u16', 'uint16', [1, 2], [65535, 1]],
      ['i32', 'int32', [1, 2], [-2147483648, 2147483647]],
      ['u32', 'uint32', [1, 1], [4294967295]],
      ['i64', 'int64', [1, 2], [-(2 ** 40), 2 ** 40]],
      ['u64', 'uint64', [1, 1], [2 ** 50]],
      ['scalar', 'double', [1, 1], [7]],
    ];
    for (const [name, cls, dims, values] of expect) {
      const x = get(name);
      assert.equal(x.className, cls, name);
      assert.deepEqual(x.dims, dims, name);
      assert.deepEqual([...(x.data as Float64Array)], values, name);
      assert.equal(x.imag, null);
    }
    // numpy arange(24).reshape(2,3,4): element [i,j,k] = 12i + 4j + k at column-major index i + 2j + 6k.
    const cube = get('cube');
    assert.deepEqual(cube.dims, [2, 3, 4]);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) assert.equal(cube.data?.[i + 2 * j + 6 * k], 12 * i + 4 * j + k);
    const z = get('z');
    assert.deepEqual([...(z.data as Float64Array)], [1, 3]);
    assert.deepEqual([...(z.imag as Float64Array)], [2, -4]);
    assert.equal(get('name').className, 'char');
    assert.equal(get('name').data, null);
    assert.equal(get('cell').className, 'cell');
    assert.equal(get('cell').data, null);
  });
}

/** A hand-built level-5 file (the way MATLAB writes an integral double: class double, data stored as miUINT8). */
function handMade(compress: boolean): Uint8Array {
  const header = Buffer.alloc(128, 0x20);
  header.write('MATLAB 5.0 MAT-file, written by the nnlab test', 0, 'latin1');
  header.writeUInt16LE(0x0100, 124);
  header.write('IM', 126, 'latin1');
  const sub: Buffer[] = [];
  const tag = (type: number, data: Buffer): Buffer => {
    const padded = Buffer.alloc((data.length + 7) & ~7);
    data.copy(padded);
    const t = Buffer.alloc(8);
    t.writeUInt32LE(type, 0);
    t.writeUInt32LE(data.length, 4);
    return Buffer.concat([t, padded]);
  };
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(6, 0); // mxDOUBLE_CLASS
  sub.push(tag(6, flags));
  const dims = Buffer.alloc(8);
  dims.writeInt32LE(1, 0);
  dims.writeInt32LE(5, 4);
  sub.push(tag(5, dims));
  sub.push(tag(1, Buffer.from('abc', 'latin1')));
  sub.push(tag(2, Buffer.from([0, 1, 2, 200, 255]))); // miUINT8 data of a double
  const matrix = tag(14, Buffer.concat(sub));
  const element = compress ? tag(15, deflateSync(matrix)).subarray(0, 8 + deflateSync(matrix).length) : matrix;
  return Buffer.concat([header, element]);
}

test('parseMat converts data stored in a smaller type to the class (plain and compressed)', () => {
  for (const compress of [false, true]) {
    const v = parseMat(handMade(compress)).get('abc');
    assert.ok(v);
    assert.equal(v.className, 'double');
    assert.deepEqual(v.dims, [1, 5]);
    assert.deepEqual([...(v.data as Float64Array)], [0, 1, 2, 200, 255]);
  }
});

test('parseMat refuses non-MAT, truncated, HDF5 and corrupt files with clear messages', () => {
  assert.throws(() => parseMat(new Uint8Array(10), 'x.mat'), /x\.mat: 10 bytes is too short/);
  const notMat = Buffer.alloc(200, 0);
  assert.throws(() => parseMat(notMat, 'y.mat'), /y\.mat: not a level-5 MAT file/);
  const v73 = Buffer.from(handMade(false));
  v73.write('MATLAB 7.3 MAT-file', 0, 'latin1');
  assert.throws(() => parseMat(v73), /7\.3 \(HDF5\) is not supported/);
  const good = readFileSync(fixture('ex4-small-uncompressed.mat'));
  assert.throws(() => parseMat(good.subarray(0, good.length - 100), 't.mat'), /t\.mat: element at byte \d+ claims \d+ bytes/);
  const z = Buffer.from(readFileSync(fixture('ex4-small.mat')));
  z.fill(0x55, 140, 180); // inside the first compressed stream
  assert.throws(() => parseMat(z, 'z.mat'), /z\.mat: compressed element at byte 128 does not inflate/);
  assert.throws(() => readMatFile('/nonexistent/ex4data1.mat'), /readMatFile: cannot read \/nonexistent\/ex4data1\.mat/);
});
