import type { EtcdServerApi } from '../etcdserver/server-api.js';
import type { KeyValue } from '../mvcc/index.js';
import { electionService, v3electionpb as epb } from '../pb/index.js';
import { type ActingServer, actingFor, firstCreated, KeyWatch, prefixEnd, prefixOf, WaitCancelledError } from './concurrency/index.js';
import { headerToPb, kvToPb } from './convert.js';
import type { ServerStreamingMethod, ServerWritableCall } from './grpc/index.js';
import { toClientSideError } from './concurrency/client-side-error.js';
import { userOf } from './request-user.js';

type ObserveCall = ServerWritableCall<epb.ILeaderResponse>;

/** Election.Observe: a server stream of the election's leader. */
export function observeMethod(server: EtcdServerApi): ServerStreamingMethod<epb.LeaderRequest, epb.ILeaderResponse> {
  return {
    path: electionService.Observe.path,
    requestStream: false,
    responseStream: true,
    decode: (b) => epb.LeaderRequest.decode(b),
    encode: (r) => epb.LeaderResponse.encode(r).finish(),
    handler: (req, call) => observe(server, req.name ?? new Uint8Array(0), call),
  };
}

/**
 * Sends the leader now (or, if there is none, as soon as a candidate appears), then every new
 * value it proclaims, and when its key goes, the next leader: one response per change, in
 * revision order, as etcd's observe does. The stream ends when the call is cancelled.
 */
async function observe(member: EtcdServerApi, name: Uint8Array, call: ObserveCall): Promise<void> {
  const prefix = prefixOf(name);
  try {
    const server = actingFor(member, await userOf(member, call));
    for (;;) {
      const first = await currentOrNext(server, prefix, call.signal);
      if (first === undefined) continue;
      await send(server, call, first.kv, first.revision);
      await followLeader(server, call, first.kv, first.revision);
    }
  } catch (err) {
    if (err instanceof WaitCancelledError || call.cancelled) return;
    throw toClientSideError(err);
  }
}

async function send(server: ActingServer, call: ObserveCall, kv: KeyValue, revision: number): Promise<void> {
  await call.write({ header: headerToPb(server.header(revision)), kv: kvToPb(kv) });
  if (call.cancelled) throw new WaitCancelledError();
}

/**
 * The leader and the revision it was seen at; with no candidate, the first key put under the
 * prefix afterwards (at its own revision, as etcd reports it). Undefined if the watch's history
 * was compacted meanwhile: look again.
 */
async function currentOrNext(server: ActingServer, prefix: Uint8Array, signal: AbortSignal): Promise<{ kv: KeyValue; revision: number } | undefined> {
  const { kv, res } = await firstCreated(server, prefix);
  if (kv !== undefined) return { kv, revision: res.header.revision };
  const watch = new KeyWatch(server, signal);
  try {
    watch.watch({ key: prefix, end: prefixEnd(prefix), startRev: res.header.revision + 1, noDelete: true });
    for (;;) {
      const r = await watch.next();
      if (r.compactRevision !== 0) return undefined;
      const put = r.events[0];
      if (put !== undefined) return { kv: put.kv, revision: put.kv.modRevision };
    }
  } finally {
    watch.close();
  }
}

/**
 * Sends each new value of the leader's key until the key is deleted. If the watch's history was
 * compacted, it returns too: the caller reads the leader again (and may send it once more),
 * where etcd's observe would end the stream.
 */
async function followLeader(server: ActingServer, call: ObserveCall, leader: KeyValue, from: number): Promise<void> {
  const watch = new KeyWatch(server, call.signal);
  try {
    watch.watch({ key: leader.key, startRev: from + 1 });
    for (;;) {
      const r = await watch.next();
      if (r.compactRevision !== 0) return;
      for (const e of r.events) {
        if (e.type === 'delete') return;
        await send(server, call, e.kv, r.revision);
      }
    }
  } finally {
    watch.close();
  }
}
