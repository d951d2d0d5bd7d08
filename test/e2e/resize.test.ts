// A cluster of real processes resized 1 → 3 → 5 → 3 with etcdctl's member commands while a
// writer keeps writing: members join with --initial-cluster-state existing, learners are
// promoted once in sync, a member's peer URL is updated, members are removed (and exit), and
// a member whose data dir is wiped is removed, re-added and catches up from nothing through a
// snapshot. No acknowledged write is lost; every member's HashKV agrees at the end.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { etcdctl, freePort } from './cluster-process.js';
import { ClusterMember, type MemberSpec, agreedHashKV, agreedLeader, memberIdOf, memberSpecs, until } from './cluster-harness.js';

/** Small snapshots and catch-up logs, so a member that joins late must be sent a snapshot. */
const SNAPSHOTS = ['--snapshot-count', '100', '--experimental-snapshot-catchup-entries', '20'];

/** Writes w/<n> = n one after another until stopped, through whichever members are listed. */
class Writer {
  readonly acked: number[] = [];
  failed = 0;
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(private readonly endpoints: () => string[]) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    for (let n = 0; !this.stopped; n++) {
      const r = await etcdctl([`--endpoints=${this.endpoints().join(',')}`, '--command-timeout=5s', 'put', `w/${n}`, String(n)]);
      if (r.code === 0) this.acked.push(n);
      else this.failed++;
    }
  }

  /** Waits until at least `more` further writes were acknowledged. */
  async progress(more = 5): Promise<void> {
    const want = this.acked.length + more;
    await until(`${more} more acknowledged writes`, async () => (this.acked.length >= want ? true : undefined), 60_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

/** The lines etcdctl member add prints for the new member: ETCD_INITIAL_CLUSTER and the state. */
function joinSettings(out: string): { id: string; initialCluster: string } {
  const id = /^Member +([0-9a-f]+) added to cluster +[0-9a-f]+$/m.exec(out)?.[1];
  const initialCluster = /^ETCD_INITIAL_CLUSTER="([^"]*)"$/m.exec(out)?.[1];
  assert.ok(id !== undefined && initialCluster !== undefined, `member add output:\n${out}`);
  assert.match(out, /^ETCD_INITIAL_CLUSTER_STATE="existing"$/m);
  return { id, initialCluster };
}

