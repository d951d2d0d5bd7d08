import type { ActingServer } from './acting-server.js';
import { type KeyValue, type RangeResponse, SortOrder, SortTarget } from '../../mvcc/index.js';

/** etcd's default session TTL (seconds): the lease a Lock or Campaign without one is given. */
export const DEFAULT_SESSION_TTL = 60;

/** `name + "/"`: the prefix every waiter of a lock or candidate of an election puts its key under. */
export function prefixOf(name: Uint8Array): Uint8Array {
  const p = new Uint8Array(name.byteLength + 1);
  p.set(name);
  p[name.byteLength] = 0x2f;
  return p;
}

/**
 * The end of the range holding every key that starts with `prefix`: the prefix with its last
 * byte below 0xff incremented and the rest dropped; [0x00] (every key) if there is none.
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.byteLength - 1; i >= 0; i--) {
    const b = prefix[i] as number;
    if (b < 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i] = b + 1;
      return end;
    }
  }
  return new Uint8Array([0]);
}

/**
 * A waiter's key: the prefix and the lease id in lower-case hex, as Go's `%x` prints an int64
 * (a minus sign before the magnitude of a negative id).
 */
export function leaseKey(prefix: Uint8Array, lease: bigint): Uint8Array {
  const hex = lease < 0n ? `-${(-lease).toString(16)}` : lease.toString(16);
  return Buffer.concat([prefix, Buffer.from(hex, 'latin1')]);
}

/** The key under `prefix` with the smallest create revision (the owner, or the leader), if any. */
export async function firstCreated(server: ActingServer, prefix: Uint8Array): Promise<{ kv: KeyValue | undefined; res: RangeResponse }> {
  const res = await server.range({ key: prefix, rangeEnd: prefixEnd(prefix), sortOrder: SortOrder.ASCEND, sortTarget: SortTarget.CREATE, limit: 1 });
  return { kv: res.kvs[0], res };
}

/** The key under `prefix` created last at or before `maxCreateRev` (the one a waiter waits for). */
export async function lastCreatedUpTo(server: ActingServer, prefix: Uint8Array, maxCreateRev: number): Promise<{ kv: KeyValue | undefined; res: RangeResponse }> {
  const res = await server.range({
    key: prefix,
    rangeEnd: prefixEnd(prefix),
    sortOrder: SortOrder.DESCEND,
    sortTarget: SortTarget.CREATE,
    limit: 1,
    maxCreateRevision: maxCreateRev,
  });
  return { kv: res.kvs[0], res };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}
