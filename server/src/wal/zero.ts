/** Checks for zero bytes, the way an unwritten (preallocated or torn) region reads back. */

const ZERO = Buffer.alloc(64 * 1024);

/** Whether buf[from, to) is all zero; compares whole chunks instead of looping over bytes. */
export function allZero(buf: Buffer, from: number, to: number): boolean {
  for (let p = from; p < to; p += ZERO.length) {
    const n = Math.min(ZERO.length, to - p);
    if (buf.compare(ZERO, 0, n, p, p + n) !== 0) return false;
  }
  return true;
}

/** Bytes per disk sector: the unit a crash can leave unwritten. */
export const SECTOR_BYTES = 512;

/**
 * Whether some sector-aligned piece of buf[from, to) (split at file offsets that are multiples
 * of 512) is entirely zero, as a sector the disk never wrote would read.
 */
export function hasZeroSector(buf: Buffer, from: number, to: number): boolean {
  for (let p = from; p < to; ) {
    const next = Math.min(to, (Math.floor(p / SECTOR_BYTES) + 1) * SECTOR_BYTES);
    if (allZero(buf, p, next)) return true;
    p = next;
  }
  return false;
}
