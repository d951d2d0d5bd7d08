import type { ActingServer } from './acting-server.js';
import { CompareResult, CompareTarget, type KeyValue, type RangeRequest, SortOrder, SortTarget } from '../../mvcc/index.js';
import { DEFAULT_SESSION_TTL, leaseKey, prefixEnd, prefixOf } from './keys.js';
import type { Waiter } from './wait-turn.js';

/** A waiter's key, put (or found) under its prefix, and what the same txn saw of the owner. */
export interface Registration {
  readonly waiter: Waiter;
  /** The revision of the txn's response. */
  readonly revision: number;
  /** The key with the smallest create revision under the prefix after the txn. */
  readonly owner: KeyValue | undefined;
  /** The waiter's key as it was when the txn found it there already (same lease, earlier call). */
  readonly existing: KeyValue | undefined;
}

/**
 * The lease a call acts for: its own, or, for lease 0, a fresh one of etcd's default session
 * TTL (60 s), which etcd's lock and election servers grant in that case and never keep alive.
 */
export async function sessionLease(server: ActingServer, lease: bigint): Promise<bigint> {
  if (lease !== 0n) return lease;
  return (await server.leaseGrant(0n, DEFAULT_SESSION_TTL)).id;
}

/**
 * Puts `name/<lease hex>` = value with the lease unless the key exists (then it is reused: its
 * create revision keeps the waiter's place), and reads the owner, in one txn, as etcd's mutex
 * does so that an uncontended lock costs one request.
 */
export async function register(server: ActingServer, name: Uint8Array, lease: bigint, value: Uint8Array): Promise<Registration> {
  const prefix = prefixOf(name);
  const key = leaseKey(prefix, lease);
  const owner: RangeRequest = { key: prefix, rangeEnd: prefixEnd(prefix), sortOrder: SortOrder.ASCEND, sortTarget: SortTarget.CREATE, limit: 1 };
  const res = await server.txn({
    compare: [{ result: CompareResult.EQUAL, target: CompareTarget.CREATE, key, createRevision: 0 }],
    success: [{ put: { key, value, lease } }, { range: owner }],
    failure: [{ range: { key } }, { range: owner }],
  });
  const existing = res.succeeded ? undefined : res.responses[0]?.range?.kvs[0];
  const rev = existing?.createRevision ?? res.header.revision;
  return {
    waiter: { prefix, key, rev, lease },
    revision: res.header.revision,
    owner: res.responses[1]?.range?.kvs[0],
    existing,
  };
}

/** Whether the registered waiter is the owner already (no key under the prefix is older). */
export function owns(r: Registration): boolean {
  return r.owner === undefined || r.owner.createRevision === r.waiter.rev;
}
