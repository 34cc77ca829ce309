import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c, maskCrc, unmaskCrc } from './crc32c.js';
import { ProtoWriter } from './protobuf.js';

const ascii = (s: string) => new TextEncoder().encode(s);

test('crc32c matches the published check values (RFC 3720 B.4 and the CRC catalogue)', () => {
  assert.equal(crc32c(ascii('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // 32 bytes of zeros (RFC 3720)
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43); // 32 bytes of 0xFF
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e); // ascending
});

test('maskCrc is the TFRecord mask and unmaskCrc inverts it', () => {
  // mask(0) = 0 rotated + 0xa282ead8.
  assert.equal(maskCrc(0), 0xa282ead8);
  for (const c of [0, 1, 0xe3069283, 0xffffffff, 0x80000000]) assert.equal(unmaskCrc(maskCrc(c)), c);
  // rotate right by 15: 0x00008000 → 0x00000001.
  assert.equal(maskCrc(0x8000), (1 + 0xa282ead8) >>> 0);
});

test('ProtoWriter encodes varints, doubles, floats and nested messages as protobuf does', () => {
  assert.deepEqual([...new ProtoWriter().uint(1, 150).finish()], [0x08, 0x96, 0x01]);
  assert.deepEqual([...new ProtoWriter().string(2, 'testing').finish()], [0x12, 7, ...ascii('testing')]);
  assert.deepEqual(
    [...new ProtoWriter().message(3, (w) => w.uint(1, 150)).finish()],
    [0x1a, 3, 0x08, 0x96, 0x01],
  );
  assert.deepEqual([...new ProtoWriter().float(2, 1).finish()], [0x15, 0, 0, 0x80, 0x3f]);
  assert.deepEqual([...new ProtoWriter().double(1, 1).finish()], [0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
  assert.deepEqual(
    [...new ProtoWriter().uint(2, 2 ** 40).finish()],
    [0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20],
  );
  assert.throws(() => new ProtoWriter().uint(1, -1), /non-negative safe integer, got -1/);
});
