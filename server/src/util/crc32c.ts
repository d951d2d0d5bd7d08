import CRC32C from 'crc-32/crc32c.js';

/** Extends a running CRC-32C (Castagnoli) over `data`; start from 0. Returns an unsigned value. */
export function crc32c(data: Uint8Array, prev = 0): number {
  return CRC32C.buf(data, prev | 0) >>> 0;
}
