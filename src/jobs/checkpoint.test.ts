import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJson, encodeJson } from '../util/json-codec.js';
import { FileCheckpointStore, MemoryCheckpointStore } from './checkpoint.js';
import { writeFileAtomic } from '../util/atomic.js';

/** Values whose bit patterns JSON would lose: subnormals, NaN, ±Infinity, −0, float32 rounding. */
function awkward() {
  const f32 = new Float32Array([1 / 3, -0, NaN, Infinity, 1e-45, 3.4028234e38]);
  const f64 = new Float64Array([Math.PI, -0, NaN, -Infinity, 5e-324, 1.7976931348623157e308, 0.1 + 0.2]);
  const i32 = new Int32Array([-2147483648, 2147483647, 0, -1]);
  const u8 = new Uint8Array([0, 1, 254, 255]);
  return {
    epoch: 3,
    nested: { f32, list: [f64, { i32 }] },
    u8,
    nan: NaN,
    inf: -Infinity,
    negZero: -0,
    text: 'x',
    ok: true,
    none: null,
  };
}

function sameBits(a: ArrayBufferView, b: ArrayBufferView): void {
  assert.deepEqual(
    new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
    new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
  );
}

test('encodeJson/decodeJson round-trip typed arrays bit for bit and keep their types', () => {
  const v = awkward();
  const back = decodeJson<ReturnType<typeof awkward>>(encodeJson(v));
  assert.ok(back.nested.f32 instanceof Float32Array);
  assert.ok(back.nested.list[0] instanceof Float64Array);
  assert.ok((back.nested.list[1] as { i32: Int32Array }).i32 instanceof Int32Array);
  assert.ok(back.u8 instanceof Uint8Array);
  sameBits(back.nested.f32, v.nested.f32);
  sameBits(back.nested.list[0] as Float64Array, v.nested.list[0] as Float64Array);
  sameBits(back.u8, v.u8);
  // deepStrictEqual compares with Object.is, so NaN, −0 and ±Infinity must be restored exactly.
  assert.deepStrictEqual(back, v);
});

test('typed-array views into a larger buffer encode only their own elements', () => {
  const big = new Float64Array([1, 2, 3, 4, 5]);
  const view = big.subarray(1, 3);
  assert.deepStrictEqual(decodeJson(encodeJson({ view })), { view: new Float64Array([2, 3]) });
});

test('decodeJson rejects a typed payload that is not a whole number of elements', () => {
  assert.throws(
    () => decodeJson('{"$typed":"Float64Array","base64":"AAAA"}'),
    /3 bytes.*Float64Array|Float64Array payload of 3 bytes/,
  );
});

test('FileCheckpointStore saves, loads, lists, overwrites and clears', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-ckpt-'));
  try {
    const store = new FileCheckpointStore(join(dir, 'p4'));
    assert.equal(store.load('missing'), undefined);
    assert.deepEqual(store.keys(), []);
    const key = 'p4/bn input seed 1'; // slashes and spaces must not escape the directory
    store.save(key, awkward());
    assert.deepStrictEqual(store.load(key), awkward());
    store.save(key, { epoch: 4 });
    assert.deepStrictEqual(store.load(key), { epoch: 4 });
    // A leftover temp file of a killed writer is not a checkpoint.
    writeFileSync(join(dir, 'p4', 'other.json.tmp-1-0-0'), '{');
    assert.deepEqual(store.keys(), [key]);
    assert.deepEqual(new FileCheckpointStore(join(dir, 'p4')).keys(), [key]);
    store.clear();
    assert.deepEqual(store.keys(), []);
    assert.equal(store.load(key), undefined);
    assert.throws(() => store.save('', 1), /non-empty string/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic leaves no temp files and replaces the whole file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-atomic-'));
  try {
    const p = join(dir, 'sub', 'a.json');
    writeFileAtomic(p, 'x'.repeat(100000));
    writeFileAtomic(p, 'short');
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['a.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MemoryCheckpointStore returns copies through the same codec', () => {
  const store = new MemoryCheckpointStore();
  const w = new Float32Array([1, 2, 3]);
  store.save('w', { w });
  w[0] = 99;
  const back = store.load<{ w: Float32Array }>('w');
  assert.ok(back !== undefined && back.w instanceof Float32Array);
  assert.deepStrictEqual(back.w, new Float32Array([1, 2, 3]));
  back.w[1] = 7;
  assert.deepStrictEqual(store.load<{ w: Float32Array }>('w')?.w, new Float32Array([1, 2, 3]));
  assert.deepEqual(store.keys(), ['w']);
});
