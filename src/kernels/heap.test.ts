// The kernel heap's allocator on a small plain memory: size classes, reuse, the fallback once the bump
// region is used up, accounting, and its errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALIGN, Heap, Scratch, roundSize } from './heap.js';

const MB = 2 ** 20;

/** A heap over one MB whose first free byte is `base`. */
function heapOf(base = 0, bytes = MB): Heap {
  return new Heap({ buffer: new ArrayBuffer(bytes) }, base, bytes / MB);
}

test('size classes: 64-byte minimum, then a quarter of the power of two below the request', () => {
  assert.equal(roundSize(0), 64);
  assert.equal(roundSize(1), 64);
  assert.equal(roundSize(64), 64);
  assert.equal(roundSize(65), 128);
  assert.equal(roundSize(257), 320); // p = 256, step 64
  assert.equal(roundSize(1000), 1024); // p = 512, step 128
  assert.equal(roundSize(1025), 1280); // p = 1024, step 256
  assert.equal(roundSize(4096), 4096);
  for (let bytes = 1; bytes < 70000; bytes += 37) {
    const size = roundSize(bytes);
    assert.ok(size >= bytes && size % ALIGN === 0, `class of ${bytes}`);
    assert.ok(bytes <= ALIGN || size < 1.25 * bytes + ALIGN, `at most a quarter wasted at ${bytes}`);
  }
});

test('alloc: aligned blocks after the base, each zero-filled, bytes in use counted by class', () => {
  const heap = heapOf(100);
  const a = heap.allocBytes(10, 'a');
  const b = heap.allocBytes(1000, 'b');
  assert.equal(a, 128, 'the base is rounded up to the alignment');
  assert.equal(b, a + 64);
  assert.equal(heap.bytesInUse, 64 + 1024);
  new Uint8Array(heap.memory.buffer, b, 1024).fill(9);
  heap.freeBytes(b);
  assert.equal(heap.bytesInUse, 64);
  const c = heap.allocBytes(900, 'c');
  assert.equal(c, b, 'a freed block is reused by the next request of its class');
  assert.ok(
    new Uint8Array(heap.memory.buffer, c, 1024).every((v) => v === 0),
    'reused memory is zeroed',
  );
  const d = heap.allocBytes(2000, 'd');
  assert.equal(d, c + 1024, 'another class comes from the bump region');
});

test('free: the most recently freed block of a class is handed out first; other classes are untouched', () => {
  const heap = heapOf();
  const [a, b, c] = [heap.allocBytes(64, 'a'), heap.allocBytes(64, 'b'), heap.allocBytes(128, 'c')];
  heap.freeBytes(a);
  heap.freeBytes(b);
  heap.freeBytes(c);
  assert.equal(heap.bytesInUse, 0);
  assert.equal(heap.allocBytes(64, 'x'), b);
  assert.equal(heap.allocBytes(64, 'y'), a);
  assert.equal(heap.allocBytes(128, 'z'), c);
});

test('once the bump region is used up, the smallest large-enough free block is reused whole', () => {
  const heap = heapOf(0, MB);
  const big = heap.allocBytes(MB / 2, 'big');
  const medium = heap.allocBytes(MB / 4, 'medium');
  heap.allocBytes(MB / 4, 'rest'); // the bump region is now exhausted
  heap.freeBytes(big);
  heap.freeBytes(medium);
  const inUse = heap.bytesInUse;
  const x = heap.allocBytes(1000, 'x');
  assert.equal(x, medium, 'the smaller of the two free blocks');
  assert.equal(heap.bytesInUse, inUse + MB / 4, 'the whole block counts as in use');
  heap.freeBytes(x);
  assert.equal(heap.bytesInUse, inUse, 'and returns to its own class');
  assert.equal(heap.allocBytes(MB / 4, 'y'), medium);
});

test('blocks are not coalesced: adjacent free blocks cannot serve a larger request', () => {
  const heap = heapOf(0, MB);
  const a = heap.allocBytes(MB / 2, 'a');
  const b = heap.allocBytes(MB / 2, 'b');
  assert.equal(b, a + MB / 2);
  heap.freeBytes(a);
  heap.freeBytes(b);
  assert.throws(() => heap.allocBytes(MB, 'both'), /out of kernel memory/);
});

test('errors: double free, a foreign offset, and exhaustion naming the request and the heap size', () => {
  const heap = heapOf();
  const a = heap.allocBytes(64, 'a');
  heap.freeBytes(a);
  assert.throws(() => heap.freeBytes(a), /wasm\.free: offset 0 is not a live allocation/);
  assert.throws(() => heap.freeBytes(12345), /wasm\.free: offset 12345 is not a live allocation/);
  heap.allocBytes(MB / 2, 'half');
  assert.throws(
    () => heap.allocBytes(MB, 'the weights'),
    /^Error: wasm\.alloc: out of kernel memory allocating the weights \(1048576 bytes\): 0\.5 MB of 1 MB in use\. Free unused arrays \(Tensor\.dispose\) or raise NNLAB_HEAP_MB\.$/,
  );
});

test('scratch: grows to the largest request, freeing the smaller block, and is reused below it', () => {
  const heap = heapOf();
  const s = new Scratch(heap, 'im2col');
  const first = s.get(1000);
  assert.equal(s.get(500), first, 'a smaller request reuses the block');
  assert.equal(s.get(1024), first, 'so does one within its size class');
  const second = s.get(5000);
  assert.notEqual(second, first);
  assert.equal(heap.bytesInUse, roundSize(5000), 'the smaller block was freed');
  assert.throws(() => s.get(2 * MB), /allocating im2col scratch \(2097152 bytes\)/);
});
