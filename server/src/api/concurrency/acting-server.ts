import type { RequestUser } from '../../apply/index.js';
import type { EtcdServerApi } from '../../etcdserver/server-api.js';
import type { DeleteRangeRequest, RangeRequest, TxnRequest, WatchRequest } from '../../mvcc/index.js';

/**
 * What the lock and election services use of the member, on behalf of one call's user: etcd
 * serves them through an in-process client that carries the caller's token, so their reads,
 * writes and watches are checked as the caller's own (with auth off the user is undefined and
 * nothing is checked).
 */
export interface ActingServer {
  header: EtcdServerApi['header'];
  range(req: RangeRequest): ReturnType<EtcdServerApi['range']>;
  deleteRange(req: DeleteRangeRequest): ReturnType<EtcdServerApi['deleteRange']>;
  txn(req: TxnRequest): ReturnType<EtcdServerApi['txn']>;
  leaseGrant: EtcdServerApi['leaseGrant'];
  leaseTimeToLive: EtcdServerApi['leaseTimeToLive'];
  newWatchStream: EtcdServerApi['newWatchStream'];
  /** Throws unless the user may watch this range (checked before each watcher starts). */
  checkWatch(req: WatchRequest): void;
}

/** The member acting as `user`. */
export function actingFor(server: EtcdServerApi, user: RequestUser | undefined): ActingServer {
  return {
    header: (revision) => server.header(revision),
    range: (req) => server.range(req, user),
    deleteRange: (req) => server.deleteRange(req, user),
    txn: (req) => server.txn(req, user),
    leaseGrant: (id, ttl) => server.leaseGrant(id, ttl),
    leaseTimeToLive: (id, keys) => server.leaseTimeToLive(id, keys),
    newWatchStream: () => server.newWatchStream(),
    checkWatch: (req) => server.checkRange(user, req.key, req.end),
  };
}
