// Network partitions of real Cairn clusters: every member's peer listener sits behind a
// PeerProxy, so a test can cut members off (both ways) without touching the processes, and the
// real etcdctl shows what clients see on either side. What is asserted is what raft and etcd
// guarantee: the side with a quorum elects a leader and commits; the other side commits nothing
// (its puts time out and are never applied anywhere, even after the heal); a leader cut off
// from its quorum steps down (checkQuorum); after the heal everyone converges.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CtlResult, etcdctl } from './cluster-process.js';
import { ClusterMember, agreedHashKV, agreedLeader, initialCluster, memberIdOf, memberSpecs, parseIds, until } from './cluster-harness.js';
import { PeerNetwork } from './peer-network.js';

/**
 * Long enough for the member to answer first: Cairn, like etcd, gives up on a request after
 * 5 s + 2 election timeouts (6 s here), and says why.
 */
const COMMAND_TIMEOUT = '--command-timeout=10s';
/**
 * What etcdctl prints last for a put the member could not commit: etcd's "request timed out"
 * when the proposal reached raft (a leader was known and the proposal went to it), or Go's
 * bare context error when it never did (no leader all along), as etcd answers each case.
 */
const PUT_TIMED_OUT = /^Error: (etcdserver: request timed out|rpc error: code = Unknown desc = context deadline exceeded)\n$/m;

/** etcdctl on one member, whatever the outcome. */
function ctlOn(m: ClusterMember, args: readonly string[]): Promise<CtlResult> {
  return etcdctl([`--endpoints=${m.endpoint}`, COMMAND_TIMEOUT, ...args]);
}

/** The leader a member reports ('0' when it knows none). */
async function reportedLeader(m: ClusterMember): Promise<string> {
  const s = parseIds<Array<{ Status: { leader?: string } }>>(await m.ctl(['endpoint', 'status', '-w', 'json']));
  return s[0]?.Status.leader ?? '0';
}

/** A member's local (serializable) value of a key; '' when absent. */
async function localValue(m: ClusterMember, key: string): Promise<string> {
  return m.ctl(['get', key, '--print-value-only', '--consistency=s']);
}

/** Waits until the member serves `value` for `key` from its own state. */
function untilLocal(m: ClusterMember, key: string, value: string): Promise<true> {
  return until(`${m.spec.name} to serve ${key}=${value}`, async () => ((await localValue(m, key)) === `${value}\n` ? true : undefined));
}

/** A put that failed on the cut-off side was never applied anywhere (asked once all agree on HashKV). */
async function assertAbsentEverywhere(members: readonly ClusterMember[], key: string): Promise<void> {
  await agreedHashKV(members);
  for (const m of members) assert.equal(await localValue(m, key), '', `${key} is on ${m.spec.name}`);
}

/** A cluster of `count` members behind one proxy each. */
class ProxiedCluster {
  readonly members: ClusterMember[] = [];
  ids: string[] = [];
  net: PeerNetwork | undefined;

  constructor(private readonly work: string) {}

  async start(count: number, prefix: string): Promise<void> {
    const net = await PeerNetwork.start(await memberSpecs(count, 1, prefix));
    this.net = net;
    for (const s of net.specs) this.members.push(new ClusterMember(s, path.join(this.work, s.name), { initialCluster: initialCluster(net.specs) }));
    for (const m of this.members) m.start();
    await agreedLeader(this.members);
    this.ids = await Promise.all(this.members.map(memberIdOf));
  }

  get network(): PeerNetwork {
    if (this.net === undefined) throw new Error('cluster not started');
    return this.net;
  }

