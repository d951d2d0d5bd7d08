import { open, unlink } from 'node:fs/promises';
import { BboltInputError } from './errors.js';
import {
  BUCKET_HEADER_BYTES,
  BUCKET_LEAF_FLAG,
  DEFAULT_PAGE_SIZE,
  MAGIC,
  META_CHECKSUMMED_BYTES,
  MetaField,
  PAGE_HEADER_BYTES,
  PageFlag,
  VERSION,
  fnv1a64,
  isValidPageSize,
} from './layout.js';
import { PageSink } from './page-sink.js';
import { TreeBuilder, hexPreview } from './tree-builder.js';

export type BboltPair = readonly [Uint8Array, Uint8Array];

/** One bucket to write: its pairs must come in strictly increasing key order. */
export interface BboltBucketSource {
  readonly name: Uint8Array;
  readonly entries: Iterable<BboltPair> | AsyncIterable<BboltPair>;
}

/**
 * Buckets in strictly increasing byte order of their names. Lazy iterables let a caller stream
 * straight from one consistent read view: nothing is pulled before the writer needs it.
 */
export type BboltSource = Iterable<BboltBucketSource> | AsyncIterable<BboltBucketSource>;

export interface WriteBboltOptions {
  /** Default 4096 (etcd's on Linux). */
  readonly pageSize?: number;
  /** The txid of the meta page bbolt will use (the other gets txid - 1). Default 1. */
  readonly txid?: number;
  /** fsync the file before returning. Default true. */
  readonly fsync?: boolean;
}

export interface WriteBboltResult {
  /** High-water mark: pages in the file. */
  readonly pages: number;
  readonly bytes: number;
  readonly buckets: number;
  readonly keys: number;
}

/** Pages 0 and 1 are the metas, page 2 the (empty) freelist; trees start at page 3. */
const FREELIST_PGID = 2;
const FIRST_DATA_PGID = 3;

/**
 * Writes a complete bbolt database file at `path` (replacing any file there): every bucket a
 * regular (non-inline) bucket, an empty freelist, and the two meta pages written last, so a
 * crash midway leaves a file no reader accepts (and the partial file is removed on errors).
 */
export async function writeBboltFile(path: string, source: BboltSource, options: WriteBboltOptions = {}): Promise<WriteBboltResult> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const txid = options.txid ?? 1;
  if (!isValidPageSize(pageSize)) throw new BboltInputError(`page size ${pageSize} is not a power of two in [1024, 65536]`);
  if (!Number.isSafeInteger(txid) || txid < 1) throw new BboltInputError(`txid ${txid} must be a positive integer`);
  const file = await open(path, 'w');
  let ok = false;
  try {
    const sink = new PageSink(file, pageSize, FIRST_DATA_PGID);
    const { roots, keys } = await writeBuckets(sink, source);
    const top = new TreeBuilder(sink, 'root bucket');
    for (const { name, root } of roots) top.add(name, bucketHeader(root), BUCKET_LEAF_FLAG);
    const rootPgid = top.finish();
    await sink.flush();
    const pages = sink.highWater;
    await sink.writeAt(FREELIST_PGID, freelistPage(pageSize));
    const meta = { pageSize, root: rootPgid, freelist: FREELIST_PGID, pages };
    await sink.writeAt(0, metaPage({ ...meta, id: 0, txid: txid - 1 }));
    await sink.writeAt(1, metaPage({ ...meta, id: 1, txid }));
    if (options.fsync !== false) await file.sync();
    ok = true;
    return { pages, bytes: pages * pageSize, buckets: roots.length, keys };
  } finally {
    await file.close();
    if (!ok) await unlink(path).catch(() => undefined);
  }
}

async function writeBuckets(sink: PageSink, source: BboltSource): Promise<{ roots: { name: Buffer; root: number }[]; keys: number }> {
  const roots: { name: Buffer; root: number }[] = [];
  let keys = 0;
  for await (const bucket of source) {
    const name = Buffer.from(bucket.name);
    const prev = roots[roots.length - 1];
    if (name.byteLength === 0) throw new BboltInputError('empty bucket name');
    if (prev !== undefined && Buffer.compare(prev.name, name) >= 0) {
      throw new BboltInputError(`bucket ${hexPreview(name)} is not after ${hexPreview(prev.name)}`);
    }
    const tree = new TreeBuilder(sink, `bucket ${JSON.stringify(name.toString('latin1'))}`);
    const entries = bucket.entries;
    if (Symbol.iterator in entries) {
      // The common case: a synchronous cursor. Awaiting only when a megabyte is staged keeps a
      // million keys fast while still letting the event loop turn.
      for (const [k, v] of entries) {
        tree.add(k, v);
        if (sink.wantsFlush) await sink.flush();
      }
    } else {
      for await (const [k, v] of entries) {
        tree.add(k, v);
        if (sink.wantsFlush) await sink.flush();
      }
    }
    keys += tree.count;
    roots.push({ name, root: tree.finish() });
  }
  return { roots, keys };
}

/** A bucket's value in its parent: {root pgid, sequence 0}. */
function bucketHeader(root: number): Buffer {
  const b = Buffer.alloc(BUCKET_HEADER_BYTES);
  b.writeBigUInt64LE(BigInt(root), 0);
  return b;
}

function freelistPage(pageSize: number): Buffer {
  const page = Buffer.alloc(pageSize);
  page.writeBigUInt64LE(BigInt(FREELIST_PGID), 0);
  page.writeUInt16LE(PageFlag.freelist, 8);
  return page;
}

interface MetaFields {
  readonly id: number;
  readonly pageSize: number;
  readonly root: number;
  readonly freelist: number;
  readonly pages: number;
  readonly txid: number;
}

/** A meta page; exported for tests that forge damaged files. */
export function metaPage(m: MetaFields): Buffer {
  const page = Buffer.alloc(m.pageSize);
  page.writeBigUInt64LE(BigInt(m.id), 0);
  page.writeUInt16LE(PageFlag.meta, 8);
  const meta = page.subarray(PAGE_HEADER_BYTES);
  meta.writeUInt32LE(MAGIC, MetaField.magic);
  meta.writeUInt32LE(VERSION, MetaField.version);
  meta.writeUInt32LE(m.pageSize, MetaField.pageSize);
  meta.writeBigUInt64LE(BigInt(m.root), MetaField.root);
  meta.writeBigUInt64LE(BigInt(m.freelist), MetaField.freelist);
  meta.writeBigUInt64LE(BigInt(m.pages), MetaField.pgid);
  meta.writeBigUInt64LE(BigInt(m.txid), MetaField.txid);
  meta.writeBigUInt64LE(fnv1a64(meta.subarray(0, META_CHECKSUMMED_BYTES)), MetaField.checksum);
  return page;
}
