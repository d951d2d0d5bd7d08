import { bufferSource, fileSource, type ByteSource } from './byte-source.js';
import {
  BboltClosedError,
  BboltElementError,
  BboltMetaError,
  BboltPageBoundsError,
  BboltPageIdError,
  BboltPageTypeError,
  BboltTruncatedError,
  BboltUnknownBucketError,
  BboltUnreachablePageError,
  BboltCycleError,
} from './errors.js';
import { BUCKET_HEADER_BYTES, BUCKET_LEAF_FLAG, DEFAULT_PAGE_SIZE, FREELIST_COUNT_OVERFLOW, META_BYTES, PAGE_HEADER_BYTES, PageFlag } from './layout.js';
import { parseMeta, type Meta } from './meta.js';
import { walkTree, type PageAccess, type TreeRoot } from './tree-walk.js';

/** A bucket of the root bucket. */
export interface BboltBucketInfo {
  readonly name: Buffer;
  /** The bucket's root page; 0 for an inline bucket (its leaf sits inside the header's value). */
  readonly root: number;
  readonly sequence: bigint;
  readonly inline: boolean;
}

export interface BboltCheckResult {
  readonly pages: number;
  readonly reachable: number;
  readonly free: number;
  readonly buckets: number;
  readonly keys: number;
}

/** Page sizes tried, in order, when meta page 0 is unreadable and cannot tell us. */
const PAGE_SIZE_GUESSES = [DEFAULT_PAGE_SIZE, 1024, 2048, 8192, 16384, 32768, 65536];

/**
 * Opens a bbolt database (a path or bytes in memory) for reading. Picks the valid meta page with
 * the higher txid, as bbolt does; refuses the file when neither is valid or it is shorter than
 * the meta's high-water mark. Nothing else is read until asked for: iterating a bucket reads
 * one page per tree level at a time. Close it when done (a path keeps a file descriptor).
 */
export function openBbolt(source: string | Uint8Array): BboltReader {
  const bytes = typeof source === 'string' ? fileSource(source) : bufferSource(source);
  try {
    return new BboltReader(bytes);
  } catch (err) {
    bytes.close();
    throw err;
  }
}

export class BboltReader implements PageAccess {
  readonly file: string;
  readonly pageSize: number;
  readonly meta: Meta;
  /** Which meta page is in use (0 or 1). */
  readonly metaPage: 0 | 1;
  /** Why the other meta page was passed over, when it was invalid. */
  readonly rejectedMeta: string | undefined;
  private closed = false;

  constructor(private readonly src: ByteSource) {
    this.file = src.name;
    const picked = pickMeta(src);
    this.meta = picked.meta;
    this.metaPage = picked.page;
    this.rejectedMeta = picked.rejected;
    this.pageSize = picked.meta.pageSize;
    const need = this.meta.pgid * this.pageSize;
    if (src.size < need) {
      throw new BboltTruncatedError(
        { file: this.file, offset: src.size },
        `file has ${src.size} bytes, meta page ${this.metaPage} says ${this.meta.pgid} pages (${need} bytes)`,
      );
    }
  }

  get txid(): number {
    return this.meta.txid;
  }

  /** High-water mark: the pages in use are [0, highWater). */
  get highWater(): number {
    return this.meta.pgid;
  }

  /** The buckets, in name order. */
  *buckets(): Generator<BboltBucketInfo> {
    for (const ref of this.bucketRefs(new Set())) yield ref.info;
  }

  bucketNames(): Buffer[] {
    return [...this.buckets()].map((b) => b.name);
  }

  has(name: Uint8Array | string): boolean {
    return this.find(name) !== undefined;
  }

  /**
   * The bucket's key/value pairs in key order, streamed. The buffers are views of page buffers:
   * copy what you keep. Nested buckets (etcd has none) are skipped. Throws for a missing bucket.
   */
  *entries(name: Uint8Array | string): Generator<[Buffer, Buffer]> {
    const info = this.find(name);
    if (info === undefined) throw new BboltUnknownBucketError(`${this.file}: no bucket ${JSON.stringify(nameString(name))}`);
    for (const pair of walkTree(this, info.tree, new Set())) {
      if ((pair.flags & BUCKET_LEAF_FLAG) === 0) yield [pair.key, pair.value];
    }
  }

