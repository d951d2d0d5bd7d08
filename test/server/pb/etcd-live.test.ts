// Our encodings against a real etcd 3.4: a grpc-js client built from services.ts calls every
// service, and each decoded field is checked against what etcd's semantics say it must be.
// A wrong field number would surface as a missing or garbled value here.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import {
  authService, clusterService, electionService, etcdserverpb as pb, kvService, leaseService, lockService,
  maintenanceService, mvccpb, watchService,
} from '../../../server/src/pb/index.js';
import { toSafeNumber, toUint64 } from '../../../server/src/util/index.js';
import { ETCDCTL_BIN, ETCD_BIN, MEMBER_NAME, startEtcd, waitFor, type EtcdProcess } from './etcd-process.js';
import { bidi, clientFor, serverStream, unary, unaryError } from './grpc-calls.js';

const skip = fs.existsSync(ETCD_BIN) ? false : `${ETCD_BIN} is not installed`;
const b = (s: string): Buffer => Buffer.from(s);
const str = (u: Uint8Array | null | undefined): string => Buffer.from(u ?? []).toString();
const b64 = (u: Uint8Array | null | undefined): string => Buffer.from(u ?? []).toString('base64');
const num = (v: Parameters<typeof toSafeNumber>[0]): number => toSafeNumber(v, 'field');

