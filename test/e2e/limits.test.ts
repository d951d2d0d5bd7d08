// Bad input, the space quota and the CORRUPT alarm, against a real Cairn process and a real etcd
// 3.4.23 in the same test: the same script runs against both and must produce the same gRPC
// codes, the same texts and the same results; after each refusal the member keeps serving.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { etcdserverpb as pb, kvService, leaseService, maintenanceService } from '../../server/src/pb/index.js';
import { clientFor, unary, unaryError } from '../server/pb/grpc-calls.js';
import { MemberProcess, type MemberKind, etcdctl } from './cluster-process.js';

const b = (s: string): Buffer => Buffer.from(s);
const members: MemberProcess[] = [];

after(async () => {
  for (const m of members) await m.destroy();
});

async function bothRun<T>(extraArgs: readonly string[], script: (m: MemberProcess) => Promise<T>): Promise<{ etcd: T; cairn: T }> {
  const out: Partial<Record<MemberKind, T>> = {};
  for (const kind of ['etcd', 'cairn'] as const) {
    const m = await MemberProcess.start(kind, { extraArgs, name: 'm1' });
    members.push(m);
    try {
      out[kind] = await script(m);
    } finally {
      await m.destroy();
    }
  }
  return out as { etcd: T; cairn: T };
}

const status = (e: grpc.ServiceError): string => `${e.code} ${e.details}`;

/** A call's outcome as text: the error's code and details, or "ok". */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return status(err as grpc.ServiceError);
  }
}

/**
 * Bytes written to the client port, and what comes back before the socket closes: HTTP/1.1 text
 * as it is, HTTP/2 frames only as "frames" (Go's and node's HTTP/2 settings differ by design;
 * clients depend on neither).
 */
function rawExchange(endpoint: string, bytes: Buffer): Promise<string> {
  const [host, port] = endpoint.split(':') as [string, string];
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), host);
    let got = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const text = got.toString('latin1');
      resolve(got.length === 0 ? 'closed, nothing sent' : text.startsWith('HTTP/') ? text : 'closed after HTTP/2 frames');
    });
    socket.write(bytes);
    socket.end();
  });
}

