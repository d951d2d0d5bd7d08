import type { KeyValue } from './kv-codec.js';
import { type RangeRequest, type RangeResponse, SortOrder, SortTarget } from './kv-requests.js';
import type { KvRangeResult, RangeOptions } from './store-core.js';

/** What a range reads from: the store (at its current revision) or an open write txn. */
export interface RangeReader {
  range(key: Uint8Array, end?: Uint8Array, opts?: RangeOptions): KvRangeResult;
}

/**
 * Answers a RangeRequest as etcd's applier does. The store applies the limit only when no
 * sort or revision filter comes after it (then it fetches limit+1 to learn `more`); filters,
 * sort and the limit then run on the fetched key-values. `count` is the store's count of the
 * whole range, before the filters, as etcd's. Throws the store's FutureRevisionError and
 * CompactedError.
 *
 * The sort is stable: key-values equal in the sort target stay in key order, ascending or
 * descending (etcd's sort is not stable, so its order of ties is unspecified).
 */
export function applyRange(reader: RangeReader, req: RangeRequest): RangeResponse {
  const limit = req.limit ?? 0;
  const sortOrder = req.sortOrder ?? SortOrder.NONE;
  const filtered = hasFilters(req);
  let fetch = limit;
  if (sortOrder !== SortOrder.NONE || filtered) fetch = 0;
  if (fetch > 0) fetch++;
  const target = req.sortTarget ?? SortTarget.KEY;
  // Values are dropped after sorting: a keys-only range sorted by value still sorts by value.
  const keysOnly = req.keysOnly === true;
  const opts: RangeOptions = {
    rev: req.revision ?? 0,
    limit: fetch,
    countOnly: req.countOnly === true,
    keysOnly: keysOnly && target !== SortTarget.VALUE,
  };
  const rr = reader.range(req.key, req.rangeEnd, opts);
  let kvs = filtered ? rr.kvs.filter((kv) => keep(req, kv)) : rr.kvs;
  // Another target without an order still sorts, ascending; KEY without one is the store's order.
  const order = target !== SortTarget.KEY && sortOrder === SortOrder.NONE ? SortOrder.ASCEND : sortOrder;
  if (order === SortOrder.ASCEND || order === SortOrder.DESCEND) kvs = sortKvs(kvs, target, order === SortOrder.DESCEND);
  let more = false;
  if (limit > 0 && kvs.length > limit) {
    kvs = kvs.slice(0, limit);
    more = true;
  }
  if (keysOnly && target === SortTarget.VALUE) kvs = kvs.map((kv) => ({ ...kv, value: new Uint8Array(0) }));
  return { header: { revision: rr.rev }, kvs, more, count: rr.count };
}

function hasFilters(req: RangeRequest): boolean {
  return (req.minModRevision ?? 0) !== 0 || (req.maxModRevision ?? 0) !== 0 || (req.minCreateRevision ?? 0) !== 0 || (req.maxCreateRevision ?? 0) !== 0;
}

/** Whether a key-value passes the revision filters (each applies only when non-zero). */
function keep(req: RangeRequest, kv: KeyValue): boolean {
  const maxMod = req.maxModRevision ?? 0;
  const minMod = req.minModRevision ?? 0;
  const maxCreate = req.maxCreateRevision ?? 0;
  const minCreate = req.minCreateRevision ?? 0;
  if (maxMod !== 0 && kv.modRevision > maxMod) return false;
  if (minMod !== 0 && kv.modRevision < minMod) return false;
  if (maxCreate !== 0 && kv.createRevision > maxCreate) return false;
  if (minCreate !== 0 && kv.createRevision < minCreate) return false;
  return true;
}

function sortKvs(kvs: readonly KeyValue[], target: number, descending: boolean): KeyValue[] {
  const cmp = comparator(target);
  // Array.prototype.sort is stable; negating keeps ties in key order both ways.
  return [...kvs].sort(descending ? (a, b) => cmp(b, a) : cmp);
}

type KvComparator = (a: KeyValue, b: KeyValue) => number;

function comparator(target: number): KvComparator {
  switch (target) {
    case SortTarget.VERSION:
      return (a, b) => a.version - b.version;
    case SortTarget.CREATE:
      return (a, b) => a.createRevision - b.createRevision;
    case SortTarget.MOD:
      return (a, b) => a.modRevision - b.modRevision;
    case SortTarget.VALUE:
      return (a, b) => Buffer.compare(a.value, b.value);
    default:
      // KEY, and (for requests that skipped validation) anything unknown: etcd sorts by key.
      return (a, b) => Buffer.compare(a.key, b.key);
  }
}
