/**
 * CRC-32C (Castagnoli), the checksum of TFRecord framing: the reflected CRC with polynomial 0x82F63B78
 * (0x1EDC6F41 bit-reversed), initial value 0xFFFFFFFF and final XOR 0xFFFFFFFF, one table lookup per byte.
 * TFRecord stores it "masked" so that a CRC of data that itself contains CRCs stays well mixed.
 */

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** crc32c(bytes) as an unsigned 32-bit integer; crc32c("123456789") = 0xE3069283. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's mask: ((crc >>> 15) | (crc << 17)) + 0xa282ead8, modulo 2^32. */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** The inverse of maskCrc (for readers). */
export function unmaskCrc(masked: number): number {
  const rot = (masked - 0xa282ead8) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}
