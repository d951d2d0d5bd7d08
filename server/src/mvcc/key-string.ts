/**
 * A key's bytes as a latin1 string: one char per byte, so string order is byte order, and a
 * short string costs far less memory than a Buffer. The index and the watchers key on these.
 */
export function keyString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** The bytes of a keyString. */
export function keyBytes(k: string): Uint8Array {
  return Buffer.from(k, 'latin1');
}

/** Greater than every keyString: the open end of a range ending in [0x00] ("every key ≥ key"). */
export const PAST_ALL_KEYS = '\u0100';

/**
 * A range end as a keyString, with mvcc's meaning of ends: absent or empty = the single key
 * (undefined), [0x00] = every key ≥ key (PAST_ALL_KEYS), else the exclusive end.
 */
export function rangeEndString(end: Uint8Array | undefined): string | undefined {
  if (end === undefined || end.byteLength === 0) return undefined;
  if (end.byteLength === 1 && end[0] === 0) return PAST_ALL_KEYS;
  return keyString(end);
}