describe('etcd 3.4 wire compatibility', { skip, timeout: 120_000 }, () => {
  let etcd: EtcdProcess;
  let kv: grpc.Client, watch: grpc.Client, lease: grpc.Client, cluster: grpc.Client;
  let maint: grpc.Client, auth: grpc.Client, lock: grpc.Client, election: grpc.Client;
  let memberId = 0n;
  let clusterId = 0n;

  /** Runs etcdctl against our member and returns its -w json output as text. */
  function etcdctl(...args: string[]): string {
    return execFileSync(ETCDCTL_BIN, [`--endpoints=${etcd.clientUrl}`, '-w', 'json', ...args], {
      env: { ...process.env, ETCDCTL_API: '3' },
    }).toString();
  }
  /** A 64-bit id from etcdctl's JSON, read as text: JSON.parse would round it. */
  function jsonUint(json: string, field: string): bigint {
    const m = new RegExp(`"${field}":(\\d+)`).exec(json);
    assert.ok(m?.[1], `${field} in ${json}`);
    return BigInt(m[1]);
  }
  function checkHeader(h: pb.IResponseHeader | null | undefined): void {
    assert.ok(h, 'header');
    assert.equal(toUint64(h.clusterId), clusterId);
    assert.equal(toUint64(h.memberId), memberId);
    assert.ok(num(h.raftTerm) >= 2, 'raft term of a member that has elected itself');
  }

  before(async () => {
    etcd = await startEtcd();
    const addr = etcd.clientAddr;
    kv = clientFor(kvService, 'KV', addr);
    watch = clientFor(watchService, 'Watch', addr);
    lease = clientFor(leaseService, 'Lease', addr);
    cluster = clientFor(clusterService, 'Cluster', addr);
    maint = clientFor(maintenanceService, 'Maintenance', addr);
    auth = clientFor(authService, 'Auth', addr);
    lock = clientFor(lockService, 'Lock', addr);
    election = clientFor(electionService, 'Election', addr);
    const status = await waitFor(`etcd at ${addr}\n${etcd.log()}`, 30_000, async () => {
      const s = await unary(maint, maintenanceService.Status, {});
      if (toUint64(s.leader) === 0n) throw new Error('no leader yet');
      return s;
    });
    memberId = toUint64(status.header?.memberId);
    clusterId = toUint64(status.header?.clusterId);
  });

  after(async () => {
    for (const c of [kv, watch, lease, cluster, maint, auth, lock, election]) c?.close();
    await etcd?.stop();
  });

  test('Status and MemberList describe the one member, as etcdctl sees it', async () => {
    const s = await unary(maint, maintenanceService.Status, {});
    checkHeader(s.header);
    assert.equal(s.version, '3.4.23');
    assert.equal(toUint64(s.leader), memberId);
    assert.ok(num(s.dbSize) > 0 && num(s.dbSizeInUse) > 0 && num(s.dbSizeInUse) <= num(s.dbSize));
    assert.ok(num(s.raftIndex) > 0 && num(s.raftAppliedIndex) > 0);
    assert.equal(num(s.raftTerm), num(s.header?.raftTerm));
    assert.equal(s.isLearner, false);
    const ctlStatus = etcdctl('endpoint', 'status');
    assert.equal(jsonUint(ctlStatus, 'member_id'), memberId);
    assert.equal(jsonUint(ctlStatus, 'cluster_id'), clusterId);
    assert.equal(jsonUint(ctlStatus, 'leader'), memberId);

    const ml = await unary(cluster, clusterService.MemberList, {});
    checkHeader(ml.header);
    assert.equal(ml.members.length, 1);
    const m = ml.members[0];
    assert.ok(m);
    assert.equal(toUint64(m.ID), memberId);
    assert.equal(m.name, MEMBER_NAME);
    assert.deepEqual(m.peerURLs, [etcd.peerUrl]);
    assert.deepEqual(m.clientURLs, [etcd.clientUrl]);
    assert.equal(m.isLearner, false);
    assert.equal(jsonUint(etcdctl('member', 'list'), 'ID'), memberId);
  });

  test('Put, Range and DeleteRange', async () => {
    const p1 = await unary(kv, kvService.Put, { key: b('k1'), value: b('v1') });
    checkHeader(p1.header);
    const rev1 = num(p1.header?.revision);
    assert.equal(p1.prevKv, null, 'no prev_kv unless asked');
    const p2 = await unary(kv, kvService.Put, { key: b('k1'), value: b('v2'), prevKv: true });
    assert.equal(num(p2.header?.revision), rev1 + 1);
    assert.equal(str(p2.prevKv?.key), 'k1');
    assert.equal(str(p2.prevKv?.value), 'v1');
    assert.equal(num(p2.prevKv?.createRevision), rev1);
    assert.equal(num(p2.prevKv?.modRevision), rev1);
    assert.equal(num(p2.prevKv?.version), 1);

    for (const k of ['a/1', 'a/2', 'a/3']) await unary(kv, kvService.Put, { key: b(k), value: b(`val-${k}`) });
    const r = await unary(kv, kvService.Range, {
      key: b('a/'), rangeEnd: b('a0'), limit: 2,
      sortOrder: pb.RangeRequest.SortOrder.DESCEND, sortTarget: pb.RangeRequest.SortTarget.KEY,
    });
    checkHeader(r.header);
    assert.deepEqual(r.kvs.map((x) => str(x.key)), ['a/3', 'a/2']);
    assert.deepEqual(r.kvs.map((x) => str(x.value)), ['val-a/3', 'val-a/2']);
    assert.equal(r.more, true);
    assert.equal(num(r.count), 3);
    const headRev = num(r.header?.revision);
    assert.equal(headRev, rev1 + 4);
    assert.equal(num(r.kvs[0]?.createRevision), headRev);
    assert.equal(num(r.kvs[0]?.version), 1);

    // etcdctl's JSON of the same range agrees with our decoding.
    const ctl = JSON.parse(etcdctl('get', 'a/', '--prefix')) as { kvs: { key: string; create_revision: number; mod_revision: number; version: number; value: string }[] };
    const all = await unary(kv, kvService.Range, { key: b('a/'), rangeEnd: b('a0') });
    assert.deepEqual(
      all.kvs.map((x) => ({ key: b64(x.key), create_revision: num(x.createRevision), mod_revision: num(x.modRevision), version: num(x.version), value: b64(x.value) })),
      ctl.kvs,
    );

    const counted = await unary(kv, kvService.Range, { key: b('a/'), rangeEnd: b('a0'), countOnly: true });
    assert.equal(counted.kvs.length, 0);
    assert.equal(num(counted.count), 3);
    const keysOnly = await unary(kv, kvService.Range, { key: b('a/'), rangeEnd: b('a0'), keysOnly: true, minCreateRevision: headRev - 1 });
    assert.deepEqual(keysOnly.kvs.map((x) => [str(x.key), x.value?.length ?? 0]), [['a/2', 0], ['a/3', 0]]);
    const old = await unary(kv, kvService.Range, { key: b('k1'), revision: rev1 });
    assert.equal(str(old.kvs[0]?.value), 'v1');

    const d = await unary(kv, kvService.DeleteRange, { key: b('a/1'), prevKv: true });
    checkHeader(d.header);
    assert.equal(num(d.deleted), 1);
    assert.deepEqual(d.prevKvs.map((x) => [str(x.key), str(x.value)]), [['a/1', 'val-a/1']]);
    assert.equal(num(d.header?.revision), headRev + 1);
  });

  test('Txn: compare, then success or failure ops including a nested txn', async () => {
    await unary(kv, kvService.Put, { key: b('t/x'), value: b('1') });
    const ok = await unary(kv, kvService.Txn, {
      compare: [{ key: b('t/x'), target: pb.Compare.CompareTarget.VALUE, result: pb.Compare.CompareResult.EQUAL, value: b('1') }],
      success: [
        { requestRange: { key: b('t/x') } },
        { requestPut: { key: b('t/y'), value: b('2'), prevKv: true } },
        { requestTxn: { success: [{ requestRange: { key: b('t/'), rangeEnd: b('t0'), countOnly: true } }] } },
      ],
      failure: [{ requestPut: { key: b('t/never'), value: b('x') } }],
    });
    checkHeader(ok.header);
    assert.equal(ok.succeeded, true);
    assert.equal(ok.responses.length, 3);
    assert.equal(str(ok.responses[0]?.responseRange?.kvs?.[0]?.value), '1');
    assert.equal(num(ok.responses[1]?.responsePut?.header?.revision), num(ok.header?.revision));
    assert.equal(ok.responses[1]?.responsePut?.prevKv, null);
    const nested = ok.responses[2]?.responseTxn;
    assert.equal(nested?.succeeded, true);
    assert.equal(num(nested?.responses?.[0]?.responseRange?.count), 2);

    const bad = await unary(kv, kvService.Txn, {
      compare: [{ key: b('t/'), rangeEnd: b('t0'), target: pb.Compare.CompareTarget.MOD, result: pb.Compare.CompareResult.GREATER, modRevision: 1_000_000 }],
      success: [{ requestPut: { key: b('t/never'), value: b('x') } }],
      failure: [{ requestDeleteRange: { key: b('t/y'), prevKv: true } }],
    });
    assert.equal(bad.succeeded, false);
    assert.equal(num(bad.responses[0]?.responseDeleteRange?.deleted), 1);
    assert.equal(str(bad.responses[0]?.responseDeleteRange?.prevKvs?.[0]?.value), '2');
    const never = await unary(kv, kvService.Range, { key: b('t/never') });
    assert.equal(num(never.count), 0);
  });

  test('Compact, Hash, HashKV, Alarm, Defragment', async () => {
    const head = await unary(kv, kvService.Put, { key: b('c/1'), value: b('x') });
    const rev = num(head.header?.revision);
    const c = await unary(kv, kvService.Compact, { revision: rev - 1, physical: true });
    checkHeader(c.header);
    const err = await unaryError(kv, kvService.Range, { key: b('k1'), revision: rev - 2 });
    assert.equal(err.code, grpc.status.OUT_OF_RANGE);
    assert.match(err.details, /required revision has been compacted/);

    const h1 = await unary(maint, maintenanceService.Hash, {});
    const h2 = await unary(maint, maintenanceService.Hash, {});
    checkHeader(h1.header);
    assert.ok(h1.hash > 0);
    assert.equal(h1.hash, h2.hash);
    const hkv = await unary(maint, maintenanceService.HashKV, { revision: 0 });
    checkHeader(hkv.header);
    assert.equal(num(hkv.compactRevision), rev - 1);
    assert.ok(hkv.hash > 0);
    const ctlHash = etcdctl('endpoint', 'hashkv');
    assert.equal(jsonUint(ctlHash, 'hash'), BigInt(hkv.hash));

    const alarms = await unary(maint, maintenanceService.Alarm, { action: pb.AlarmRequest.AlarmAction.GET });
    assert.deepEqual(alarms.alarms, []);
    const defrag = await unary(maint, maintenanceService.Defragment, {});
    // etcd 3.4 sends Alarm and Defragment responses without a header (3.5 adds one).
    assert.equal(alarms.header, null);
    assert.equal(defrag.header, null);
  });

  test('Lease: grant, time-to-live with keys, list, one keep-alive round, revoke', async () => {
    const g = await unary(lease, leaseService.LeaseGrant, { TTL: 60 });
    checkHeader(g.header);
    assert.equal(num(g.TTL), 60);
    assert.equal(g.error, '');
    const id = g.ID;
    assert.ok(toUint64(id) !== 0n);
    await unary(kv, kvService.Put, { key: b('l/1'), value: b('x'), lease: id });
    const attached = await unary(kv, kvService.Range, { key: b('l/1') });
    assert.equal(String(attached.kvs[0]?.lease), String(id));

    const ttl = await unary(lease, leaseService.LeaseTimeToLive, { ID: id, keys: true });
    checkHeader(ttl.header);
    assert.equal(String(ttl.ID), String(id));
    assert.equal(num(ttl.grantedTTL), 60);
    assert.ok(num(ttl.TTL) > 0 && num(ttl.TTL) <= 60);
    assert.deepEqual(ttl.keys.map(str), ['l/1']);

    const list = await unary(lease, leaseService.LeaseLeases, {});
    checkHeader(list.header);
    assert.ok(list.leases.some((l) => String(l.ID) === String(id)));

    const { stream, inbox } = bidi(lease, leaseService.LeaseKeepAlive);
    stream.write({ ID: id });
    const ka = await inbox.next();
    stream.end();
    checkHeader(ka.header);
    assert.equal(String(ka.ID), String(id));
    assert.equal(num(ka.TTL), 60);

    const rv = await unary(lease, leaseService.LeaseRevoke, { ID: id });
    checkHeader(rv.header);
    const gone = await unary(lease, leaseService.LeaseTimeToLive, { ID: id });
    assert.equal(num(gone.TTL), -1);
    const after = await unary(kv, kvService.Range, { key: b('l/1') });
    assert.equal(num(after.count), 0);
  });

  test('Watch: create with prev_kv and a filter, receive events, cancel', async () => {
    await unary(kv, kvService.Put, { key: b('w/1'), value: b('before') });
    const { stream, inbox } = bidi(watch, watchService.Watch);
    stream.write({
      createRequest: { key: b('w/'), rangeEnd: b('w0'), prevKv: true, filters: [pb.WatchCreateRequest.FilterType.NODELETE] },
    });
    const created = await inbox.next();
    checkHeader(created.header);
    assert.equal(created.created, true);
    const watchId = created.watchId;

    const put = await unary(kv, kvService.Put, { key: b('w/1'), value: b('after') });
    await unary(kv, kvService.DeleteRange, { key: b('w/1') }); // filtered out
    const put2 = await unary(kv, kvService.Put, { key: b('w/2'), value: b('new') });

    const e1 = await inbox.next();
    assert.equal(String(e1.watchId), String(watchId));
    assert.equal(e1.events.length, 1);
    const ev = e1.events[0];
    assert.equal(ev?.type, mvccpb.Event.EventType.PUT);
    assert.equal(str(ev?.kv?.value), 'after');
    assert.equal(num(ev?.kv?.modRevision), num(put.header?.revision));
    assert.equal(num(ev?.kv?.version), 2);
    assert.equal(str(ev?.prevKv?.value), 'before');
    // The delete in between was filtered: the next event is the second put, with no prev.
    const e2 = await inbox.next();
    assert.deepEqual(e2.events.map((x) => [x.type, str(x.kv?.key)]), [[mvccpb.Event.EventType.PUT, 'w/2']]);
    assert.equal(num(e2.events[0]?.kv?.createRevision), num(put2.header?.revision));
    assert.equal(e2.events[0]?.prevKv, null);

    stream.write({ cancelRequest: { watchId } });
    const cancelled = await inbox.next();
    assert.equal(cancelled.canceled, true);
    assert.equal(String(cancelled.watchId), String(watchId));
    stream.end();
  });

  test('Snapshot streams the backend in chunks, then its SHA-256', async () => {
    // Enough data that the backend spans several of etcd's 32 KiB snapshot chunks.
    const big = Buffer.alloc(20_000, 'z');
    for (let i = 0; i < 5; i++) await unary(kv, kvService.Put, { key: b(`s/${i}`), value: big });
    const messages = await serverStream(maint, maintenanceService.Snapshot, {}).inbox.drain();
    const sha = messages.at(-1);
    const data = messages.slice(0, -1);
    assert.ok(sha && data.length >= 3, `${messages.length} messages`);
    // etcd 3.4 leaves the header out of snapshot messages.
    assert.ok(messages.every((m) => m.header === null));
    const size = data.reduce((n, m) => n + m.blob.length, 0);
    let sent = 0;
    for (const m of data) {
      sent += m.blob.length;
      assert.equal(num(m.remainingBytes), size - sent);
    }
    assert.equal(num(sha.remainingBytes), 0);
    const body = Buffer.concat(data.map((m) => Buffer.from(m.blob)));
    assert.deepEqual(Buffer.from(sha.blob), createHash('sha256').update(body).digest());
  });

  test('Auth with auth disabled: users and roles, and Authenticate refused', async () => {
    const add = await unary(auth, authService.UserAdd, { name: 'alice', password: 'pw' });
    checkHeader(add.header);
    await unary(auth, authService.UserAdd, { name: 'bob', options: { noPassword: true } });
    await unary(auth, authService.RoleAdd, { name: 'reader' });
    await unary(auth, authService.UserGrantRole, { user: 'alice', role: 'reader' });
    const perm = { permType: 1, key: b('p/'), rangeEnd: b('p0') }; // WRITE
    await unary(auth, authService.RoleGrantPermission, { name: 'reader', perm });
    const user = await unary(auth, authService.UserGet, { name: 'alice' });
    checkHeader(user.header);
    assert.deepEqual(user.roles, ['reader']);
    const role = await unary(auth, authService.RoleGet, { role: 'reader' });
    assert.deepEqual(role.perm.map((p) => [p.permType, str(p.key), str(p.rangeEnd)]), [[1, 'p/', 'p0']]);
    assert.deepEqual((await unary(auth, authService.UserList, {})).users, ['alice', 'bob']);
    assert.deepEqual((await unary(auth, authService.RoleList, {})).roles, ['reader']);
    await unary(auth, authService.UserRevokeRole, { name: 'alice', role: 'reader' });
    assert.deepEqual((await unary(auth, authService.UserGet, { name: 'alice' })).roles, []);
    const err = await unaryError(auth, authService.Authenticate, { name: 'alice', password: 'pw' });
    assert.equal(err.code, grpc.status.FAILED_PRECONDITION);
    assert.equal(err.details, 'etcdserver: authentication is not enabled');
  });

  test('v3lock Lock/Unlock and v3election Campaign/Proclaim/Leader/Observe/Resign', async () => {
    const g = await unary(lease, leaseService.LeaseGrant, { TTL: 60 });
    const l = await unary(lock, lockService.Lock, { name: b('mylock'), lease: g.ID });
    checkHeader(l.header);
    assert.ok(str(l.key).startsWith('mylock/'));
    const held = await unary(kv, kvService.Range, { key: l.key });
    assert.equal(String(held.kvs[0]?.lease), String(g.ID));
    const u = await unary(lock, lockService.Unlock, { key: l.key });
    checkHeader(u.header);
    assert.equal(num((await unary(kv, kvService.Range, { key: l.key })).count), 0);

    const c = await unary(election, electionService.Campaign, { name: b('el'), lease: g.ID, value: b('v1') });
    checkHeader(c.header);
    const leader = c.leader;
    assert.ok(leader);
    assert.equal(str(leader.name), 'el');
    assert.ok(str(leader.key).startsWith('el/'));
    assert.equal(String(leader.lease), String(g.ID));
    const ld = await unary(election, electionService.Leader, { name: b('el') });
    assert.equal(str(ld.kv?.key), str(leader.key));
    assert.equal(str(ld.kv?.value), 'v1');
    assert.equal(num(ld.kv?.createRevision), num(leader.rev));

    const { stream, inbox } = serverStream(election, electionService.Observe, { name: b('el') });
    assert.equal(str((await inbox.next()).kv?.value), 'v1');
    const pr = await unary(election, electionService.Proclaim, { leader, value: b('v2') });
    checkHeader(pr.header);
    assert.equal(str((await inbox.next()).kv?.value), 'v2');
    stream.cancel();

    const rs = await unary(election, electionService.Resign, { leader });
    checkHeader(rs.header);
    const none = await unaryError(election, electionService.Leader, { name: b('el') });
    assert.match(none.details, /election: no leader/);
  });
});
