// Five real Cairn processes on 127.0.0.1-5: a follower killed and restarted after the leader's
// log was compacted past it catches up through a snapshot; the leader killed, a successor
// elected, writes go on, the old leader rejoins as a follower; every member agrees at the end.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { etcdctl } from './cluster-process.js';
import { ClusterMember, agreedHashKV, agreedLeader, initialCluster, memberIdOf, memberSpecs, parseIds, until } from './cluster-harness.js';

const SNAPSHOTS = ['--snapshot-count', '50', '--experimental-snapshot-catchup-entries', '10'];

describe('a 5-member cluster of real processes', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-e2e-cluster5-'));
  const members: ClusterMember[] = [];
  after(async () => {
    for (const m of members) await m.kill();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('a follower behind a compacted log catches up by snapshot; the leader is replaced and rejoins', async () => {
    const specs = await memberSpecs(5, 1, 'f');
    for (const s of specs) members.push(new ClusterMember(s, path.join(work, s.name), { initialCluster: initialCluster(specs), extraArgs: SNAPSHOTS }));
    for (const m of members) m.start();
    const first = await agreedLeader(members);
    const ids = await Promise.all(members.map(memberIdOf));
    const all = `--endpoints=${members.map((m) => m.endpoint).join(',')}`;
    const statuses = parseIds<Array<{ Status: { leader: string } }>>((await members[0]?.ctl(['endpoint', 'status', '--cluster', '-w', 'json'])) ?? '');
    assert.equal(statuses.length, 5);
    assert.ok(statuses.every((s) => s.Status.leader === first));

    // A follower goes away while more than a snapshot's worth of writes happen.
    const follower = members.find((_, i) => ids[i] !== first) as ClusterMember;
    const others = members.filter((m) => m !== follower);
    await follower.kill();
    const put = async (k: string, v: string): Promise<void> => {
      const r = await etcdctl([`--endpoints=${others.map((m) => m.endpoint).join(',')}`, 'put', k, v]);
      assert.equal(r.code, 0, r.stderr);
    };
    for (let i = 0; i < 120; i++) await put(`k${i % 30}`, `v${i}`);
    follower.start();
    await until('the follower to catch up', async () => ((await follower.ctl(['get', 'k29', '--print-value-only', '--consistency=s'])) === 'v119\n' ? true : undefined));
    assert.match(follower.log, /received database snapshot/, 'it caught up through a snapshot');
    assert.match(follower.log, /applied snapshot from the leader/);

    // The leader is killed: the other four elect a successor and go on.
    const leader = members[ids.indexOf(first)] as ClusterMember;
    const rest = members.filter((m) => m !== leader);
    await leader.kill();
    const second = await agreedLeader(rest, first);
    assert.ok(ids.includes(second));
    for (let i = 0; i < 20; i++) {
      const r = await etcdctl([`--endpoints=${rest.map((m) => m.endpoint).join(',')}`, 'put', `after${i}`, String(i)]);
      assert.equal(r.code, 0, r.stderr);
    }
    leader.start();
    await until('the old leader to catch up', async () => ((await leader.ctl(['get', 'after19', '--print-value-only', '--consistency=s'])) === '19\n' ? true : undefined));
    assert.equal(await agreedLeader(members), second, 'the old leader follows the new one');
    await agreedHashKV(members);
    const health = await etcdctl([all, 'endpoint', 'health']);
    assert.equal(health.code, 0, health.stderr);
  });
});