  byId(id: string): ClusterMember {
    const m = this.members[this.ids.indexOf(id)];
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  idOf(m: ClusterMember): string {
    return this.ids[this.members.indexOf(m)] ?? '';
  }

  /** Stops everything; with CAIRN_E2E_LOGS=<dir> set, keeps each member's stderr there. */
  async stop(): Promise<void> {
    for (const m of this.members) await m.kill();
    await this.net?.close();
    const keep = process.env['CAIRN_E2E_LOGS'];
    if (keep === undefined) return;
    fs.mkdirSync(keep, { recursive: true });
    for (const m of this.members) fs.writeFileSync(path.join(keep, `${m.spec.name}.log`), m.log);
  }
}

describe('partitions of a 3-member cluster', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-e2e-partition-'));
  const c = new ProxiedCluster(work);
  before(() => c.start(3, 'p'));
  after(async () => {
    await c.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('an isolated follower cannot write or read linearizably, serves stale data, and converges after the heal', async () => {
    const leaderId = await agreedLeader(c.members);
    const follower = c.members.find((m) => c.idOf(m) !== leaderId) as ClusterMember;
    const rest = c.members.filter((m) => m !== follower);
    await c.byId(leaderId).ctl(['put', 'before', '1']);
    await untilLocal(follower, 'before', '1');

    c.network.isolate(c.idOf(follower));
    const put = ctlOn(follower, ['put', 'lost-on-follower', 'x']);
    const linearizable = ctlOn(follower, ['get', 'before']);
    // The majority keeps a leader (not the isolated member) and commits.
    assert.notEqual(await agreedLeader(rest), c.idOf(follower));
    await rest[0]?.ctl(['put', 'during', '2']);
    assert.equal(await rest[1]?.ctl(['get', 'during', '--print-value-only']), '2\n');
    // A serializable read answers from the isolated member's own, stale, state.
    assert.equal(await localValue(follower, 'before'), '1\n');
    assert.equal(await localValue(follower, 'during'), '', 'the isolated member cannot have the majority\'s write');

    const [p, g] = await Promise.all([put, linearizable]);
    assert.notEqual(p.code, 0, `put on the isolated follower: ${p.stdout}`);
    assert.match(p.stderr, PUT_TIMED_OUT);
    assert.notEqual(g.code, 0, `linearizable get on the isolated follower: ${g.stdout}`);
    // The member answers "request timed out" (gRPC Unavailable); etcdctl retries a read until its own deadline.
    assert.match(g.stderr, /"error":"rpc error: code = Unavailable desc = etcdserver: request timed out"/);
    assert.match(g.stderr, /^Error: context deadline exceeded\n$/m);

    c.network.heal();
    await untilLocal(follower, 'during', '2');
    assert.equal(await follower.ctl(['get', 'during', '--print-value-only']), '2\n', 'a linearizable read there works again');
    await agreedLeader(c.members);
    await assertAbsentEverywhere(c.members, 'lost-on-follower');
  });

  test('an isolated leader steps down, the others elect a new one, and it follows after the heal', async () => {
    const leaderId = await agreedLeader(c.members);
    const old = c.byId(leaderId);
    const rest = c.members.filter((m) => m !== old);

    c.network.isolate(leaderId);
    const put = ctlOn(old, ['put', 'lost-on-old-leader', 'x']);
    // checkQuorum: without word from a quorum for an election timeout, the leader steps down.
    await until('the old leader to step down', async () => ((await reportedLeader(old)) === '0' ? true : undefined));
    const status = await old.ctl(['endpoint', 'status', '-w', 'json']);
    assert.match(status, /"errors":\["etcdserver: no leader"\]/);
    const second = await agreedLeader(rest, leaderId);
    assert.notEqual(second, leaderId);
    await rest[0]?.ctl(['put', 'after', '3']);
    assert.equal(await rest[1]?.ctl(['get', 'after', '--print-value-only']), '3\n');
    const p = await put;
    assert.notEqual(p.code, 0, `put on the isolated old leader: ${p.stdout}`);
    assert.match(p.stderr, PUT_TIMED_OUT);
    assert.equal(await reportedLeader(old), '0', 'still cut off: still no leader');

    c.network.heal();
    await untilLocal(old, 'after', '3');
    const leader = await agreedLeader(c.members);
    assert.equal(await reportedLeader(old), leader, 'the old leader follows the leader everyone agrees on');
    await assertAbsentEverywhere(c.members, 'lost-on-old-leader');
  });
});

describe('a 5-member cluster split 2 | 3', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-e2e-partition5-'));
  const c = new ProxiedCluster(work);
  before(() => c.start(5, 'q'));
  after(async () => {
    await c.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('the 3 side elects and commits, the 2 side (with the old leader) cannot; after the heal all converge', async () => {
    const leaderId = await agreedLeader(c.members);
    const old = c.byId(leaderId);
    const minority = [old, c.members.find((m) => m !== old) as ClusterMember];
    const majority = c.members.filter((m) => !minority.includes(m));
    c.network.partition([minority.map((m) => c.idOf(m)), majority.map((m) => c.idOf(m))]);

    const puts = minority.map((m, i) => ctlOn(m, ['put', `lost-${i}`, 'x']));
    const second = await agreedLeader(majority, leaderId);
    assert.ok(majority.map((m) => c.idOf(m)).includes(second), 'the new leader is on the 3 side');
    for (let i = 0; i < 5; i++) await (majority[i % 3] as ClusterMember).ctl(['put', `k${i}`, `v${i}`]);
    assert.equal(await majority[2]?.ctl(['get', 'k4', '--print-value-only']), 'v4\n');
    await until('the 2 side to know no leader', async () => ((await Promise.all(minority.map(reportedLeader))).every((l) => l === '0') ? true : undefined));
    for (const p of await Promise.all(puts)) {
      assert.notEqual(p.code, 0, `put on the 2 side: ${p.stdout}`);
      assert.match(p.stderr, PUT_TIMED_OUT);
    }
    for (const m of minority) assert.equal(await localValue(m, 'k4'), '');

    c.network.heal();
    for (const m of minority) await untilLocal(m, 'k4', 'v4');
    await agreedLeader(c.members);
    await assertAbsentEverywhere(c.members, 'lost-0');
    await assertAbsentEverywhere(c.members, 'lost-1');
  });
});