  /**
   * What bbolt's consistency check (run by `etcdctl snapshot status`) asks: every tree is sound,
   * no page is reached twice, and every page below the high-water mark is reached or free
   * (listed in the freelist page; with no freelist page, every unreached page counts as free).
   */
  check(): BboltCheckResult {
    const seen = new Set<number>([0, 1]);
    const free = this.freePages(seen);
    let buckets = 0;
    let keys = 0;
    for (const ref of this.bucketRefs(seen)) {
      buckets++;
      for (const pair of walkTree(this, ref.tree, seen)) if ((pair.flags & BUCKET_LEAF_FLAG) === 0) keys++;
    }
    let unreached = 0;
    for (let p = 0; p < this.meta.pgid; p++) {
      if (seen.has(p) || free.has(p)) continue;
      // Without a freelist page (etcd 3.4 runs bbolt with NoFreelistSync), bbolt rebuilds the
      // freelist on open from exactly these pages: they are free, not lost.
      if (this.meta.freelist === undefined) unreached++;
      else throw new BboltUnreachablePageError({ file: this.file, pgid: p, offset: p * this.pageSize }, 'page is neither reachable nor free');
    }
    return { pages: this.meta.pgid, reachable: seen.size, free: free.size + unreached, buckets, keys };
  }

  /** A page with its overflow pages, checked against the high-water mark and its header id. */
  page(pgid: number): Buffer {
    if (this.closed) throw new BboltClosedError(`${this.file}: reader closed`);
    const offset = pgid * this.pageSize;
    if (pgid >= this.meta.pgid) {
      throw new BboltPageBoundsError({ file: this.file, pgid, offset }, `page id ${pgid} is at or beyond the high-water mark ${this.meta.pgid}`);
    }
    const first = this.readExact(pgid, offset, this.pageSize);
    const id = first.readBigUInt64LE(0);
    if (id !== BigInt(pgid)) throw new BboltPageIdError({ file: this.file, pgid, offset }, `page header says id ${id}`);
    const overflow = first.readUInt32LE(12);
    if (overflow === 0) return first;
    if (pgid + overflow >= this.meta.pgid) {
      throw new BboltPageBoundsError({ file: this.file, pgid, offset: offset + 12 }, `${overflow} overflow pages run past the high-water mark ${this.meta.pgid}`);
    }
    return this.readExact(pgid, offset, (overflow + 1) * this.pageSize);
  }

  close(): void {
    this.closed = true;
    this.src.close();
  }

  private readExact(pgid: number, offset: number, length: number): Buffer {
    const buf = this.src.read(offset, length);
    if (buf.byteLength < length) {
      throw new BboltTruncatedError({ file: this.file, pgid, offset: offset + buf.byteLength }, `file ends ${length - buf.byteLength} bytes into the page`);
    }
    return buf;
  }

  private find(name: Uint8Array | string): BucketRef | undefined {
    const want = typeof name === 'string' ? Buffer.from(name) : name;
    for (const ref of this.bucketRefs(new Set())) if (ref.info.name.equals(want)) return ref;
    return undefined;
  }

  /** Walks the root bucket's tree (marking its pages in `visited`), decoding each bucket header. */
  private *bucketRefs(visited: Set<number>): Generator<BucketRef> {
    for (const pair of walkTree(this, { kind: 'page', pgid: this.meta.root }, visited)) {
      const loc = { file: this.file, pgid: pair.pgid, offset: pair.valueAt };
      if ((pair.flags & BUCKET_LEAF_FLAG) === 0) throw new BboltElementError(loc, `root bucket entry ${pair.key.toString('latin1')} is not a bucket`);
      if (pair.value.byteLength < BUCKET_HEADER_BYTES) throw new BboltElementError(loc, `bucket header of ${pair.value.byteLength} bytes`);
      const root = pair.value.readBigUInt64LE(0);
      const inline = root === 0n;
      const pgid = root > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(root);
      const tree: TreeRoot = inline
        ? { kind: 'inline', page: pair.value.subarray(BUCKET_HEADER_BYTES), offset: pair.valueAt + BUCKET_HEADER_BYTES }
        : { kind: 'page', pgid };
      yield { info: { name: pair.key, root: pgid, sequence: pair.value.readBigUInt64LE(8), inline }, tree };
    }
  }

