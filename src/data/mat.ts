/**
 * A reader for MATLAB level-5 MAT files (the format of MATLAB 5 to 7.2, and what scipy.io.savemat writes),
 * enough to load numeric matrices such as the original `ex4data1.mat`: miMATRIX elements of the numeric
 * classes (double, single, int8…uint64), stored in any numeric data type (MATLAB stores integral doubles as
 * smaller integers), little-endian, optionally inside zlib-compressed miCOMPRESSED elements (MATLAB 7).
 * Other classes (char, cell, struct, sparse, objects) are listed with their class and dimensions but no
 * values. Version 7.3 files are HDF5 and are refused with a message saying how to re-save them.
 */
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

/** MATLAB array classes by their mxCLASS number. */
const CLASS_NAMES: Record<number, MatClass> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
};

export type MatClass =
  | 'cell'
  | 'struct'
  | 'object'
  | 'char'
  | 'sparse'
  | 'double'
  | 'single'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64';

/** One variable of a MAT file. Values are column-major (MATLAB's order): element (i, j) is data[j·rows + i]. */
export interface MatVariable {
  name: string;
  className: MatClass;
  dims: number[];
  /** Real part as float64 (exact for every class except 64-bit integers beyond 2^53); null for non-numeric classes. */
  data: Float64Array | null;
  /** Imaginary part of a complex numeric variable, else null. */
  imag: Float64Array | null;
}

// Data types of the element tags.
const MI_INT8 = 1;
const MI_UINT8 = 2;
const MI_INT16 = 3;
const MI_UINT16 = 4;
const MI_INT32 = 5;
const MI_UINT32 = 6;
const MI_SINGLE = 7;
const MI_DOUBLE = 9;
const MI_INT64 = 12;
const MI_UINT64 = 13;
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;

const ELEMENT_SIZE: Record<number, number> = {
  [MI_INT8]: 1,
  [MI_UINT8]: 1,
  [MI_INT16]: 2,
  [MI_UINT16]: 2,
  [MI_INT32]: 4,
  [MI_UINT32]: 4,
  [MI_SINGLE]: 4,
  [MI_DOUBLE]: 8,
  [MI_INT64]: 8,
  [MI_UINT64]: 8,
};

const HEADER_BYTES = 128;

/** Reads and parses a MAT file; errors name the file. */
export function readMatFile(path: string): Map<string, MatVariable> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`readMatFile: cannot read ${path}: ${(e as Error).message}`);
  }
  return parseMat(buf, path);
}

/**
 * Parses a level-5 MAT file held in memory: the 128-byte header (text, subsystem offset, version 0x0100,
 * endian indicator "IM"), then data elements, each an 8-byte tag (type, byte count) or a 4-byte "small
 * element" tag with up to 4 bytes of data, padded to 8 bytes (compressed elements are not padded).
 */
