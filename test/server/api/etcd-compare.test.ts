import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { clusterService, etcdserverpb as pb, kvService, leaseService, maintenanceService, watchService } from '../../../server/src/pb/index.js';
import { toSafeNumber } from '../../../server/src/util/index.js';
import { ETCD_BIN } from '../pb/etcd-process.js';
import { sameAsEtcd } from './real-etcd.js';
import { bidi, clientFor, unary, unaryError } from '../pb/grpc-calls.js';

/*
 * The same script of requests against etcd 3.4.23 and against our services (over the test
 * member), comparing every response and error after normalising what must differ: cluster and
 * member ids, hashes.
 */

const b = (s: string): Buffer => Buffer.from(s);
const IDS = new Set(['clusterId', 'memberId', 'leader', 'ID', 'memberID']);

function normalise(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => normalise(x));
  if (Buffer.isBuffer(v)) return v.toString();
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x, k)]));
  }
  if (key === 'hash') return 'H';
  if (IDS.has(key) && typeof v === 'string' && v.length > 8) return 'id';
  return v;
}

type Rec = [string, unknown];

async function script(addr: string): Promise<Rec[]> {
  const out: Rec[] = [];
  const obj = (cls: { toObject(m: never, o: object): object }, m: unknown): unknown => normalise(cls.toObject(m as never, { longs: String }));
  const kv = clientFor(kvService, 'KV', addr);
  const lease = clientFor(leaseService, 'Lease', addr);
  const maint = clientFor(maintenanceService, 'Maintenance', addr);
  const cluster = clientFor(clusterService, 'Cluster', addr);
  const err = (label: string, e: grpc.ServiceError): void => {
    out.push([label, `${e.code} ${e.details}`]);
  };
  try {
    out.push(['put', obj(pb.PutResponse, await unary(kv, kvService.Put, { key: b('a'), value: b('1') }))]);
    out.push(['put prev', obj(pb.PutResponse, await unary(kv, kvService.Put, { key: b('a'), value: b('2'), prevKv: true }))]);
    out.push(['put b', obj(pb.PutResponse, await unary(kv, kvService.Put, { key: b('b'), value: b('3') }))]);
    out.push(['range', obj(pb.RangeResponse, await unary(kv, kvService.Range, { key: b('a'), rangeEnd: b('z'), limit: 1 }))]);
    out.push(['range none', obj(pb.RangeResponse, await unary(kv, kvService.Range, { key: b('q') }))]);
    const txn = {
      compare: [{ key: b('a'), target: 3, result: 0, value: b('2') }],
      success: [
        { requestPut: { key: b('c'), value: b('4') } },
        { requestRange: { key: b('a') } },
        { requestDeleteRange: { key: b('nothing') } },
        { requestTxn: { success: [{ requestPut: { key: b('d') } }] } },
      ],
    };
    out.push(['txn', obj(pb.TxnResponse, await unary(kv, kvService.Txn, txn))]);
    out.push(['txn read-only', obj(pb.TxnResponse, await unary(kv, kvService.Txn, { success: [{ requestRange: { key: b('c') } }] }))]);
    out.push(['delete', obj(pb.DeleteRangeResponse, await unary(kv, kvService.DeleteRange, { key: b('c'), rangeEnd: b('e'), prevKv: true }))]);
    err('empty key', await unaryError(kv, kvService.Put, { key: b('') }));
    err('dup key', await unaryError(kv, kvService.Txn, { success: [{ requestPut: { key: b('x') } }, { requestDeleteRange: { key: b('x') } }] }));
    err('too many ops', await unaryError(kv, kvService.Txn, { success: Array.from({ length: 129 }, (_, i) => ({ requestRange: { key: b(`${i}`) } })) }));
    err('future', await unaryError(kv, kvService.Range, { key: b('a'), revision: 100 }));
    err('bad lease', await unaryError(kv, kvService.Put, { key: b('a'), lease: 42 }));
    err('ignore value on missing key', await unaryError(kv, kvService.Put, { key: b('missing'), ignoreValue: true }));
    out.push(['hashkv fresh', obj(pb.HashKVResponse, await unary(maint, maintenanceService.HashKV, {}))]);
    out.push(['compact', obj(pb.CompactionResponse, await unary(kv, kvService.Compact, { revision: 3, physical: true }))]);
    err('compacted', await unaryError(kv, kvService.Range, { key: b('a'), revision: 2 }));
    err('compact again', await unaryError(kv, kvService.Compact, { revision: 2 }));
    out.push(['hashkv', obj(pb.HashKVResponse, await unary(maint, maintenanceService.HashKV, { revision: 0 }))]);
    out.push(['grant', obj(pb.LeaseGrantResponse, await unary(lease, leaseService.LeaseGrant, { ID: 7, TTL: 100 }))]);
    err('grant again', await unaryError(lease, leaseService.LeaseGrant, { ID: 7, TTL: 100 }));
    err('grant too long', await unaryError(lease, leaseService.LeaseGrant, { ID: 8, TTL: 9_000_000_001 }));
    out.push(['ttl unknown', obj(pb.LeaseTimeToLiveResponse, await unary(lease, leaseService.LeaseTimeToLive, { ID: 99, keys: true }))]);
    err('revoke unknown', await unaryError(lease, leaseService.LeaseRevoke, { ID: 99 }));
    out.push(['leases', obj(pb.LeaseLeasesResponse, await unary(lease, leaseService.LeaseLeases, {}))]);
    const ka = bidi(lease, leaseService.LeaseKeepAlive);
    ka.stream.write({ ID: 99 });
    ka.stream.write({ ID: 7 });
    out.push(['keepalive unknown', obj(pb.LeaseKeepAliveResponse, await ka.inbox.next())]);
    out.push(['keepalive', obj(pb.LeaseKeepAliveResponse, await ka.inbox.next())]);
    ka.stream.end();
    out.push(['revoke', obj(pb.LeaseRevokeResponse, await unary(lease, leaseService.LeaseRevoke, { ID: 7 }))]);
    out.push(['alarm get', obj(pb.AlarmResponse, await unary(maint, maintenanceService.Alarm, {}))]);
    out.push(['defrag', obj(pb.DefragmentResponse, await unary(maint, maintenanceService.Defragment, {}))]);
    const ml = await unary(cluster, clusterService.MemberList, {});
    out.push(['member list header', obj(pb.ResponseHeader, ml.header)]);
    await watchScript(addr, out, obj, kv);
  } finally {
    for (const c of [kv, lease, maint, cluster]) c.close();
  }
  return out;
}

