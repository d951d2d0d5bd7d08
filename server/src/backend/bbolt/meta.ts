import {
  MAGIC,
  META_BYTES,
  META_CHECKSUMMED_BYTES,
  MetaField,
  NO_FREELIST,
  PAGE_HEADER_BYTES,
  VERSION,
  fnv1a64,
  isValidPageSize,
} from './layout.js';

/** A decoded, validated meta page. Page ids are numbers (a file of 2^53 pages is not a concern). */
export interface Meta {
  readonly pageSize: number;
  readonly flags: number;
  /** The root bucket's tree. */
  readonly root: number;
  /** undefined: the file keeps no freelist page. */
  readonly freelist: number | undefined;
  /** High-water mark: pages in use, ids [0, pgid). */
  readonly pgid: number;
  readonly txid: number;
}

export type MetaResult = { readonly ok: true; readonly meta: Meta } | { readonly ok: false; readonly reason: string };

/** Decodes the meta in `page` (the page's first PAGE_HEADER_BYTES + META_BYTES bytes at least). */
export function parseMeta(page: Buffer): MetaResult {
  if (page.byteLength < PAGE_HEADER_BYTES + META_BYTES) return { ok: false, reason: `short: ${page.byteLength} bytes` };
  const m = page.subarray(PAGE_HEADER_BYTES, PAGE_HEADER_BYTES + META_BYTES);
  const magic = m.readUInt32LE(MetaField.magic);
  if (magic !== MAGIC) return { ok: false, reason: `bad magic 0x${magic.toString(16)}` };
  const version = m.readUInt32LE(MetaField.version);
  if (version !== VERSION) return { ok: false, reason: `unsupported version ${version}` };
  const stored = m.readBigUInt64LE(MetaField.checksum);
  const computed = fnv1a64(m.subarray(0, META_CHECKSUMMED_BYTES));
  if (stored !== computed) {
    return { ok: false, reason: `checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})` };
  }
  const pageSize = m.readUInt32LE(MetaField.pageSize);
  if (!isValidPageSize(pageSize)) return { ok: false, reason: `invalid page size ${pageSize}` };
  const freelistRaw = m.readBigUInt64LE(MetaField.freelist);
  const fields = {
    root: m.readBigUInt64LE(MetaField.root),
    pgid: m.readBigUInt64LE(MetaField.pgid),
    txid: m.readBigUInt64LE(MetaField.txid),
    freelist: freelistRaw === NO_FREELIST ? 0n : freelistRaw,
  };
  for (const [what, v] of Object.entries(fields)) {
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: `${what} ${v} beyond 2^53-1` };
  }
  return {
    ok: true,
    meta: {
      pageSize,
      flags: m.readUInt32LE(MetaField.flags),
      root: Number(fields.root),
      freelist: freelistRaw === NO_FREELIST ? undefined : Number(fields.freelist),
      pgid: Number(fields.pgid),
      txid: Number(fields.txid),
    },
  };
}