export function parseMat(buf: Uint8Array, file = '<buffer>'): Map<string, MatVariable> {
  const fail = (msg: string): never => {
    throw new Error(`parseMat: ${file}: ${msg}`);
  };
  if (buf.length < HEADER_BYTES) fail(`${buf.length} bytes is too short for a MAT file (header is 128 bytes)`);
  const text = new TextDecoder('latin1').decode(buf.subarray(0, 116));
  if (text.startsWith('MATLAB 7.3')) {
    fail('MAT version 7.3 (HDF5) is not supported; re-save it in MATLAB with save(file, "-v7") or scipy.io.savemat');
  }
  const endian = String.fromCharCode(buf[126], buf[127]);
  if (endian === 'MI') fail('big-endian MAT files are not supported');
  if (endian !== 'IM' || !text.startsWith('MATLAB')) {
    fail('not a level-5 MAT file (no "MATLAB" header text and "IM" endian indicator)');
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const version = view.getUint16(124, true);
  if (version !== 0x0100) fail(`unsupported MAT version 0x${version.toString(16)} (expected 0x0100)`);

  const vars = new Map<string, MatVariable>();
  let pos = HEADER_BYTES;
  while (pos < buf.length) {
    if (buf.length - pos < 8) fail(`truncated element tag at byte ${pos}`);
    const type = view.getUint32(pos, true);
    const nbytes = view.getUint32(pos + 4, true);
    const start = pos + 8;
    if (start + nbytes > buf.length) fail(`element at byte ${pos} claims ${nbytes} bytes, only ${buf.length - start} remain (truncated file?)`);
    const body = buf.subarray(start, start + nbytes);
    if (type === MI_COMPRESSED) {
      let inner: Buffer;
      try {
        inner = inflateSync(body);
      } catch (e) {
        return fail(`compressed element at byte ${pos} does not inflate: ${(e as Error).message}`);
      }
      const iv = new DataView(inner.buffer, inner.byteOffset, inner.byteLength);
      if (inner.length < 8) fail(`compressed element at byte ${pos} holds only ${inner.length} bytes`);
      const innerType = iv.getUint32(0, true);
      const innerBytes = iv.getUint32(4, true);
      if (8 + innerBytes > inner.length) fail(`compressed element at byte ${pos}: inner element is truncated`);
      if (innerType === MI_MATRIX) addVar(vars, parseMatrix(inner.subarray(8, 8 + innerBytes), fail));
      pos = start + nbytes;
    } else {
      if (type === MI_MATRIX) addVar(vars, parseMatrix(body, fail));
      pos = start + pad8(nbytes);
    }
  }
  return vars;
}

function addVar(vars: Map<string, MatVariable>, v: MatVariable | null): void {
  if (v !== null) vars.set(v.name, v);
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}

/** Reads the sub-elements of one miMATRIX: array flags, dimensions, name, then real and imaginary parts. */
function parseMatrix(body: Uint8Array, fail: (msg: string) => never): MatVariable | null {
  if (body.length === 0) return null; // an empty miMATRIX is MATLAB's placeholder for an empty array
  const reader = new SubElements(body, fail);
  const flags = reader.next('array flags');
  if (flags.type !== MI_UINT32 || flags.data.length < 8) fail('miMATRIX does not start with its array-flags element');
  const fv = new DataView(flags.data.buffer, flags.data.byteOffset, flags.data.byteLength);
  const word = fv.getUint32(0, true);
  const classId = word & 0xff;
  const complex = (word & 0x0800) !== 0;
  const className = CLASS_NAMES[classId];
  if (className === undefined) fail(`unknown MATLAB array class ${classId}`);
  const dimsEl = reader.next('dimensions');
  const dims = Array.from(toNumbers(dimsEl.type, dimsEl.data, fail));
  const nameEl = reader.next('array name');
  const name = new TextDecoder('latin1').decode(nameEl.data);
  const numeric = classId >= 6 && classId <= 15;
  if (!numeric) return { name, className, dims, data: null, imag: null };
  const count = dims.reduce((a, b) => a * b, 1);
  const re = reader.next(`real part of ${name}`);
  const data = toNumbers(re.type, re.data, fail);
  if (data.length !== count) fail(`variable ${name}: ${data.length} values for dimensions ${dims.join('×')}`);
  let imag: Float64Array | null = null;
  if (complex) {
    const im = reader.next(`imaginary part of ${name}`);
    imag = toNumbers(im.type, im.data, fail);
    if (imag.length !== count) fail(`variable ${name}: imaginary part has ${imag.length} values, expected ${count}`);
  }
  return { name, className, dims, data, imag };
}

/** Walks the data elements inside a miMATRIX, decoding both the full and the small (≤ 4 bytes) tag format. */
class SubElements {
  private pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    private readonly fail: (msg: string) => never,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  next(what: string): { type: number; data: Uint8Array } {
    const p = this.pos;
    if (this.buf.length - p < 8) this.fail(`miMATRIX ends before its ${what}`);
    const first = this.view.getUint32(p, true);
    const small = first >>> 16;
    if (small !== 0) {
      // Small data element: type in the low 16 bits, byte count in the high 16, data in the next 4 bytes.
      if (small > 4) this.fail(`small data element of ${small} bytes (> 4) in the ${what}`);
      this.pos = p + 8;
      return { type: first & 0xffff, data: this.buf.subarray(p + 4, p + 4 + small) };
    }
    const nbytes = this.view.getUint32(p + 4, true);
    if (p + 8 + nbytes > this.buf.length) this.fail(`the ${what} claims ${nbytes} bytes, more than its miMATRIX holds`);
    this.pos = p + 8 + pad8(nbytes);
    return { type: first, data: this.buf.subarray(p + 8, p + 8 + nbytes) };
  }
}

/** Decodes a little-endian numeric data element into float64 values. */
function toNumbers(type: number, data: Uint8Array, fail: (msg: string) => never): Float64Array {
  const size = ELEMENT_SIZE[type];
  if (size === undefined) return fail(`data type ${type} is not numeric`);
  if (data.length % size !== 0) fail(`${data.length} bytes is not a whole number of ${size}-byte values (type ${type})`);
  const n = data.length / size;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * size;
    switch (type) {
      case MI_INT8:
        out[i] = v.getInt8(o);
        break;
      case MI_UINT8:
        out[i] = v.getUint8(o);
        break;
      case MI_INT16:
        out[i] = v.getInt16(o, true);
        break;
      case MI_UINT16:
        out[i] = v.getUint16(o, true);
        break;
      case MI_INT32:
        out[i] = v.getInt32(o, true);
        break;
      case MI_UINT32:
        out[i] = v.getUint32(o, true);
        break;
      case MI_SINGLE:
        out[i] = v.getFloat32(o, true);
        break;
      case MI_DOUBLE:
        out[i] = v.getFloat64(o, true);
        break;
      case MI_INT64:
        out[i] = Number(v.getBigInt64(o, true));
        break;
      default:
        out[i] = Number(v.getBigUint64(o, true));
    }
  }
  return out;
}
