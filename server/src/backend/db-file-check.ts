import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { BackendCorruptError } from './errors.js';

/**
 * A check of the db file's LMDB header before LMDB maps it. LMDB keeps no checksums, and it
 * trusts its meta pages: a truncated file or a damaged meta page makes it read past the end of
 * the mapping or follow garbage page numbers, and the process dies with SIGBUS or SIGSEGV
 * instead of saying what is wrong. This reads both meta pages with plain file reads and refuses
 * a file that LMDB could not open safely, naming the file and the byte offset.
 *
 * It cannot vouch for every page (that would mean walking the whole tree); damage inside the
 * tree is for the hash checks that compare members.
 *
 * Layout of the LMDB format this lmdb package writes (data version 2): a page header of 24
 * bytes (page number u64, txnid u64, pad u16, flags u16, lower u16, upper u16); on a meta page,
 * after it: magic u32, version u32, address u64, map size u64, two database records of 48 bytes
 * (free pages, main; the first one's pad holds the page size), last page u64, txnid u64.
 */
const MAGIC = 0xbeefc0de;
const DATA_VERSION = 2;
const P_META = 0x08;
const PAGE_SIZES = [4096, 8192, 16384, 32768, 65536];
const INVALID_PGNO = 0xffffffffffffffffn;
const META_BYTES = 168;

interface Meta {
  pageSize: number;
  lastPage: bigint;
  txnid: bigint;
  roots: bigint[];
}

/** Throws BackendCorruptError when the file at `path` is not an LMDB file LMDB can open safely. */
export function checkDbFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) throw new BackendCorruptError(path, 0, 'the file is empty (a db file always holds two meta pages)');
    const pageSize = findPageSize(fd, path, size);
    if (size < 2 * pageSize) {
      throw new BackendCorruptError(path, size, `the file is truncated: ${size} bytes cannot hold two ${pageSize}-byte meta pages`);
    }
    const metas = [readMeta(fd, path, 0, pageSize), readMeta(fd, path, 1, pageSize)];
    // LMDB opens at the meta page with the higher txnid; that one must fit in the file.
    const newest = metas[0]!.txnid >= metas[1]!.txnid ? metas[0]! : metas[1]!;
    const needed = (newest.lastPage + 1n) * BigInt(pageSize);
    if (needed > BigInt(size)) {
      throw new BackendCorruptError(
        path,
        size,
        `the file is truncated: its last used page ${newest.lastPage} ends at byte ${needed}, but the file has ${size} bytes`,
      );
    }
  } finally {
    closeSync(fd);
  }
}

function findPageSize(fd: number, path: string, size: number): number {
  const first = readAt(fd, 0, META_BYTES);
  const declared = first.length === META_BYTES && first.readUInt32LE(24) === MAGIC ? first.readUInt32LE(48) : 0;
  if (PAGE_SIZES.includes(declared)) return declared;
  // Meta page 0 is damaged: the second meta page tells the page size by where it sits.
  for (const ps of PAGE_SIZES) {
    if (2 * ps > size) break;
    const m = readAt(fd, ps, META_BYTES);
    if (m.length === META_BYTES && m.readUInt32LE(24) === MAGIC && m.readUInt32LE(48) === ps) {
      throw new BackendCorruptError(path, 0, 'meta page 0 is damaged (bad magic or page size)');
    }
  }
  throw new BackendCorruptError(path, 0, 'not an LMDB database: no valid meta page (bad magic, version or page size)');
}

function readMeta(fd: number, path: string, n: 0 | 1, pageSize: number): Meta {
  const off = n * pageSize;
  const b = readAt(fd, off, META_BYTES);
  const fail = (why: string): never => {
    throw new BackendCorruptError(path, off, `meta page ${n} is damaged: ${why}`);
  };
  if (b.length < META_BYTES) fail('it is cut short');
  if (b.readBigUInt64LE(0) !== BigInt(n)) fail(`it says it is page ${b.readBigUInt64LE(0)}`);
  if ((b.readUInt16LE(18) & P_META) === 0) fail('it is not marked as a meta page');
  if (b.readUInt32LE(24) !== MAGIC) fail('bad magic');
  if ((b.readUInt32LE(28) & 0xffff) !== DATA_VERSION) fail(`unknown data version ${b.readUInt32LE(28) & 0xffff}`);
  if (b.readUInt32LE(48) !== pageSize) fail(`page size ${b.readUInt32LE(48)} differs from meta page 0's ${pageSize}`);
  const meta: Meta = { pageSize, lastPage: b.readBigUInt64LE(144), txnid: b.readBigUInt64LE(152), roots: [b.readBigUInt64LE(88), b.readBigUInt64LE(136)] };
  if (meta.lastPage < 1n) fail(`last page ${meta.lastPage} is inside the meta pages`);
  for (const root of meta.roots) {
    if (root !== INVALID_PGNO && (root < 2n || root > meta.lastPage)) fail(`root page ${root} lies outside pages 2..${meta.lastPage}`);
  }
  return meta;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  const n = readSync(fd, b, 0, length, position);
  return b.subarray(0, n);
}
