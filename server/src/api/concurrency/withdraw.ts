import type { ActingServer } from './acting-server.js';
import { CompareResult, CompareTarget } from '../../mvcc/index.js';
import type { Waiter } from './wait-turn.js';

/**
 * Deletes the waiter's key if it is still the one it created (same create revision), so that a
 * Lock or Campaign that fails or is cancelled while waiting does not hold up the waiters behind
 * it until its lease ends. etcd deletes the key too (unconditionally); the compare only keeps
 * a later key of the same lease safe. Best effort: if the member cannot take the delete
 * (stopping, no leader), the lease still bounds the key's life. Returns the txn's revision.
 */
export async function withdraw(server: ActingServer, w: Waiter): Promise<number | undefined> {
  try {
    const res = await server.txn({
      compare: [{ result: CompareResult.EQUAL, target: CompareTarget.CREATE, key: w.key, createRevision: w.rev }],
      success: [{ deleteRange: { key: w.key } }],
      failure: [],
    });
    return res.header.revision;
  } catch {
    return undefined;
  }
}
