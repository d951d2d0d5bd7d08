import type { ActingServer } from './acting-server.js';
import { LeaseNotFoundError } from '../../lease/index.js';
import { SessionExpiredError } from './errors.js';
import { bytesEqual, lastCreatedUpTo } from './keys.js';
import { KeyWatch } from './key-watch.js';

/** A waiter: its key under `prefix`, created at `rev` with `lease`. */
export interface Waiter {
  readonly prefix: Uint8Array;
  readonly key: Uint8Array;
  readonly rev: number;
  readonly lease: bigint;
}

/**
 * Waits until no key under the waiter's prefix was created before it (the waiter then owns the
 * lock, or leads the election); resolves with the revision at which that was seen. As etcd's
 * mutex, it waits for the deletion of the key created last before its own, then looks again,
 * so waiters are served in create-revision order and each deletion wakes one waiter only.
 *
 * Unlike etcd 3.4.23 (which grants the lock even if the waiter's key vanished meanwhile), a
 * waiter whose own key is deleted fails at once: LeaseNotFoundError when its lease expired or
 * was revoked, SessionExpiredError otherwise. Cancelling `signal` rejects with WaitCancelledError.
 */
export async function waitTurn(server: ActingServer, w: Waiter, signal: AbortSignal): Promise<number> {
  for (;;) {
    const { kv: before, res } = await lastCreatedUpTo(server, w.prefix, w.rev - 1);
    if (before === undefined) return ownKeyRevision(server, w);
    const deleted = await firstDeleted(server, [before.key, w.key], res.header.revision + 1, signal);
    if (deleted !== undefined && bytesEqual(deleted, w.key)) throw await keyLost(server, w.lease);
  }
}

/** The revision at which the waiter's key still exists; throws as waitTurn if it does not. */
async function ownKeyRevision(server: ActingServer, w: Waiter): Promise<number> {
  const res = await server.range({ key: w.key });
  const kv = res.kvs[0];
  if (kv === undefined || kv.createRevision !== w.rev) throw await keyLost(server, w.lease);
  return res.header.revision;
}

/** Why a waiter's key is gone: its lease ended, or someone deleted the key. */
async function keyLost(server: ActingServer, lease: bigint): Promise<Error> {
  try {
    const t = await server.leaseTimeToLive(lease, false);
    if (t.ttl === -1) return new LeaseNotFoundError();
  } catch (err) {
    if (err instanceof LeaseNotFoundError) return err;
    throw err;
  }
  return new SessionExpiredError();
}

/**
 * Watches `keys` from `fromRev` and resolves with the first one deleted, or undefined when the
 * history from `fromRev` was compacted away (the caller then looks again at the present).
 */
async function firstDeleted(server: ActingServer, keys: readonly Uint8Array[], fromRev: number, signal: AbortSignal): Promise<Uint8Array | undefined> {
  const watch = new KeyWatch(server, signal);
  try {
    for (const key of keys) watch.watch({ key, startRev: fromRev, noPut: true });
    for (;;) {
      const r = await watch.next();
      if (r.compactRevision !== 0) return undefined;
      const del = r.events.find((e) => e.type === 'delete');
      if (del !== undefined) return del.kv.key;
    }
  } finally {
    watch.close();
  }
}
