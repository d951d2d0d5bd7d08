import type { EtcdServerApi } from '../etcdserver/server-api.js';
import { LeaseNotFoundError } from '../lease/index.js';
import { etcdserverpb as pb, leaseService } from '../pb/index.js';
import { headerToPb, i64, num, s64, signed } from './convert.js';
import type { AnyMethod, BidiStreamingMethod, ServerDuplexCall } from './grpc/index.js';
import { userOf } from './request-user.js';
import { unaryMethod } from './unary-method.js';

type KeepAliveCall = ServerDuplexCall<pb.LeaseKeepAliveRequest, pb.ILeaseKeepAliveResponse>;

/** etcd's Lease service: grant, revoke, keep-alive (a bidi stream), time-to-live, list. */
export function leaseMethods(server: EtcdServerApi): AnyMethod[] {
  const methods = [
    unaryMethod(leaseService.LeaseGrant.path, (b) => pb.LeaseGrantRequest.decode(b), (r: pb.ILeaseGrantResponse) => pb.LeaseGrantResponse.encode(r), async (req) => {
      const g = await server.leaseGrant(signed(req.ID), num(req.TTL));
      return { header: headerToPb(g.header), ID: s64(g.id), TTL: i64(g.ttl) };
    }),
    unaryMethod(leaseService.LeaseRevoke.path, (b) => pb.LeaseRevokeRequest.decode(b), (r: pb.ILeaseRevokeResponse) => pb.LeaseRevokeResponse.encode(r), async (req, call) => ({
      header: headerToPb(await server.leaseRevoke(signed(req.ID), await userOf(server, call))),
    })),
    keepAliveMethod(server),
    unaryMethod(
      leaseService.LeaseTimeToLive.path,
      (b) => pb.LeaseTimeToLiveRequest.decode(b),
      (r: pb.ILeaseTimeToLiveResponse) => pb.LeaseTimeToLiveResponse.encode(r),
      (req) => timeToLive(server, signed(req.ID), req.keys === true),
    ),
    unaryMethod(leaseService.LeaseLeases.path, (b) => pb.LeaseLeasesRequest.decode(b), (r: pb.ILeaseLeasesResponse) => pb.LeaseLeasesResponse.encode(r), async () => {
      const leases = await server.leaseLeases();
      return { header: headerToPb(server.header()), leases: leases.map((l) => ({ ID: s64(l.id) })) };
    }),
  ];
  return methods as AnyMethod[];
}

/** An unknown lease is not an error here: etcd answers TTL -1 (and no granted TTL or keys). */
async function timeToLive(server: EtcdServerApi, id: bigint, keys: boolean): Promise<pb.ILeaseTimeToLiveResponse> {
  try {
    const t = await server.leaseTimeToLive(id, keys);
    return { header: headerToPb(t.header), ID: s64(t.id), TTL: i64(t.ttl), grantedTTL: i64(t.grantedTtl), keys: keys ? t.keys : [] };
  } catch (err) {
    if (!(err instanceof LeaseNotFoundError)) throw err;
    return { header: headerToPb(server.header()), ID: s64(id), TTL: -1 };
  }
}

/**
 * Keep-alive: each request renews its lease and is answered in order. As etcd, the header is
 * taken before the renew (so its revision is never later than the renewal), and an unknown or
 * expired lease is answered with TTL 0 rather than ending the stream; other errors end it.
 */
function keepAliveMethod(server: EtcdServerApi): BidiStreamingMethod<pb.LeaseKeepAliveRequest, pb.ILeaseKeepAliveResponse> {
  return {
    path: leaseService.LeaseKeepAlive.path,
    requestStream: true,
    responseStream: true,
    decode: (b) => pb.LeaseKeepAliveRequest.decode(b),
    encode: (r) => pb.LeaseKeepAliveResponse.encode(r).finish(),
    handler: (call) => keepAlive(server, call),
  };
}

/** Resolves when the signal aborts (a cancelled call, or a leader-requiring stream without one). */
function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

async function keepAlive(server: EtcdServerApi, call: KeepAliveCall): Promise<void> {
  await Promise.race([renewLoop(server, call), aborted(call.signal)]);
}

async function renewLoop(server: EtcdServerApi, call: KeepAliveCall): Promise<void> {
  for await (const req of call) {
    const id = signed(req.ID);
    const header = headerToPb(server.header());
    let ttl: number;
    try {
      ttl = await server.leaseRenew(id);
    } catch (err) {
      if (!(err instanceof LeaseNotFoundError)) throw err;
      ttl = 0;
    }
    await call.write({ header, ID: s64(id), TTL: i64(ttl) });
    if (call.cancelled) return;
  }
}
