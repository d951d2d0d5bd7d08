/**
 * The on-disk layout of a bbolt database file, as etcd 3.4 reads and writes it. Everything is
 * little-endian. A file is a run of fixed-size pages; page `n` starts at byte `n * pageSize`.
 *
 *   page header (16 bytes): id u64, flags u16, count u16, overflow u32
 *   meta (at byte 16 of pages 0 and 1, 64 bytes): magic u32, version u32, pageSize u32,
 *     flags u32, root bucket {root pgid u64, sequence u64}, freelist pgid u64,
 *     high-water pgid u64, txid u64, checksum u64 (FNV-1a 64 over the 56 bytes before it)
 *   leaf element (16 bytes): flags u32 (bucket 0x01), pos u32, ksize u32, vsize u32
 *   branch element (16 bytes): pos u32, ksize u32, pgid u64
 *
 * `pos` counts from the element's own first byte to its key; the value follows the key.
 * A page whose contents do not fit spans `overflow` more pages right after it.
 */

export const DEFAULT_PAGE_SIZE = 4096;
export const PAGE_HEADER_BYTES = 16;
export const ELEMENT_BYTES = 16;
export const META_BYTES = 64;
/** Bytes of the meta struct the checksum covers (all fields before the checksum). */
export const META_CHECKSUMMED_BYTES = 56;

export const MAGIC = 0xed0cdaed;
export const VERSION = 2;

export const PageFlag = {
  branch: 0x01,
  leaf: 0x02,
  meta: 0x04,
  freelist: 0x10,
} as const;

/** Leaf element flag: the value is a bucket header (a nested bucket), not user data. */
export const BUCKET_LEAF_FLAG = 0x01;

/** Bytes of a bucket value's header: root pgid u64, sequence u64. */
export const BUCKET_HEADER_BYTES = 16;

/** The largest key and value bbolt accepts (a writer that exceeds them makes a file bbolt cannot edit). */
export const MAX_KEY_BYTES = 32768;
export const MAX_VALUE_BYTES = 2 ** 31 - 2;

/** A freelist page whose `count` field holds this keeps the real count in its first u64. */
export const FREELIST_COUNT_OVERFLOW = 0xffff;

/** "No freelist page" in the meta's freelist field. */
export const NO_FREELIST = 0xffffffffffffffffn;

/** Offsets inside the meta struct (relative to its start, byte 16 of the page). */
export const MetaField = {
  magic: 0,
  version: 4,
  pageSize: 8,
  flags: 12,
  root: 16,
  sequence: 24,
  freelist: 32,
  pgid: 40,
  txid: 48,
  checksum: 56,
} as const;

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/** FNV-1a, 64-bit: bbolt's meta checksum. Only ever run over 56 bytes, so BigInt is cheap enough. */
export function fnv1a64(data: Uint8Array): bigint {
  let h = FNV_OFFSET;
  for (const byte of data) {
    h ^= BigInt(byte);
    h = (h * FNV_PRIME) & MASK64;
  }
  return h;
}

/** A page size bbolt can use: a power of two, at least 1 KiB, at most 64 KiB. */
export function isValidPageSize(n: number): boolean {
  return Number.isInteger(n) && n >= 1024 && n <= 65536 && (n & (n - 1)) === 0;
}

/** Whole pages needed for `bytes` bytes of page content. */
export function pagesFor(bytes: number, pageSize: number): number {
  return Math.max(1, Math.ceil(bytes / pageSize));
}
