import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { EtcdServer, ServerError, type ServerConfig, clusterIdFor, memberIdFor } from '../../../server/src/etcdserver/index.js';
import { LeaseNotFoundError } from '../../../server/src/lease/index.js';
import { disableFailpoint, enableFailpoint } from '../../../server/src/util/index.js';
import { waitFor } from '../../support/wait-for.js';
import { memberConfig, withDir } from './helpers.js';
import { MemNetwork } from './mem-network.js';

const b = (s: string): Buffer => Buffer.from(s);
const text = (u: Uint8Array | undefined): string => Buffer.from(u ?? new Uint8Array(0)).toString();
const NAMES = ['m1', 'm2', 'm3'];
const urlOf = (name: string): string => `http://127.0.0.${NAMES.indexOf(name) + 1}:2380`;
const CLUSTER = new Map(NAMES.map((n) => [n, [urlOf(n)]]));

/** Snapshots every 20 entries keeping 5: a member briefly away needs a snapshot to catch up. */
const SNAPSHOTTING: Partial<ServerConfig> = { snapshotCount: 20, snapshotCatchUpEntries: 5 };

function configOf(dir: string, name: string, over: Partial<ServerConfig> = {}): ServerConfig {
  return memberConfig(join(dir, name), { name, peerUrls: [urlOf(name)], initialCluster: CLUSTER, initialClusterToken: 'mem-cluster', ...over });
}

/** The leader every running member agrees on (waits for agreement). */
async function agreedLeader(members: readonly EtcdServer[], not = 0n): Promise<bigint> {
  let leader = 0n;
  await waitFor(() => {
    const ls = members.map((m) => m.leaderId());
    leader = ls[0] ?? 0n;
    return leader !== 0n && leader !== not && ls.every((l) => l === leader);
  }, 'the members to agree on a leader');
  return leader;
}

async function valueOn(m: EtcdServer, key: string): Promise<string | undefined> {
  const r = await m.range({ key: b(key), serializable: true });
  return r.kvs[0] === undefined ? undefined : text(r.kvs[0].value);
}

