import type { KeyValue } from './kv-codec.js';
import { type Compare, CompareResult, CompareTarget } from './kv-requests.js';
import type { RangeReader } from './kv-range.js';

const EMPTY = new Uint8Array(0);

/** What a compare of a key that does not exist sees: every field zero. */
const ZERO_KV: KeyValue = { key: EMPTY, createRevision: 0, modRevision: 0, version: 0, value: EMPTY, lease: 0n };

/** Whether every compare holds (an empty list holds). */
export function comparesHold(reader: RangeReader, compares: readonly Compare[]): boolean {
  return compares.every((c) => compareHolds(reader, c));
}

/**
 * Whether one compare holds, as etcd's: it reads the key or range at the reader's current
 * revision; with no key there, a VALUE compare fails (a missing value cannot be told from an
 * empty one) and the others see zeros; otherwise it must hold for every key in the range.
 */
export function compareHolds(reader: RangeReader, c: Compare): boolean {
  const { kvs } = reader.range(c.key, c.rangeEnd);
  if (kvs.length === 0) return c.target !== CompareTarget.VALUE && compareKv(c, ZERO_KV);
  return kvs.every((kv) => compareKv(c, kv));
}

/** The compare on one key-value: the kv's field against the compare's (missing: 0 or empty). */
function compareKv(c: Compare, kv: KeyValue): boolean {
  const order = targetOrder(c, kv);
  switch (c.result) {
    case CompareResult.EQUAL:
      return order === 0;
    case CompareResult.NOT_EQUAL:
      return order !== 0;
    case CompareResult.GREATER:
      return order > 0;
    case CompareResult.LESS:
      return order < 0;
    default:
      // etcd lets an unknown result hold.
      return true;
  }
}

/** Negative, zero or positive as the kv's target field is less, equal or greater. */
function targetOrder(c: Compare, kv: KeyValue): number {
  switch (c.target) {
    case CompareTarget.VERSION:
      return sign(kv.version - (c.version ?? 0));
    case CompareTarget.CREATE:
      return sign(kv.createRevision - (c.createRevision ?? 0));
    case CompareTarget.MOD:
      return sign(kv.modRevision - (c.modRevision ?? 0));
    case CompareTarget.VALUE:
      return Buffer.compare(kv.value, c.value ?? EMPTY);
    case CompareTarget.LEASE: {
      const want = c.lease ?? 0n;
      return kv.lease === want ? 0 : kv.lease < want ? -1 : 1;
    }
    default:
      // etcd compares nothing for an unknown target: it counts as equal.
      return 0;
  }
}

function sign(n: number): number {
  return n === 0 ? 0 : n < 0 ? -1 : 1;
}
