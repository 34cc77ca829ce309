/**
 * A minimal protocol-buffers encoder: exactly the wire types TensorBoard's Event and Summary messages need
 * (varint 0, 64-bit 1, length-delimited 2, 32-bit 5). Fields are written in the order the caller gives them;
 * a message field is encoded first and then written as bytes (length-prefixed), as protobuf defines.
 */

const encoder = new TextEncoder();

export class ProtoWriter {
  private chunks: number[] = [];

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** Base-128 varint of a non-negative safe integer (int64 fields with values < 2^53). */
  private varint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new Error(`ProtoWriter.varint: expected a non-negative safe integer, got ${v}`);
    }
    while (v >= 0x80) {
      this.chunks.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.chunks.push(v);
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
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.chunks.push(...b);
    return this;
  }

  /** A `float` field (wire type 5, little-endian IEEE-754 binary32: the value rounded to single precision). */
  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.chunks.push(...b);
    return this;
  }

  /** A length-delimited `bytes` (or embedded message) field. */
  bytes(field: number, v: Uint8Array): this {
    this.tag(field, 2);
    this.varint(v.length);
    for (let i = 0; i < v.length; i++) this.chunks.push(v[i]);
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

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}
