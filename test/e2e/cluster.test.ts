// Three real Cairn processes on 127.0.0.1-3 forming one cluster through the peer transport,
// driven by the real etcdctl: writes on any member, reads on any member, the leader killed with
// SIGKILL and replaced, the old leader restarted and caught up, every member's HashKV equal.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { etcdctl } from './cluster-process.js';
import { ClusterMember, agreedHashKV, agreedLeader, initialCluster, memberIdOf, memberSpecs, parseIds, until } from './cluster-harness.js';

describe('a 3-member cluster of real processes', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-e2e-cluster-'));
  const members: ClusterMember[] = [];
  after(async () => {
    for (const m of members) await m.kill();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('replicates, survives the leader being killed, and brings it back', async () => {
    const specs = await memberSpecs(3);
    for (const s of specs) members.push(new ClusterMember(s, path.join(work, s.name), { initialCluster: initialCluster(specs) }));
    for (const m of members) m.start();
    const [m1, m2, m3] = members as [ClusterMember, ClusterMember, ClusterMember];
    const first = await agreedLeader(members);

    await m1.ctl(['put', 'greeting', 'hello']);
    assert.equal(await m3.ctl(['get', 'greeting', '--print-value-only']), 'hello\n', 'a linearizable read on another member');
    // A lease granted on one member is kept alive through another (followers forward to the leader).
    const leaseId = /lease ([0-9a-f]+) granted/.exec(await m1.ctl(['lease', 'grant', '60']))?.[1] ?? '';
    for (const m of members) assert.equal(await m.ctl(['lease', 'keep-alive', '--once', leaseId]), `lease ${leaseId} keepalived with TTL(60)\n`);
    // Every member answers its time to live as the leader counts it.
    for (const m of members) assert.match(await m.ctl(['lease', 'timetolive', leaseId]), new RegExp(`^lease ${leaseId} granted with TTL\\(60s\\), remaining\\((5\\d|60)s\\)\n$`));
    // Every member published its name and client URLs through raft.
    const list = await until('every member to list every client URL', async () => {
      const rows = (await m2.ctl(['member', 'list'])).trim().split('\n').map((l) => l.split(', '));
      return rows.every((r) => r[4] !== '') ? rows : undefined;
    });
    assert.deepEqual(list.map((r) => `${r[2]} ${r[3]} ${r[4]}`).sort(), specs.map((x) => `${x.name} ${x.peer} ${x.client}`));
    assert.ok(list.every((r) => r[1] === 'started'));
    const health = await etcdctl([`--endpoints=${m1.endpoint}`, 'endpoint', 'health', '--cluster']);
    assert.equal(health.code, 0, health.stderr);
    const healthy = `${health.stdout}${health.stderr}`.split('\n').filter((l) => / is healthy: successfully committed proposal/.test(l));
    assert.equal(healthy.length, 3, `${health.stdout}${health.stderr}`);
    const statuses = parseIds<Array<{ Status: { leader: string } }>>(await m3.ctl(['endpoint', 'status', '--cluster', '-w', 'json']));
    assert.equal(statuses.length, 3);
    assert.ok(statuses.every((x) => x.Status.leader === first), 'endpoint status --cluster: one leader');

    // Kill the leader; the other two elect another and go on taking writes.
    const ids = await Promise.all(members.map(memberIdOf));
    const leader = members[ids.indexOf(first)] as ClusterMember;
    const rest = members.filter((m) => m !== leader);
    await leader.kill();
    const second = await agreedLeader(rest, first);
    assert.ok(ids.includes(second) && second !== first, 'a surviving member leads');
    for (let i = 0; i < 20; i++) await (rest[i % 2] as ClusterMember).ctl(['put', `k${i}`, `v${i}`]);

    // The old leader comes back as a follower and catches up.
    leader.start();
    await until('the old leader to catch up', async () => ((await leader.ctl(['get', 'k19', '--print-value-only', '--consistency=s'])) === 'v19\n' ? true : undefined));
    assert.equal(await agreedLeader(members), second, 'the restarted member follows the new leader');
    await agreedHashKV(members);

    // etcdctl move-leader hands leadership back to the member that lost it.
    const oldHex = BigInt(first).toString(16);
    const moved = await etcdctl([`--endpoints=${members.map((m) => m.endpoint).join(',')}`, 'move-leader', oldHex]);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, new RegExp(`^Leadership transferred from [0-9a-f]+ to ${oldHex}\\n$`));
    assert.equal(await agreedLeader(members, second), first);

    // A member started afresh with the wrong --initial-cluster-token derives another cluster id:
    // the others refuse it, it says why, and it never serves.
    const wrong = members[2] as ClusterMember;
    await wrong.kill();
    fs.rmSync(wrong.dataDir, { recursive: true, force: true });
    wrong.start({ initialCluster: initialCluster(specs), token: 'not-the-cluster-token' });
    await until('the refusal to be logged', async () => (/cluster ID mismatch/.test(wrong.log) ? true : undefined));
    const h = await etcdctl([`--endpoints=${wrong.endpoint}`, '--command-timeout=2s', 'endpoint', 'health']);
    assert.notEqual(h.code, 0, 'a member of no cluster is not healthy');
    assert.deepEqual(await httpGet(`${wrong.spec.client}/health`), { status: 503, body: '{"health":"false","reason":"RAFT NO LEADER"}' });
    for (const m of members.slice(0, 2)) assert.match(m.log, /refused peer of another cluster/);
  });
});

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => (body += s));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}
