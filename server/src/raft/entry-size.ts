import type { Entry } from './types.js';

/**
 * Sizes of entries as the byte limits count them: the exact length of the entry's raftpb encoding
 * (what encodeEntry produces: type, term, index and data, each with its one-byte tag), computed
 * without encoding. etcd counts the same (Entry.Size()), so limits behave alike; it is cheap
 * enough to call for every entry sent or applied.
 */
export function entrySize(e: Entry): number {
  const n = e.data.length;
  return 4 + varintSize(e.type) + varintSize(e.term) + varintSize(e.index) + varintSize(n) + n;
}

/** Sum of entrySize over the entries. */
export function entriesSize(ents: readonly Entry[]): number {
  let size = 0;
  for (const e of ents) size += entrySize(e);
  return size;
}

/**
 * The longest prefix of ents whose total size stays within maxSize, but never fewer than one
 * entry: a single entry larger than the limit must still be able to make progress.
 */
export function limitSize(ents: Entry[], maxSize: number): Entry[] {
  if (ents.length === 0) return ents;
  let size = entrySize(ents[0] as Entry);
  for (let limit = 1; limit < ents.length; limit++) {
    size += entrySize(ents[limit] as Entry);
    if (size > maxSize) return ents.slice(0, limit);
  }
  return ents;
}

/** Bytes of a non-negative integer (≤ 2^53-1) as a protobuf varint. */
function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}