interface ListedMember {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

async function memberList(m: ClusterMember): Promise<ListedMember[]> {
  const out = await m.ctl(['member', 'list', '-w', 'json']);
  return (JSON.parse(out.replace(/"ID":(\d+)/g, '"ID":"$1"')) as { members: ListedMember[] }).members;
}

describe('resizing a cluster of real processes with etcdctl while writes run', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-e2e-resize-'));
  const members = new Map<string, ClusterMember>();
  after(async () => {
    for (const m of members.values()) await m.kill();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('1 → 3 → 5 → 3, a learner promoted, a peer URL updated, a wiped member re-added; nothing acknowledged is lost', async () => {
    const specs = await memberSpecs(5, 1, 'r');
    const [s1] = specs as [MemberSpec];
    const inCluster = new Set<string>();
    const running = (): ClusterMember[] => [...inCluster].map((n) => members.get(n) as ClusterMember);
    const first = new ClusterMember(s1, path.join(work, s1.name), { initialCluster: `${s1.name}=${s1.peer}`, extraArgs: SNAPSHOTS });
    members.set(s1.name, first);
    inCluster.add(s1.name);
    first.start();
    await agreedLeader([first]);
    const writer = new Writer(() => running().map((m) => m.endpoint));
    try {
      await writer.progress();

      /** member add (as a learner or a voter), then start the new member as etcdctl told. */
      const join = async (spec: MemberSpec, learner: boolean): Promise<{ id: string; member: ClusterMember }> => {
        const args = ['member', 'add', spec.name, `--peer-urls=${spec.peer}`, ...(learner ? ['--learner'] : [])];
        const out = await first.ctl(args).catch(async () => (running()[1] as ClusterMember).ctl(args));
        const { id, initialCluster } = joinSettings(out);
        const member = new ClusterMember(spec, path.join(work, `${spec.name}-${id}`), { initialCluster, state: 'existing', extraArgs: SNAPSHOTS });
        members.set(spec.name, member);
        member.start();
        inCluster.add(spec.name);
        // A voter answers etcdctl's health check (a linearizable read; its exit code says it); a
        // learner serves only serializable reads, so it is asked for one of the writer's keys.
        const check = learner ? ['get', 'w/0', '--consistency=s', '--print-value-only'] : ['endpoint', 'health'];
        await until(`${spec.name} to serve`, async () => {
          const r = await etcdctl([`--endpoints=${member.endpoint}`, ...check]);
          return r.code === 0 && (!learner || r.stdout === '0\n') ? true : undefined;
        }, 60_000);
        return { id, member };
      };
      // Asked of a follower: only the leader sees whether the learner caught up, so the follower
      // forwards the request to it, as etcd's followers do.
      const aFollower = async (learner: string): Promise<ClusterMember> => {
        const leader = BigInt(await agreedLeader(running()));
        for (const m of running()) {
          const mid = BigInt(await memberIdOf(m));
          if (mid !== leader && mid !== BigInt(`0x${learner}`)) return m;
        }
        throw new Error('no follower to ask');
      };
      const promote = (id: string): Promise<string> =>
        until(`learner ${id} to be promoted through a follower`, async () => {
          const r = await etcdctl([`--endpoints=${(await aFollower(id)).endpoint}`, 'member', 'promote', id]);
          if (r.code === 0) return r.stdout;
          assert.match(r.stderr, /can only promote a learner member which is in sync with leader/);
          return undefined;
        }, 60_000);

      // 1 → 3: a voter straight away, then a learner promoted once in sync.
      const [s2, s3, s4, s5] = specs.slice(1) as [MemberSpec, MemberSpec, MemberSpec, MemberSpec];
      const j2 = await join(s2, false);
      await writer.progress();
      const j3 = await join(s3, true);
      assert.equal((await memberList(first)).find((m) => m.name === s3.name)?.isLearner, true, 'listed as a learner');
      const learnerWrite = await etcdctl([`--endpoints=${j3.member.endpoint}`, 'put', 'x', 'y']);
      assert.match(learnerWrite.stderr, /etcdserver: rpc not supported for learner/);
      assert.match(await promote(j3.id), new RegExp(`^Member +${j3.id} promoted in cluster +[0-9a-f]+\\n$`));
      await writer.progress();
      assert.equal((await memberList(first)).length, 3);

      // 3 → 5.
      const j4 = await join(s4, true);
      await promote(j4.id);
      const j5 = await join(s5, false);
      await writer.progress();
      const five = await memberList(j2.member);
      assert.deepEqual(five.map((m) => m.name).sort(), specs.map((s) => s.name));
      assert.ok(five.every((m) => m.isLearner !== true));

      // member update: r5 moves to another peer port, restarts there, and the cluster follows.
      const moved: MemberSpec = { ...s5, peer: `http://127.0.0.5:${await freePort()}` };
      const upd = await first.ctl(['member', 'update', j5.id, `--peer-urls=${moved.peer}`]);
      assert.match(upd, new RegExp(`^Member +${j5.id} updated in cluster +[0-9a-f]+\\n$`));
      await j5.member.kill();
      const r5 = new ClusterMember(moved, j5.member.dataDir, { initialCluster: 'unused=http://127.0.0.1:1', extraArgs: SNAPSHOTS });
      members.set(s5.name, r5);
      r5.start();
      await writer.progress();
      await until('r5 to catch up at its new peer URL', async () => {
        const mine = await r5.ctl(['get', 'w/', '--prefix', '--keys-only', '--consistency=s', '-w', 'json']).catch(() => '');
        return mine.includes('"count"') && (await memberList(first)).find((m) => m.ID === BigInt(`0x${j5.id}`).toString())?.peerURLs[0] === moved.peer ? true : undefined;
      });

      // 5 → 3: r4 and r5 removed; each stops serving and exits with an error.
      for (const [name, id] of [[s4.name, j4.id], [s5.name, j5.id]] as const) {
        const removed = members.get(name) as ClusterMember;
        inCluster.delete(name);
        assert.match(await first.ctl(['member', 'remove', id]), new RegExp(`^Member +${id} removed from cluster +[0-9a-f]+\\n$`));
        const exit = await removed.waitExit();
        assert.equal(exit.code, 1, `${name} exits 1 once removed`);
        assert.match(removed.log, /the member has been permanently removed from the cluster/);
      }
      await writer.progress();
      assert.equal((await memberList(first)).length, 3);

      // r2's data dir is lost: removed, re-added with a fresh dir, it catches up from nothing
      // (its log was compacted long ago: through a snapshot).
      inCluster.delete(s2.name);
      await j2.member.kill();
      await first.ctl(['member', 'remove', j2.id]);
      const again = await join(s2, false);
      assert.notEqual(again.id, j2.id, 'a re-added member is a new member');
      assert.match(again.member.log, /received database snapshot/);
      await writer.progress();
    } catch (err) {
      // What the members said is the first thing to read when this fails.
      const dump = process.env['CAIRN_E2E_LOGS'];
      for (const m of members.values()) {
        if (dump !== undefined) fs.writeFileSync(path.join(dump, `${m.spec.name}.log`), m.log);
        else process.stderr.write(`--- ${m.spec.name} ---\n${m.log.slice(-6000)}\n`);
      }
      throw err;
    } finally {
      await writer.stop();
    }

    // Every acknowledged write is on every member, and the members agree on everything.
    const final = running();
    assert.equal(final.length, 3);
    await agreedHashKV(final, 60_000);
    for (const m of final) {
      const out = await m.ctl(['get', 'w/', '--prefix', '--consistency=s', '-w', 'json']);
      const kvs = (JSON.parse(out) as { kvs?: { key: string; value: string }[] }).kvs ?? [];
      const have = new Set(kvs.map((kv) => Buffer.from(kv.value, 'base64').toString()));
      const lost = writer.acked.filter((n) => !have.has(String(n)));
      assert.deepEqual(lost, [], `${m.spec.name} lost acknowledged writes`);
    }
    assert.ok(writer.acked.length > 30, `writes went on during the resize (${writer.acked.length} acknowledged, ${writer.failed} failed)`);
  });
});
