/**
 * The JSON codec of checkpoints and stored results. Plain JSON loses typed arrays and non-finite numbers, both of which training state holds
 * (weights, optimizer moments, a diverged loss), so the codec tags them:
 *   Float32Array | Float64Array | Int32Array | Uint8Array → { "$typed": name, "base64": bytes }
 *   NaN | Infinity | −Infinity | −0                       → { "$num": "NaN" | "Infinity" | "-Infinity" | "-0" }
 * and decoding restores the identical values, bit for bit.
 */
const TYPED = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint8Array,
} as const;
type TypedName = keyof typeof TYPED;

function typedName(v: unknown): TypedName | undefined {
  if (v instanceof Float32Array) return 'Float32Array';
  if (v instanceof Float64Array) return 'Float64Array';
  if (v instanceof Int32Array) return 'Int32Array';
  if (v instanceof Uint8Array && !Buffer.isBuffer(v)) return 'Uint8Array';
  return undefined;
}

function tagNumber(n: number): string | undefined {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Object.is(n, -0)) return '-0';
  return undefined;
}

const NUMBERS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

/** JSON.stringify with the tags above; `indent` as JSON.stringify's third argument. */
export function encodeJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'number') {
        const tag = tagNumber(v);
        return tag === undefined ? v : { $num: tag };
      }
      const name = typedName(v);
      if (name !== undefined) {
        const a = v as Float32Array | Float64Array | Int32Array | Uint8Array;
        return { $typed: name, base64: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') };
      }
      return v;
    },
    indent,
  );
  if (text === undefined)
    throw new Error(`encodeJson: value of type ${typeof value} is not JSON-serialisable`);
  return text;
}

/** The inverse of encodeJson: JSON.parse that restores tagged typed arrays and numbers. */
export function decodeJson<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && typeof o.$num === 'string' && o.$num in NUMBERS) return NUMBERS[o.$num];
    if (
      keys.length === 2 &&
      typeof o.$typed === 'string' &&
      typeof o.base64 === 'string' &&
      o.$typed in TYPED
    ) {
      const bytes = Buffer.from(o.base64, 'base64');
      const Ctor = TYPED[o.$typed as TypedName];
      if (bytes.length % Ctor.BYTES_PER_ELEMENT !== 0) {
        throw new Error(
          `decodeJson: ${o.$typed} payload of ${bytes.length} bytes is not a whole number of elements`,
        );
      }
      // Copy into a fresh, aligned buffer: Buffer's pooled memory may start at any byte offset.
      const buf = new ArrayBuffer(bytes.length);
      new Uint8Array(buf).set(bytes);
      return new Ctor(buf);
    }
    return v;
  }) as T;
}

/** JSON of `value` with the keys of every object sorted, so equal data always gives the same string. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );
}
