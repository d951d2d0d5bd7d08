import type { EtcdServerApi } from '../etcdserver/server-api.js';
import { checkDeleteRangeRequest } from '../mvcc/index.js';
import { lockService, v3lockpb } from '../pb/index.js';
import { type ActingServer, actingFor, callMethod, clientSide, owns, register, sessionLease, type Waiter, WaitCancelledError, waitTurn, withdraw } from './concurrency/index.js';
import { headerToPb, signed } from './convert.js';
import type { AnyMethod } from './grpc/index.js';
import { userOf } from './request-user.js';

const EMPTY = new Uint8Array(0);

/**
 * etcd's v3lock service: a distributed mutex per name. Each caller puts `name/<lease hex>`
 * with its lease and owns the lock once no key under `name/` is older; the lock is released by
 * Unlock (deleting that key) or by the lease ending. The service keeps no state: everything is
 * in the keys, so etcdctl's client-side `lock` and this service share locks of the same name.
 */
export function lockMethods(server: EtcdServerApi): AnyMethod[] {
  const methods = [
    callMethod(lockService.Lock.path, (b) => v3lockpb.LockRequest.decode(b), (r: v3lockpb.ILockResponse) => v3lockpb.LockResponse.encode(r), (req, call) =>
      clientSide(async () => lock(actingFor(server, await userOf(server, call)), req, call.signal)),
    ),
    callMethod(lockService.Unlock.path, (b) => v3lockpb.UnlockRequest.decode(b), (r: v3lockpb.IUnlockResponse) => v3lockpb.UnlockResponse.encode(r), (req, call) =>
      clientSide(async () => {
        const del = { key: req.key ?? EMPTY };
        checkDeleteRangeRequest(del);
        const res = await server.deleteRange(del, await userOf(server, call));
        return { header: headerToPb(server.header(res.header.revision)) };
      }),
    ),
  ];
  return methods as AnyMethod[];
}

async function lock(server: ActingServer, req: v3lockpb.LockRequest, signal: AbortSignal): Promise<v3lockpb.ILockResponse> {
  const lease = await sessionLease(server, signed(req.lease));
  const reg = await register(server, req.name ?? EMPTY, lease, EMPTY);
  const key = reg.waiter.key;
  let revision = reg.revision;
  if (signal.aborted) await giveUp(server, reg.waiter, new WaitCancelledError({ cause: signal.reason }));
  if (!owns(reg)) {
    try {
      revision = await waitTurn(server, reg.waiter, signal);
    } catch (err) {
      await giveUp(server, reg.waiter, err);
    }
  }
  return { header: headerToPb(server.header(revision)), key };
}

/** A Lock that fails or is cancelled while waiting takes its key back, as etcd does; then rethrows. */
async function giveUp(server: ActingServer, w: Waiter, err: unknown): Promise<never> {
  await withdraw(server, w);
  throw err;
}
