/**
 * A minimal protocol-buffers encoder: exactly the wire types TensorBoard's Event and Summary messages need
 * (varint 0, 64-bit 1, length-delimited 2, 32-bit 5). Fields are written in the order the caller gives them;
 * a message field is encoded first and then written as bytes (length-prefixed), as protobuf defines.
 */

const encoder = new TextEncoder();

export class ProtoWriter {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  /** Room for `n` more bytes (the buffer doubles: amortised O(1) per byte, no per-byte garbage). */
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** Base-128 varint of a non-negative safe integer (int64 fields with values < 2^53). */
  private varint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new Error(`ProtoWriter.varint: expected a non-negative safe integer, got ${v}`);
    }
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  /** A varint field (int32/int64/enum/bool) with a non-negative value. */
  uint(field: number, v: number): this {
    this.tag(field, 0);
    this.varint(v);
    return this;
  }

  /** A `double` field (wire type 1, little-endian IEEE-754 binary64). */
  double(field: number, v: number): this {
    this.tag(field, 1);
    this.ensure(8);
    this.view.setFloat64(this.len, v, true);
    this.len += 8;
    return this;
  }

  /** A `float` field (wire type 5, little-endian IEEE-754 binary32: the value rounded to single precision). */
  float(field: number, v: number): this {
    this.tag(field, 5);
    this.ensure(4);
    this.view.setFloat32(this.len, v, true);
    this.len += 4;
    return this;
  }

  /** A length-delimited `bytes` (or embedded message) field. */
  bytes(field: number, v: Uint8Array): this {
    this.tag(field, 2);
    this.varint(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.len);
    this.len += v.length;
    return this;
  }

  string(field: number, v: string): this {
    return this.bytes(field, encoder.encode(v));
  }

  /** An embedded message field, built by `build` on a fresh writer. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    build(w);
    return this.bytes(field, w.finish());
  }

  /** The bytes written (a view of the writer's buffer: take it once, at the end). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