describe('bad input, quota and alarms: Cairn and etcd 3.4.23 answer alike', () => {
  test('oversize requests, too many txn ops, empty key, negative revision, unknown lease, huge TTL, garbage bytes', async () => {
    const r = await bothRun([], async (m) => {
      const kv = clientFor(kvService, 'KV', m.endpoint);
      const lease = clientFor(leaseService, 'Lease', m.endpoint);
      try {
        const rec: Array<[string, string]> = [];
        rec.push(['put 1.7 MiB', status(await unaryError(kv, kvService.Put, { key: b('big'), value: Buffer.alloc(1.7 * 1024 * 1024) }))]);
        rec.push(['put 2.5 MiB', status(await unaryError(kv, kvService.Put, { key: b('big'), value: Buffer.alloc(2.5 * 1024 * 1024) }))]);
        rec.push(['txn 129 ops', status(await unaryError(kv, kvService.Txn, { success: Array.from({ length: 129 }, (_, i) => ({ requestPut: { key: b(`k${i}`) } })) }))]);
        rec.push(['empty key', status(await unaryError(kv, kvService.Put, { key: b(''), value: b('v') }))]);
        await unary(kv, kvService.Put, { key: b('a'), value: b('1') });
        const neg = await unary(kv, kvService.Range, { key: b('a'), revision: -5 });
        rec.push(['negative revision', `${neg.kvs.length} kv at revision ${String(neg.header?.revision)}`]);
        rec.push(['unknown lease', status(await unaryError(kv, kvService.Put, { key: b('a'), value: b('v'), lease: 0x1234 }))]);
        rec.push(['TTL too large', status(await unaryError(lease, leaseService.LeaseGrant, { TTL: 9_000_000_001 }))]);
        const garbage: Array<[string, Buffer]> = [
          ['garbage that is no protocol', Buffer.from('\x16\x03\x01 this is no request\r\n\r\n', 'latin1')],
          ['a malformed HTTP/1.1 request', b('GET /health HTTP/1.1\r\nthis is bad\r\n\r\n')],
          ['a spoilt HTTP/2 preface', b('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n')],
          ['garbage after the HTTP/2 preface', Buffer.concat([b('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.alloc(64, 0xff)])],
        ];
        for (const [what, bytes] of garbage) rec.push([what, await rawExchange(m.endpoint, bytes)]);
        // etcdctl sends an http:// endpoint as the HTTP/2 :authority for endpoint status.
        const st = await etcdctl([`--endpoints=http://${m.endpoint}`, 'endpoint', 'status', '-w', 'json']);
        rec.push(['endpoint status with an http:// endpoint', st.code === 0 ? 'ok' : st.stderr.split('\n').at(-2) ?? st.stderr]);
        const after = await unary(kv, kvService.Range, { key: b('a') });
        rec.push(['still serving', `${after.kvs.length} kv, value ${Buffer.from(after.kvs[0]?.value ?? []).toString()}`]);
        return rec;
      } finally {
        kv.close();
        lease.close();
      }
    });
    assert.deepEqual(r.cairn, r.etcd);
    assert.deepEqual(r.cairn.find(([what]) => what.startsWith('endpoint status')), ['endpoint status with an http:// endpoint', 'ok']);
  });

  test('NOSPACE: writes refused with etcd\'s text, reads and deletes served, disarm after compaction and defrag', async () => {
    const r = await bothRun(['--quota-backend-bytes', String(4 * 1024 * 1024)], async (m) => {
      const kv = clientFor(kvService, 'KV', m.endpoint);
      const maint = clientFor(maintenanceService, 'Maintenance', m.endpoint);
      try {
        const rec: Array<[string, string]> = [];
        let puts = 0;
        let refused = '';
        for (; puts < 400 && refused === ''; puts++) {
          const o = await outcome(unary(kv, kvService.Put, { key: b(`k${puts % 4}`), value: Buffer.alloc(200 * 1024, puts) }));
          if (o !== 'ok') refused = o;
        }
        rec.push(['a write past the quota', refused]);
        const alarms = await unary(maint, maintenanceService.Alarm, {});
        rec.push(['alarm list', alarms.alarms.map((a) => pb.AlarmType[a.alarm ?? 0]).join(',')]);
        rec.push(['another put', await outcome(unary(kv, kvService.Put, { key: b('x'), value: b('y') }))]);
        rec.push(['a txn that only reads', await outcome(unary(kv, kvService.Txn, { success: [{ requestRange: { key: b('k0') } }] }))]);
        rec.push(['a txn that writes', await outcome(unary(kv, kvService.Txn, { success: [{ requestPut: { key: b('k0') } }] }))]);
        const got = await unary(kv, kvService.Range, { key: b('k'), rangeEnd: b('l'), countOnly: true });
        rec.push(['range', `count ${String(got.count)}`]);
        rec.push(['delete', await outcome(unary(kv, kvService.DeleteRange, { key: b('k3') }))]);
        const rev = Number((await unary(kv, kvService.Range, { key: b('k0') })).header?.revision);
        rec.push(['compact', await outcome(unary(kv, kvService.Compact, { revision: rev, physical: true }))]);
        rec.push(['defragment', await outcome(unary(maint, maintenanceService.Defragment, {}))]);
        rec.push(['put before disarm', await outcome(unary(kv, kvService.Put, { key: b('x'), value: b('y') }))]);
        const id = alarms.alarms[0]?.memberID ?? 0;
        const dis = await unary(maint, maintenanceService.Alarm, { action: pb.AlarmRequest.AlarmAction.DEACTIVATE, memberID: id, alarm: pb.AlarmType.NOSPACE });
        rec.push(['disarm answers', dis.alarms.map((a) => pb.AlarmType[a.alarm ?? 0]).join(',')]);
        rec.push(['alarm list after', (await unary(maint, maintenanceService.Alarm, {})).alarms.length.toString()]);
        rec.push(['put after disarm', await outcome(unary(kv, kvService.Put, { key: b('x'), value: b('y') }))]);
        return rec;
      } finally {
        kv.close();
        maint.close();
      }
    });
    assert.deepEqual(r.cairn, r.etcd);
    assert.equal(r.cairn[0]?.[1], '8 etcdserver: mvcc: database space exceeded');
  });

  test('CORRUPT raised through the Alarm API blocks requests as etcd blocks them, until deactivated', async () => {
    const r = await bothRun([], async (m) => {
      const kv = clientFor(kvService, 'KV', m.endpoint);
      const lease = clientFor(leaseService, 'Lease', m.endpoint);
      const maint = clientFor(maintenanceService, 'Maintenance', m.endpoint);
      try {
        await unary(kv, kvService.Put, { key: b('a'), value: b('1') });
        const memberID = (await unary(maint, maintenanceService.Status, {})).header?.memberId ?? 0;
        const alarm = { memberID, alarm: pb.AlarmType.CORRUPT };
        const rec: Array<[string, string]> = [];
        const on = await unary(maint, maintenanceService.Alarm, { action: pb.AlarmRequest.AlarmAction.ACTIVATE, ...alarm });
        rec.push(['activate answers', on.alarms.map((a) => pb.AlarmType[a.alarm ?? 0]).join(',')]);
        rec.push(['put', await outcome(unary(kv, kvService.Put, { key: b('b'), value: b('2') }))]);
        rec.push(['range', await outcome(unary(kv, kvService.Range, { key: b('a') }))]);
        rec.push(['serializable range', await outcome(unary(kv, kvService.Range, { key: b('a'), serializable: true }))]);
        rec.push(['delete', await outcome(unary(kv, kvService.DeleteRange, { key: b('a') }))]);
        rec.push(['txn', await outcome(unary(kv, kvService.Txn, { success: [{ requestRange: { key: b('a') } }] }))]);
        rec.push(['compact', await outcome(unary(kv, kvService.Compact, { revision: 1 }))]);
        rec.push(['lease grant', await outcome(unary(lease, leaseService.LeaseGrant, { TTL: 60 }))]);
        rec.push(['status', await outcome(unary(maint, maintenanceService.Status, {}))]);
        await unary(maint, maintenanceService.Alarm, { action: pb.AlarmRequest.AlarmAction.DEACTIVATE, ...alarm });
        rec.push(['put after deactivate', await outcome(unary(kv, kvService.Put, { key: b('b'), value: b('2') }))]);
        return rec;
      } finally {
        kv.close();
        lease.close();
        maint.close();
      }
    });
    assert.deepEqual(r.cairn, r.etcd);
  });
});