async function watchScript(addr: string, out: Rec[], obj: (cls: never, m: unknown) => unknown, kv: grpc.Client): Promise<void> {
  const client = clientFor(watchService, 'Watch', addr);
  const w = bidi(client, watchService.Watch);
  w.stream.on('error', () => undefined);
  const next = async (label: string): Promise<void> => {
    out.push([label, obj(pb.WatchResponse as never, await w.inbox.next())]);
  };
  try {
    w.stream.write({ createRequest: { key: b('a'), watchId: 5, prevKv: true } });
    await next('created');
    w.stream.write({ createRequest: { key: b('a'), watchId: 5 } });
    await next('duplicate');
    w.stream.write({ createRequest: { key: b('b'), rangeEnd: b('a') } });
    await next('empty range');
    w.stream.write({ createRequest: { key: b('a'), rangeEnd: b('\0'), startRevision: 4 } });
    await next('created from history');
    await next('history');
    w.stream.write({ cancelRequest: { watchId: 99 } });
    w.stream.write({ progressRequest: {} });
    await next('progress');
    await unary(kv, kvService.Put, { key: b('a'), value: b('9') });
    // One event for each of the two watchers; the order between watchers is not defined.
    const evs = [await w.inbox.next(), await w.inbox.next()].sort((x, y) => toSafeNumber(x.watchId, 'id') - toSafeNumber(y.watchId, 'id'));
    for (const e of evs) out.push(['event', obj(pb.WatchResponse as never, e)]);
    w.stream.write({ createRequest: { key: b('a'), startRevision: 1, watchId: 9 } });
    await next('created before compaction');
    await next('compacted');
    w.stream.write({ cancelRequest: { watchId: 5 } });
    await next('cancel');
  } finally {
    w.stream.cancel();
    client.close();
  }
}

describe('responses compared with etcd 3.4.23', { skip: !existsSync(ETCD_BIN) }, () => {
  test('the same script gives the same responses and errors', () => sameAsEtcd(script));
});