  /** The freelist's page ids; marks the freelist's own pages in `seen`. */
  private freePages(seen: Set<number>): Set<number> {
    const free = new Set<number>();
    const fl = this.meta.freelist;
    if (fl === undefined) return free;
    const page = this.page(fl);
    const offset = fl * this.pageSize;
    const flags = page.readUInt16LE(8);
    if (flags !== PageFlag.freelist) throw new BboltPageTypeError({ file: this.file, pgid: fl, offset: offset + 8 }, `page flags 0x${flags.toString(16)}, want a freelist (0x10)`);
    for (let p = fl; p < fl + page.byteLength / this.pageSize; p++) {
      if (seen.has(p)) throw new BboltCycleError({ file: this.file, pgid: fl, offset }, `freelist page ${p} is also used elsewhere`);
      seen.add(p);
    }
    let count = page.readUInt16LE(10);
    let at = PAGE_HEADER_BYTES;
    if (count === FREELIST_COUNT_OVERFLOW) {
      count = Number(page.readBigUInt64LE(at));
      at += 8;
    }
    if (at + count * 8 > page.byteLength) throw new BboltElementError({ file: this.file, pgid: fl, offset: offset + 10 }, `${count} free ids do not fit in the freelist page`);
    for (let i = 0; i < count; i++, at += 8) {
      const id = Number(page.readBigUInt64LE(at));
      if (id >= this.meta.pgid) throw new BboltPageBoundsError({ file: this.file, pgid: fl, offset: offset + at }, `free page id ${id} is beyond the high-water mark ${this.meta.pgid}`);
      free.add(id);
    }
    return free;
  }
}

interface BucketRef {
  readonly info: BboltBucketInfo;
  readonly tree: TreeRoot;
}

function nameString(name: Uint8Array | string): string {
  return typeof name === 'string' ? name : Buffer.from(name).toString('latin1');
}

/** Reads both meta pages and picks the valid one with the higher txid. */
function pickMeta(src: ByteSource): { meta: Meta; page: 0 | 1; rejected: string | undefined } {
  const need = PAGE_HEADER_BYTES + META_BYTES;
  if (src.size < need) throw new BboltTruncatedError({ file: src.name, pgid: 0, offset: src.size }, `file of ${src.size} bytes is too short for a meta page`);
  const m0 = parseMeta(src.read(0, need));
  const sizes = m0.ok ? [m0.meta.pageSize] : PAGE_SIZE_GUESSES;
  // With meta 0 unreadable its page size is unknown: look for meta 1 at each size bbolt allows,
  // and if none is valid report what stands at the default position.
  let m1 = parseMeta(src.read(sizes[0] ?? DEFAULT_PAGE_SIZE, need));
  for (const size of sizes.slice(1)) {
    if (m1.ok) break;
    const guess = parseMeta(src.read(size, need));
    if (guess.ok) m1 = guess;
  }
  const pageSize = m0.ok ? m0.meta.pageSize : m1.ok ? m1.meta.pageSize : undefined;
  if (pageSize !== undefined && src.size < 2 * pageSize) {
    throw new BboltTruncatedError({ file: src.name, pgid: 1, offset: src.size }, `file of ${src.size} bytes ends before meta page 1 ends`);
  }
  if (m0.ok && m1.ok) {
    if (m1.meta.pageSize !== m0.meta.pageSize) return { meta: m0.meta, page: 0, rejected: `meta page 1: page size ${m1.meta.pageSize} differs` };
    return m1.meta.txid > m0.meta.txid ? { meta: m1.meta, page: 1, rejected: undefined } : { meta: m0.meta, page: 0, rejected: undefined };
  }
  if (m0.ok) return { meta: m0.meta, page: 0, rejected: `meta page 1: ${m1.ok ? '' : m1.reason}` };
  if (m1.ok) return { meta: m1.meta, page: 1, rejected: `meta page 0: ${m0.reason}` };
  throw new BboltMetaError({ file: src.name, pgid: 0, offset: 0 }, `no valid meta page: page 0: ${m0.reason}; page 1: ${m1.reason}`);
}
