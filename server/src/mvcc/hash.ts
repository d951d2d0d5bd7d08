import { ALL_BUCKETS, Bucket, CONSISTENT_INDEX_KEY, TERM_KEY } from '../backend/index.js';
import { crc32c } from '../util/index.js';
import { CompactedError, FutureRevisionError } from './errors.js';
import { decodeRevisionKey } from './revision.js';
import type { StoreCore } from './store-core.js';

/** HashKV's answer: the hash, and the store's compact and current revisions when it was taken. */
export interface KvHash {
  readonly hash: number;
  readonly compactRevision: number;
  readonly revision: number;
}

const KEY_BUCKET_NAME = Buffer.from('key');

/**
 * etcd's HashKV: CRC-32C over the bucket name "key", then the key and value bytes of each
 * record with main ≤ `rev` in key order, leaving out records at or below the compact revision
 * that a compaction at `rev` would remove (those may or may not be gone yet, depending on how
 * far the member's compaction got). Members with the same history give the same hash.
 * As etcd 3.4: `rev` at or below the compact revision is CompactedError; 0 means current.
 */
export function hashKv(core: StoreCore, rev: number): KvHash {
  const compactRevision = core.compactRev;
  const revision = core.currentRev;
  if (rev > 0 && rev <= compactRevision) throw new CompactedError();
  if (rev > revision) throw new FutureRevisionError();
  const upTo = rev === 0 ? revision : rev;
  const keep = core.index.keep(upTo);
  let hash = crc32c(KEY_BUCKET_NAME);
  const view = core.backend.readView();
  try {
    view.forEach(Bucket.key, new Uint8Array(0), undefined, (k, v) => {
      const r = decodeRevisionKey(k).rev;
      if (r.main > upTo) return false;
      if (r.main <= compactRevision && keep.size > 0 && !keep.has(r)) return true;
      hash = crc32c(v, crc32c(k, hash));
      return true;
    });
  } finally {
    view.release();
  }
  // etcd's compact revision is -1 until the first compaction, and HashKV reports it so.
  return { hash, compactRevision: compactRevision === 0 ? -1 : compactRevision, revision };
}

/** etcd's Hash: the hash of the whole backend, and the store's revision when it was taken. */
export interface BackendHash {
  readonly hash: number;
  readonly revision: number;
}

/** Buckets in byte order of their names, as bbolt's root bucket lists them. */
const BUCKETS_IN_ORDER = [...ALL_BUCKETS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
const IGNORED_META_KEYS = [CONSISTENT_INDEX_KEY, TERM_KEY].map((k) => Buffer.from(k).toString('latin1'));

/**
 * etcd's Hash (Maintenance.Hash): CRC-32C over every bucket in name order, each bucket's name
 * then its keys and values in key order, leaving out the meta bucket's consistent index and
 * term (they are bookkeeping of the apply loop, not data). Meant for comparing members in
 * tests; HashKV is the check that tolerates compaction at different times.
 */
export function hashBackend(core: StoreCore): BackendHash {
  const revision = core.currentRev;
  let hash = 0;
  const view = core.backend.readView();
  try {
    for (const bucket of BUCKETS_IN_ORDER) {
      hash = crc32c(Buffer.from(bucket), hash);
      view.forEach(bucket, new Uint8Array(0), undefined, (k, v) => {
        if (bucket === Bucket.meta && IGNORED_META_KEYS.includes(k.toString('latin1'))) return true;
        hash = crc32c(v, crc32c(k, hash));
        return true;
      });
    }
  } finally {
    view.release();
  }
  return { hash, revision };
}
