// A 3-member cluster for the cluster benchmark: Cairn (the built binary) or etcd, one process per
// member on 127.0.0.1, .2 and .3, fresh data dirs, the settings both kinds get alike
// (EQUAL_SETTINGS) and the default heartbeat (100 ms) and election timeout (1000 ms). Unlike the
// e2e ClusterMember (Cairn only, fast timeouts) it runs either kind and exposes the pids, so the
// benchmark can sum the members' RSS and kill the leader.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initialCluster, memberSpecs, parseIds, until, type MemberSpec } from '../e2e/cluster-harness.js';
import { CAIRN_MAIN, ETCD_BIN, etcdctl } from '../e2e/cluster-process.js';
import { EQUAL_SETTINGS, type ServerKind } from './bench-server.js';
import { healthy, rssOf } from './proc.js';

interface StatusJson {
  Endpoint: string;
  Status: { header: { member_id: string }; leader: string };
}

/** One member process; its stderr tail is kept for error messages. */
class Member {
  log = '';
  readonly exited: Promise<void>;
  private alive = true;

  constructor(
    readonly spec: MemberSpec,
    readonly child: ChildProcess,
  ) {
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.log = (this.log + s).slice(-16_384)));
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        this.alive = false;
        resolve();
      }),
    );
  }

  get running(): boolean {
    return this.alive;
  }

  get endpoint(): string {
    return this.spec.client.slice('http://'.length);
  }
}

export class BenchCluster {
  private constructor(
    readonly kind: ServerKind,
    private readonly dir: string,
    private readonly members: readonly Member[],
  ) {}

  /**
   * Starts three fresh members and waits (deadline 60 s) until every one is healthy and all
   * three report the same leader.
   */
  static async start(kind: ServerKind): Promise<BenchCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cairn-cbench-${kind}-`));
    const specs = await memberSpecs(3, 1, kind === 'cairn' ? 'c' : 'e');
    const cluster = initialCluster(specs);
    const members = specs.map((spec) => {
      const flags = [
        '--name', spec.name, '--data-dir', path.join(dir, spec.name),
        '--listen-client-urls', spec.client, '--advertise-client-urls', spec.client,
        '--listen-peer-urls', spec.peer, '--initial-advertise-peer-urls', spec.peer,
        '--initial-cluster', cluster, '--initial-cluster-token', `cbench-${kind}`, '--initial-cluster-state', 'new',
        ...EQUAL_SETTINGS,
      ];
      const child = kind === 'cairn'
        ? spawn(process.execPath, [CAIRN_MAIN, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] })
        : spawn(ETCD_BIN, [...flags, '--logger', 'zap', '--log-outputs', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
      return new Member(spec, child);
    });
    const c = new BenchCluster(kind, dir, members);
    try {
      await c.waitReady();
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  /** Client endpoints (host:port) of the running members, in member order. */
  get endpoints(): string[] {
    return this.members.filter((m) => m.running).map((m) => m.endpoint);
  }

  /** The sum of the running members' VmRSS now, in bytes. */
  rssBytes(): number {
    return this.members.reduce((n, m) => n + (m.running ? rssOf(m.child.pid) : 0), 0);
  }

  /**
   * The leader as etcdctl endpoint status reports it: its member id (decimal) and its index in
   * member order; waits until every running member names the same one.
   */
  async leader(deadlineMs = 30_000): Promise<{ id: string; index: number }> {
    return until(
      `the ${this.kind} members to agree on a leader`,
      async () => {
        const r = await etcdctl([`--endpoints=${this.endpoints.join(',')}`, 'endpoint', 'status', '-w', 'json']);
        if (r.code !== 0) return undefined;
        const st = parseIds<StatusJson[]>(r.stdout);
        const leaders = new Set(st.map((s) => s.Status.leader));
        const [id] = leaders;
        if (id === undefined || leaders.size !== 1 || id === '0' || st.length !== this.endpoints.length) return undefined;
        const ep = st.find((s) => s.Status.header.member_id === id)?.Endpoint.replace(/^https?:\/\//, '');
        const index = this.members.findIndex((m) => m.endpoint === ep);
        return index < 0 ? undefined : { id, index };
      },
      deadlineMs,
    );
  }

  /** Endpoints with the leader's first: a one-connection load then talks to the leader. */
  async endpointsLeaderFirst(): Promise<string[]> {
    const { index } = await this.leader();
    const lead = this.members[index]?.endpoint ?? '';
    return [lead, ...this.endpoints.filter((e) => e !== lead)];
  }

  /** SIGKILLs member i and waits for its exit. */
  async kill(i: number): Promise<void> {
    const m = this.members[i];
    if (m === undefined || !m.running) throw new Error(`member ${i} is not running`);
    m.child.kill('SIGKILL');
    await m.exited;
  }

  /** The last lines each member wrote to stderr (for failure messages). */
  logs(): string {
    return this.members.map((m) => `--- ${m.spec.name}:\n${m.log.slice(-3_000)}`).join('\n');
  }

  /** SIGTERM to every running member (SIGKILL after 10 s), then removes the data dirs. */
  async stop(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        if (!m.running) return;
        m.child.kill('SIGTERM');
        const timer = setTimeout(() => m.child.kill('SIGKILL'), 10_000);
        await m.exited;
        clearTimeout(timer);
      }),
    );
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitReady(): Promise<void> {
    const end = Date.now() + 60_000;
    for (;;) {
      const dead = this.members.find((m) => !m.running);
      if (dead !== undefined) throw new Error(`${this.kind} member ${dead.spec.name} exited while starting:\n${dead.log.slice(-4_000)}`);
      const ok = await Promise.all(this.members.map((m) => healthy(m.spec.client)));
      if (ok.every(Boolean)) break;
      if (Date.now() > end) throw new Error(`${this.kind} cluster not healthy within 60 s:\n${this.logs()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.leader(Math.max(1_000, end - Date.now()));
  }
}