async function eventually(m: EtcdServer, key: string, want: string, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  for (;;) {
    if ((await valueOn(m, key)) === want) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Runs fn with three fresh members over a new in-memory network; every member in `members` at
 * the end (a test may replace one it restarted) is stopped.
 */
async function withCluster(fn: (dir: string, net: MemNetwork, members: EtcdServer[]) => Promise<void>, over: Partial<ServerConfig> = {}): Promise<void> {
  await withDir(async (dir) => {
    const net = new MemNetwork();
    const members = await Promise.all(NAMES.map((n) => EtcdServer.start(configOf(dir, n, over), { transport: net.transport() })));
    try {
      await fn(dir, net, members);
    } finally {
      await Promise.all(members.map((m) => m.stop()));
    }
  });
}

describe('three members in one process over an in-memory network', () => {
  test('elect one leader, replicate writes from any member, serve linearizable reads on followers', () =>
    withCluster(async (_dir, net, members) => {
      const ids = NAMES.map((n) => memberIdFor([urlOf(n)], 'mem-cluster'));
      assert.deepEqual(members.map((m) => m.memberId), ids, 'member ids as etcd derives them');
      assert.ok(members.every((m) => m.clusterId === clusterIdFor(ids)));
      const leaderId = await agreedLeader(members);
      const leader = members.find((m) => m.memberId === leaderId) as EtcdServer;
      const followers = members.filter((m) => m !== leader);
      const p1 = await leader.put({ key: b('a'), value: b('from the leader') });
      const f0 = followers[0] as EtcdServer;
      const p2 = await f0.put({ key: b('b'), value: b('from a follower') });
      assert.equal(p2.header.revision, p1.header.revision + 1, 'one revision sequence, whoever proposed');
      // A linearizable read on the other follower sees both writes at once.
      const f1 = followers[1] as EtcdServer;
      const r = await f1.range({ key: b('a'), rangeEnd: b('c') });
      assert.deepEqual(r.kvs.map((kv) => text(kv.value)), ['from the leader', 'from a follower']);
      for (const m of members) await eventually(m, 'b', 'from a follower', `member ${m.memberId.toString(16)} to apply`);
      // Leases: granted through raft, kept alive on a follower (forwarded to the leader).
      const granted = await f1.leaseGrant(0n, 60);
      assert.equal(await f0.leaseRenew(granted.id), 60);
      await assert.rejects(f0.leaseRenew(0x4242n), LeaseNotFoundError);
      // Its time to live comes from the leader (a follower does not know when leases expire).
      await f1.put({ key: b('leased'), value: b('v'), lease: granted.id });
      const ttl = await f0.leaseTimeToLive(granted.id, true);
      assert.ok(ttl.ttl > 0 && ttl.ttl <= 60, `TTL ${ttl.ttl} as the leader counts it`);
      assert.deepEqual([ttl.grantedTtl, ttl.keys.map(text)], [60, ['leased']]);
      assert.equal((await f0.leaseTimeToLive(0x4242n, false)).ttl, -1);
      // MoveLeader: only the leader may, and only to a voter; the cluster then follows the transferee.
      await assert.rejects(f0.moveLeader(f1.memberId), new ServerError('notLeader'));
      await assert.rejects(leader.moveLeader(0x999n), new ServerError('badLeaderTransferee'));
      await leader.moveLeader(f0.memberId);
      assert.equal(await agreedLeader(members, leaderId), f0.memberId);
      const list = await f1.memberList(true);
      assert.deepEqual(list.map((m) => m.name).sort(), NAMES);
      assert.ok(net.delivered > 0);
    }));

  test('an isolated leader is replaced; writes go on; healed, it follows and converges', () =>
    withCluster(async (_dir, net, members) => {
      const first = await agreedLeader(members);
      const old = members.find((m) => m.memberId === first) as EtcdServer;
      const rest = members.filter((m) => m !== old);
      await old.put({ key: b('k'), value: b('before') });
      net.isolate(first);
      // A linearizable read on the cut-off leader cannot be confirmed; when it steps down
      // (check-quorum), the read fails as etcd's does.
      await assert.rejects(old.range({ key: b('k') }), new ServerError('leaderChanged'));
      const second = await agreedLeader(rest, first);
      assert.ok(rest.some((m) => m.memberId === second), 'the majority elected one of its own');
      const now = members.find((m) => m.memberId === second) as EtcdServer;
      await now.put({ key: b('k'), value: b('during') });
      net.heal(first);
      await agreedLeader(members);
      await eventually(old, 'k', 'during', 'the old leader to catch up');
      assert.notEqual(old.leaderId(), first, 'the old leader came back as a follower');
    }));

  test('a write that never reached raft for want of a leader fails as etcd\'s does and is never proposed later', () =>
    withDir(async (dir) => {
      const net = new MemNetwork();
      const alone = await EtcdServer.start(configOf(dir, 'm1'), { transport: net.transport() });
      const members = [alone];
      try {
        await assert.rejects(alone.put({ key: b('lost'), value: b('x') }), new ServerError('deadlineExceeded'));
        for (const n of ['m2', 'm3']) members.push(await EtcdServer.start(configOf(dir, n), { transport: net.transport() }));
        await agreedLeader(members);
        await alone.put({ key: b('after'), value: b('y') });
        for (const m of members) {
          await eventually(m, 'after', 'y', 'the write after the election everywhere');
          assert.equal(await valueOn(m, 'lost'), undefined);
        }
      } finally {
        await Promise.all(members.map((m) => m.stop()));
      }
    }));

  test('a follower stopped and restarted catches up with what it missed', () =>
    withCluster(async (dir, net, members) => {
      const leaderId = await agreedLeader(members);
      const i = members.findIndex((m) => m.memberId !== leaderId);
      const follower = members[i] as EtcdServer;
      const leader = members.find((m) => m.memberId === leaderId) as EtcdServer;
      await follower.stop();
      for (let k = 0; k < 20; k++) await leader.put({ key: b('n'), value: b(String(k)) });
      const again = await EtcdServer.start(configOf(dir, NAMES[i] as string), { transport: net.transport() });
      members[i] = again;
      await eventually(again, 'n', '19', 'the restarted follower to catch up');
      assert.equal(again.header().revision, leader.header().revision);
    }));

  test('a follower restarted after the log was compacted past it catches up through a snapshot', () =>
    withCluster(async (dir, net, members) => {
      const cfg = (name: string): ServerConfig => configOf(dir, name, SNAPSHOTTING);
      const leaderId = await agreedLeader(members);
      const i = members.findIndex((m) => m.memberId !== leaderId);
      const leader = members.find((m) => m.memberId === leaderId) as EtcdServer;
      await leader.put({ key: b('before'), value: b('x') });
      await eventually(members[i] as EtcdServer, 'before', 'x', 'the follower to have the first write');
      await (members[i] as EtcdServer).stop();
      // While it is away: puts, a lease with a key, deletes, a compaction, an alarm-free history
      // long enough (> snapshotCount + catch-up entries) that the leader's log no longer has it.
      const lease = await leader.leaseGrant(0n, 300);
      await leader.put({ key: b('leased'), value: b('l'), lease: lease.id });
      for (let k = 0; k < 60; k++) await leader.put({ key: b(`k${k % 7}`), value: b(String(k)) });
      await leader.deleteRange({ key: b('k3') });
      await leader.compact(leader.header().revision - 10, true);
      const again = await EtcdServer.start(cfg(NAMES[i] as string), { transport: net.transport() });
      members[i] = again;
      await eventually(again, 'k5', '54', 'the restarted follower to catch up');
      assert.ok(net.snapshotsDelivered >= 1, 'it caught up through a snapshot');
      await waitFor(() => again.header().revision === leader.header().revision, 'the same revision');
      const all = async (m: EtcdServer): Promise<string> =>
        JSON.stringify((await m.range({ key: b('\0'), rangeEnd: b('\0'), serializable: true })).kvs.map((kv) => [text(kv.key), text(kv.value), kv.modRevision, kv.lease.toString()]));
      assert.equal(await all(again), await all(leader));
      assert.deepEqual(await again.hashKV(0), await leader.hashKV(0));
      assert.equal((await again.leaseTimeToLive(lease.id, true)).keys.map(text).join(), 'leased');
      await assert.rejects(again.range({ key: b('k1'), revision: leader.header().revision - 12, serializable: true }), /compacted/);
      // It goes on replicating after the snapshot, and restarts from it.
      await leader.put({ key: b('after'), value: b('y') });
      await eventually(again, 'after', 'y', 'the next write on the follower');
      await again.stop();
      const third = await EtcdServer.start(cfg(NAMES[i] as string), { transport: net.transport() });
      members[i] = third;
      assert.equal(await valueOn(third, 'after'), 'y');
      assert.equal(await all(third), await all(leader));
    }, SNAPSHOTTING));

  test('a running follower cut off past the log installs a snapshot on healing; its watchers miss nothing', () =>
    withCluster(async (_dir, net, members) => {
      const leaderId = await agreedLeader(members);
      const follower = members.find((m) => m.memberId !== leaderId) as EtcdServer;
      const leader = members.find((m) => m.memberId === leaderId) as EtcdServer;
      await leader.put({ key: b('k0'), value: b('0') });
      await eventually(follower, 'k0', '0', 'the follower to have the first write');
      const from = follower.header().revision + 1;
      const stream = follower.newWatchStream();
      stream.watch({ key: b('k'), end: b('l'), prevKv: true });
      net.isolate(follower.memberId);
      for (let k = 1; k <= 60; k++) await leader.put({ key: b(`k${k % 4}`), value: b(String(k)) });
      const before = net.snapshotsDelivered;
      net.heal(follower.memberId);
      await eventually(follower, 'k0', '60', 'the follower to catch up');
      assert.ok(net.snapshotsDelivered > before, 'through a snapshot');
      // Every revision the follower missed reaches its watcher, in order, with prev_kv.
      const seen: number[] = [];
      while (seen.length < 60) {
        const r = await stream.next();
        assert.ok(r !== undefined, 'the stream stays open');
        for (const e of r.events) {
          seen.push(e.kv.modRevision);
          const v = Number(text(e.kv.value));
          assert.equal(e.prevKv === undefined ? undefined : text(e.prevKv.value), v > 4 ? String(v - 4) : v === 4 ? '0' : undefined);
        }
      }
      assert.deepEqual(seen, Array.from({ length: 60 }, (_, i) => from + i));
      stream.close();
    }, SNAPSHOTTING));

  test('a member stopped between saving a snapshot and installing its database installs it when it restarts', () =>
    withCluster(async (dir, net, members) => {
      const cfg = (name: string): ServerConfig => configOf(dir, name, SNAPSHOTTING);
      const leaderId = await agreedLeader(members);
      const i = members.findIndex((m) => m.memberId !== leaderId);
      const leader = members.find((m) => m.memberId === leaderId) as EtcdServer;
      await (members[i] as EtcdServer).stop();
      for (let k = 0; k < 60; k++) await leader.put({ key: b('n'), value: b(String(k)) });
      enableFailpoint('raftBeforeInstallSnapshot', 'throw');
      let crashed: EtcdServer;
      try {
        crashed = await EtcdServer.start(cfg(NAMES[i] as string), { transport: net.transport() });
        members[i] = crashed;
        assert.match((await crashed.whenStopped()) ?? '', /failpoint raftBeforeInstallSnapshot/);
        await crashed.stop();
      } finally {
        disableFailpoint('raftBeforeInstallSnapshot');
      }
      // Cut off from the others, it can only have the data from the database it saved.
      net.isolate(crashed.memberId);
      const again = await EtcdServer.start(cfg(NAMES[i] as string), { transport: net.transport() });
      members[i] = again;
      assert.equal(await valueOn(again, 'n'), '59');
      net.heal(again.memberId);
      await leader.put({ key: b('n'), value: b('60') });
      await eventually(again, 'n', '60', 'the member to follow again');
    }, SNAPSHOTTING));

  test('membership changes through raft: add a learner, refuse its promotion, update, remove; every member agrees', () =>
    withCluster(async (dir, net, members) => {
      const leaderId = await agreedLeader(members);
      const follower = members.find((m) => m.memberId !== leaderId) as EtcdServer;
      // Proposed on a follower: raft forwards the change to the leader.
      const added = await follower.memberAdd(['http://127.0.0.9:2380'], true);
      const id = added.member?.id ?? 0n;
      assert.equal(added.member?.isLearner, true);
      for (const m of members) {
        await waitFor(() => m.membersNow().some((x) => x.id === id), `member ${m.memberId.toString(16)} to know the learner`);
      }
      await assert.rejects(follower.memberAdd(['http://127.0.0.9:2380'], false), new ServerError('peerUrlExist'));
      await assert.rejects(follower.memberAdd(['not a url'], false), new ServerError('memberBadUrls'));
      await assert.rejects(follower.memberAdd(['http://127.0.0.8:2380'], true), new ServerError('tooManyLearners'));
      const leader = members.find((m) => m.memberId === leaderId) as EtcdServer;
      await assert.rejects(leader.memberPromote(id), new ServerError('learnerNotReady'), 'a learner that never started holds nothing');
      await assert.rejects(leader.memberPromote(leaderId), new ServerError('memberNotLearner'));
      // Asked of a follower, the promotion is decided by the leader, whose refusal comes back.
      await assert.rejects(follower.memberPromote(id), new ServerError('learnerNotReady'), 'forwarded and refused by the leader');
      await assert.rejects(follower.memberPromote(0x77n), new ServerError('memberNotFound'));
      const updated = await leader.memberUpdate(id, ['http://127.0.0.10:2380']);
      assert.deepEqual(updated.member?.peerUrls, ['http://127.0.0.10:2380']);
      const removed = await leader.memberRemove(id);
      assert.equal(removed.members.length, 3);
      for (const m of members) await waitFor(() => !m.membersNow().some((x) => x.id === id), 'every member to drop it');
      await assert.rejects(leader.memberRemove(id), new ServerError('memberNotFound'));
      // A restart replays the changes (and the refused ones) into the same configuration.
      const i = members.indexOf(follower);
      await follower.stop();
      members[i] = await EtcdServer.start(configOf(dir, NAMES[i] as string), { transport: net.transport() });
      await leader.put({ key: b('after'), value: b('changes') });
      await eventually(members[i] as EtcdServer, 'after', 'changes', 'the restarted member to follow');
      assert.equal((members[i] as EtcdServer).membersNow().length, 3);
    }));
});
