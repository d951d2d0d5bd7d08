// Three real Cairn processes on 127.0.0.1-3 forming one cluster through the peer transport,
// driven by the real etcdctl: writes on any member, reads on any member, the leader killed with
// SIGKILL and replaced, the old leader restarted and caught up, every member's HashKV equal.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { CAIRN_MAIN, etcdctl, freePort } from './cluster-process.js';

interface Spec {
  name: string;
  client: string;
  peer: string;
}

class Member {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  log = '';

  constructor(
    readonly spec: Spec,
    readonly dataDir: string,
    private readonly cluster: string,
  ) {}

  get endpoint(): string {
    return this.spec.client.replace('http://', '');
  }

  start(): void {
    const { name, client, peer } = this.spec;
    const args = [
      CAIRN_MAIN, '--name', name, '--data-dir', this.dataDir,
      '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
      '--initial-cluster', this.cluster, '--initial-cluster-token', 'e2e-cluster',
      '--heartbeat-interval', '50', '--election-timeout', '500',
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.log = (this.log + s).slice(-20_000)));
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
    this.child = undefined;
  }

  async ctl(args: readonly string[]): Promise<string> {
    const r = await etcdctl([`--endpoints=${this.endpoint}`, ...args]);
    if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')} on ${this.spec.name}: ${r.stderr}`);
    return r.stdout;
  }
}

interface StatusJson {
  Endpoint: string;
  Status: { header: { member_id: number; revision: number }; leader: number; raftIndex: number };
}

/** Polls fn until it returns a value that is not undefined, or throws after the deadline. */
async function until<T>(what: string, fn: () => Promise<T | undefined>, deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The leader all the given members report (as a decimal member id string), once they agree. */
async function agreedLeader(members: readonly Member[], not = '0'): Promise<string> {
  return until('the members to agree on a leader', async () => {
    const out = await etcdctl([`--endpoints=${members.map((m) => m.endpoint).join(',')}`, 'endpoint', 'status', '-w', 'json']);
    if (out.code !== 0) return undefined;
    const leaders = new Set((JSON.parse(out.stdout.replace(/"leader":(\d+)/g, '"leader":"$1"')) as Array<{ Status: { leader: string } }>).map((s) => s.Status.leader));
    const [only] = leaders;
    return leaders.size === 1 && only !== '0' && only !== not ? only : undefined;
  });
}

async function memberIdOf(m: Member): Promise<string> {
  const out = await m.ctl(['endpoint', 'status', '-w', 'json']);
  return (JSON.parse(out.replace(/"member_id":(\d+)/g, '"member_id":"$1"')) as StatusJson[])[0]?.Status.header.member_id.toString() ?? '';
}

describe('a 3-member cluster of real processes', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-e2e-cluster-'));
  const members: Member[] = [];
  after(async () => {
    for (const m of members) await m.kill();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('replicates, survives the leader being killed, and brings it back', async () => {
    const specs: Spec[] = [];
    for (let i = 1; i <= 3; i++) {
      specs.push({ name: `c${i}`, client: `http://127.0.0.${i}:${await freePort()}`, peer: `http://127.0.0.${i}:${await freePort()}` });
    }
    const cluster = specs.map((s) => `${s.name}=${s.peer}`).join(',');
    for (const s of specs) members.push(new Member(s, path.join(work, s.name), cluster));
    for (const m of members) m.start();
    const [m1, m2, m3] = members as [Member, Member, Member];
    const first = await agreedLeader(members);

    await m1.ctl(['put', 'greeting', 'hello']);
    assert.equal(await m3.ctl(['get', 'greeting', '--print-value-only']), 'hello\n', 'a linearizable read on another member');
    // A lease granted on one member is kept alive through another (followers forward to the leader).
    const leaseId = /lease ([0-9a-f]+) granted/.exec(await m1.ctl(['lease', 'grant', '60']))?.[1] ?? '';
    for (const m of members) assert.equal(await m.ctl(['lease', 'keep-alive', '--once', leaseId]), `lease ${leaseId} keepalived with TTL(60)\n`);
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
    const statuses = JSON.parse((await m3.ctl(['endpoint', 'status', '--cluster', '-w', 'json'])).replace(/"leader":(\d+)/g, '"leader":"$1"')) as Array<{ Status: { leader: string } }>;
    assert.equal(statuses.length, 3);
    assert.ok(statuses.every((x) => x.Status.leader === first), 'endpoint status --cluster: one leader');

    // Kill the leader; the other two elect another and go on taking writes.
    const ids = await Promise.all(members.map(memberIdOf));
    const leader = members[ids.indexOf(first)] as Member;
    const rest = members.filter((m) => m !== leader);
    await leader.kill();
    const second = await agreedLeader(rest, first);
    assert.ok(ids.includes(second) && second !== first, 'a surviving member leads');
    for (let i = 0; i < 20; i++) await (rest[i % 2] as Member).ctl(['put', `k${i}`, `v${i}`]);

    // The old leader comes back as a follower and catches up.
    leader.start();
    await until('the old leader to catch up', async () => ((await leader.ctl(['get', 'k19', '--print-value-only', '--consistency=s'])) === 'v19\n' ? true : undefined));
    assert.equal(await agreedLeader(members), second, 'the restarted member follows the new leader');
    const hashes = await until('every member to report the same HashKV', async () => {
      const out = await etcdctl([`--endpoints=${members.map((m) => m.endpoint).join(',')}`, 'endpoint', 'hashkv', '-w', 'json']);
      if (out.code !== 0) return undefined;
      const hs = new Set((JSON.parse(out.stdout) as Array<{ HashKV: { hash: number } }>).map((h) => h.HashKV.hash));
      return hs.size === 1 ? [...hs] : undefined;
    });
    assert.equal(hashes.length, 1);

    // etcdctl move-leader hands leadership back to the member that lost it.
    const oldHex = BigInt(first).toString(16);
    const moved = await etcdctl([`--endpoints=${members.map((m) => m.endpoint).join(',')}`, 'move-leader', oldHex]);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, new RegExp(`^Leadership transferred from [0-9a-f]+ to ${oldHex}\\n$`));
    assert.equal(await agreedLeader(members, second), first);
  });
});
