import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { SNAPSHOT_CHUNK_BYTES } from '../../../server/src/api/index.js';
import { Status } from '../../../server/src/api/grpc/index.js';
import { verifySnapshotDigest } from '../../../server/src/backend/index.js';
import { ServerError } from '../../../server/src/etcdserver/errors.js';
import { clusterService, kvService, maintenanceService } from '../../../server/src/pb/index.js';
import { toSafeNumber, toUint64 } from '../../../server/src/util/index.js';
import { serverStream, unary, unaryError } from '../pb/grpc-calls.js';
import { CLUSTER_ID, MEMBER_ID, RAFT_TERM, TEST_VERSION, withApi } from './fixture.js';

const b = (s: string): Buffer => Buffer.from(s);
const n = (v: unknown): number => toSafeNumber(v as number, 'field');

describe('Maintenance and Cluster services', () => {
  test('status: version, sizes, leader, raft fields, header; "no leader" and alarms in errors', () =>
    withApi(async (f) => {
      const m = f.client(maintenanceService, 'Maintenance');
      await unary(f.client(kvService, 'KV'), kvService.Put, { key: b('a'), value: b('1') });
      const s = await unary(m, maintenanceService.Status, {});
      assert.equal(s.version, TEST_VERSION);
      assert.ok(n(s.dbSize) > 0);
      assert.ok(n(s.dbSizeInUse) > 0);
      assert.equal(toUint64(s.leader), MEMBER_ID);
      assert.equal(n(s.raftIndex), 42);
      assert.equal(n(s.raftTerm), RAFT_TERM);
      assert.equal(n(s.raftAppliedIndex), 42);
      assert.equal(n(s.header?.revision), 2);
      assert.equal(toUint64(s.header?.clusterId), CLUSTER_ID);
      assert.deepEqual(s.errors, []);
      f.member.leader = false;
      await unary(m, maintenanceService.Alarm, { action: 1, memberID: 5, alarm: 1 });
      const s2 = await unary(m, maintenanceService.Status, {});
      assert.deepEqual(s2.errors, ['etcdserver: no leader', 'memberID:5 alarm:NOSPACE']);
      assert.equal(n(s2.leader), 0);
    }));

  test('alarm: activate, get, deactivate; responses have no header', () =>
    withApi(async (f) => {
      const m = f.client(maintenanceService, 'Maintenance');
      const act = await unary(m, maintenanceService.Alarm, { action: 1, memberID: 7, alarm: 2 });
      assert.deepEqual(act.alarms.map((a) => [n(a.memberID), a.alarm]), [[7, 2]]);
      assert.equal(act.header, null);
      const get = await unary(m, maintenanceService.Alarm, { action: 0 });
      assert.deepEqual(get.alarms.map((a) => [n(a.memberID), a.alarm]), [[7, 2]]);
      const deact = await unary(m, maintenanceService.Alarm, { action: 2, memberID: 7, alarm: 2 });
      assert.equal(deact.alarms.length, 1);
      assert.equal((await unary(m, maintenanceService.Alarm, {})).alarms.length, 0);
      assert.equal((await unary(m, maintenanceService.Alarm, { action: 9 as never })).alarms.length, 0);
    }));

  test('hash and hashKV match the store; defragment and move-leader answer without header', () =>
    withApi(async (f) => {
      const m = f.client(maintenanceService, 'Maintenance');
      for (let i = 0; i < 5; i++) await unary(f.client(kvService, 'KV'), kvService.Put, { key: b(`k${i % 2}`), value: b(`${i}`) });
      const h = await unary(m, maintenanceService.Hash, {});
      assert.equal(h.hash, f.member.store.kv.hash().hash);
      assert.equal(n(h.header?.revision), 6);
      const hk = await unary(m, maintenanceService.HashKV, { revision: 4 });
      // etcd reports compact revision -1 until the first compaction.
      assert.equal(n(hk.compactRevision), -1);
      assert.equal(hk.hash, f.member.store.kv.hashKV(4).hash);
      assert.notEqual(hk.hash, f.member.store.kv.hashKV(6).hash);
      await unary(f.client(kvService, 'KV'), kvService.Compact, { revision: 3, physical: true });
      const hk2 = await unary(m, maintenanceService.HashKV, { revision: 0 });
      assert.equal(n(hk2.compactRevision), 3);
      const old = await unaryError(m, maintenanceService.HashKV, { revision: 2 });
      assert.equal(old.code, Status.OUT_OF_RANGE);
      const d = await unary(m, maintenanceService.Defragment, {});
      assert.equal(d.header, null);
      const ml = await unary(m, maintenanceService.MoveLeader, { targetID: MEMBER_ID.toString() as never });
      assert.equal(ml.header, null);
      const bad = await unaryError(m, maintenanceService.MoveLeader, { targetID: 3 });
      assert.equal(bad.code, Status.FAILED_PRECONDITION);
      assert.equal(bad.details, 'etcdserver: bad leader transferee');
    }));

  test('snapshot: 32 KiB chunks counting remaining bytes down to 0, then the SHA-256 with remaining 0', () =>
    withApi(async (f) => {
      const value = Buffer.alloc(1000, 7);
      for (let i = 0; i < 200; i++) f.member.ops.put({ key: b(`snap-${i}`), value });
      const m = f.client(maintenanceService, 'Maintenance');
      const { inbox } = serverStream(m, maintenanceService.Snapshot, {});
      const msgs = await inbox.drain();
      const data = msgs.slice(0, -1);
      const trailer = msgs[msgs.length - 1]!;
      const db = Buffer.concat(data.map((x) => x.blob));
      assert.ok(db.byteLength > 200_000);
      let left = db.byteLength;
      for (const [i, x] of data.entries()) {
        assert.equal(x.blob.byteLength, i < data.length - 1 ? SNAPSHOT_CHUNK_BYTES : x.blob.byteLength);
        left -= x.blob.byteLength;
        assert.equal(n(x.remainingBytes), left);
        assert.equal(x.header, null);
      }
      assert.equal(left, 0);
      assert.equal(n(trailer.remainingBytes), 0);
      assert.deepEqual(Buffer.from(trailer.blob), createHash('sha256').update(db).digest());
      assert.deepEqual(await verifySnapshotDigest(Buffer.concat([db, trailer.blob])), { dbSize: db.byteLength });
    }));

  test('snapshot errors end the stream with etcd status', () =>
    withApi(async (f) => {
      f.member.failWith = new ServerError('stopped');
      const { inbox } = serverStream(f.client(maintenanceService, 'Maintenance'), maintenanceService.Snapshot, {});
      await assert.rejects(inbox.drain(), (e: { code: number; details: string }) => e.code === Status.UNAVAILABLE && e.details === 'etcdserver: server stopped');
    }));

  test('member list: header without revision; membership changes UNIMPLEMENTED', () =>
    withApi(async (f) => {
      const c = f.client(clusterService, 'Cluster');
      await unary(f.client(kvService, 'KV'), kvService.Put, { key: b('a'), value: b('1') });
      const l = await unary(c, clusterService.MemberList, {});
      assert.equal(l.members.length, 1);
      assert.equal(toUint64(l.members[0]!.ID), MEMBER_ID);
      assert.equal(l.members[0]!.name, 'm1');
      assert.deepEqual(l.members[0]!.clientURLs, ['http://127.0.0.1:2379']);
      assert.equal(n(l.header?.revision), 0);
      assert.equal(n(l.header?.raftTerm), RAFT_TERM);
      assert.equal(toUint64(l.header?.memberId), MEMBER_ID);
      // Membership changes reach the member and answer as etcd's ClusterServer does.
      const added = await unary(c, clusterService.MemberAdd, { peerURLs: ['http://x:2380'], isLearner: true });
      assert.deepEqual(added.member?.peerURLs, ['http://x:2380']);
      assert.equal(added.member?.isLearner, true);
      assert.equal(added.members.length, 2);
      assert.equal(n(added.header?.revision), 0);
      const id = added.member?.ID ?? 0;
      const promoted = await unary(c, clusterService.MemberPromote, { ID: id });
      assert.equal(promoted.members.find((m) => toUint64(m.ID) === toUint64(id))?.isLearner, false);
      const again = await unaryError(c, clusterService.MemberPromote, { ID: id });
      assert.equal(again.code, Status.FAILED_PRECONDITION);
      assert.equal(again.details, 'etcdserver: can only promote a learner member');
      const updated = await unary(c, clusterService.MemberUpdate, { ID: id, peerURLs: ['http://y:2380'] });
      assert.deepEqual(updated.members.find((m) => toUint64(m.ID) === toUint64(id))?.peerURLs, ['http://y:2380']);
      const removed = await unary(c, clusterService.MemberRemove, { ID: id });
      assert.equal(removed.members.length, 1);
      const gone = await unaryError(c, clusterService.MemberRemove, { ID: id });
      assert.equal(gone.code, Status.NOT_FOUND);
      assert.equal(gone.details, 'etcdserver: member not found');
    }));
});
