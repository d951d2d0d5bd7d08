// A robustness cluster: 1, 3 or 5 real members (Cairn or etcd) on loopback, a TCP proxy on every
// member's client port (the workload's clients dial those), a proxy on every peer link, and the
// operations faults need: kill -9, pause, restart, replace with a fresh data dir. A member that
// dies on its own (a failpoint) is restarted without the failpoint, and the event is logged.
import fs from 'node:fs';
import Long from 'long';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { initialCluster, type MemberSpec } from '../../e2e/cluster-harness.js';
import { clusterService, maintenanceService } from '../../../server/src/pb/index.js';
import { Connection, unary } from './grpc.js';
import { MemberProcess, type LaunchConfig, type Target } from './member-process.js';
import { cairnPeerLinks, etcdPeerLinks, type PeerLinks } from './peer-links.js';
import { PASS, TcpProxy, type LinkMode } from './tcp-proxy.js';
import { until } from './wait.js';

export interface ClusterOptions {
  readonly target: Target;
  readonly size: number;
  /** CAIRN_FAILPOINTS entries set on every launch of every member (e.g. a broken mode). */
  readonly modeFailpoints?: readonly string[];
  /** Called with every event the cluster itself causes (a crash seen, a restart). */
  readonly log?: (what: string) => void;
}

export interface Member {
  readonly index: number;
  readonly spec: MemberSpec;
  readonly proc: MemberProcess;
  readonly clientProxy: TcpProxy;
  /** Where workload clients dial (the client proxy). */
  readonly clientAddress: string;
  /** A direct connection for the harness's own calls (status, hash, membership). */
  readonly admin: Connection;
  id: bigint | undefined;
  clientMode: LinkMode;
  launch: LaunchConfig;
  /** False while removed from the membership (during a replacement). */
  inCluster: boolean;
  /** True from a learner's start until its promotion. */
  learner: boolean;
  /** Exits on its own since the member last served; at CRASH_LOOP the cluster stops restarting it. */
  crashes: number;
}

/** After this many exits on its own without serving in between, a member is left down. */
const CRASH_LOOP = 5;

export class Cluster {
  private closing = false;
  /** Clusters not yet closed, so a harness stopped by a signal can kill their members. */
  private static readonly live = new Set<Cluster>();

  /** Kills every member of every open cluster at once (their data dirs stay). */
  static killAllNow(): void {
    for (const c of Cluster.live) for (const m of c.members) m.proc.killNow();
  }

  private constructor(
    readonly opts: ClusterOptions,
    readonly dir: string,
    readonly members: Member[],
    readonly peers: PeerLinks,
    /** Member ids by index, shared with the etcd peer proxies (they cut links by id). */
    private readonly ids: (bigint | undefined)[],
  ) {}

  static async start(opts: ClusterOptions): Promise<Cluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cairn-rob-${opts.target}-`));
    // Client proxies bind first (port 0), then every other port is picked free on its own host
    // (a port free on 127.0.0.1 may be taken on 127.0.0.2).
    const proxies: TcpProxy[] = [];
    const holders: { m?: Member }[] = [];
    for (let i = 1; i <= opts.size; i++) {
      const holder: { m?: Member } = {};
      const host = `127.0.0.${i}`;
      const proxy = new TcpProxy(host, 0, host, 0, { modeFor: () => holder.m?.clientMode ?? PASS });
      await proxy.listen();
      proxies.push(proxy);
      holders.push(holder);
    }
    const specs: MemberSpec[] = [];
    for (let i = 1; i <= opts.size; i++) {
      const host = `127.0.0.${i}`;
      const ports = new Set<number>();
      while (ports.size < 3) ports.add(await freePortOn(host));
      const [client, peer, listenPeer] = [...ports];
      specs.push({ name: `r${i}`, client: `http://${host}:${client}`, peer: `http://${host}:${peer}`, listenPeer: `http://${host}:${listenPeer}` });
    }
    const ids: (bigint | undefined)[] = specs.map(() => undefined);
    const peers = opts.target === 'cairn' ? await cairnPeerLinks(specs) : await etcdPeerLinks(specs, () => ids);
    const launch: LaunchConfig = { initialCluster: initialCluster(specs), state: 'new' };
    const members = specs.map((spec, index) => makeMember(opts.target, dir, spec, index, launch, proxies[index]!, holders[index]!));
    const cluster = new Cluster(opts, dir, members, peers, ids);
    Cluster.live.add(cluster);
    for (const m of members) cluster.launch(m);
    try {
      for (const m of members) {
        await cluster.waitServing(m);
        ids[m.index] = m.id;
      }
    } catch (err) {
      await cluster.close(false);
      throw new Error('the cluster did not start', { cause: err });
    }
    return cluster;
  }

  private log(what: string): void {
    this.opts.log?.(what);
  }

  private launch(m: Member, extraFailpoints: readonly string[] = []): void {
    const fps = [...(this.opts.modeFailpoints ?? []), ...extraFailpoints];
    m.proc.onUnexpectedExit = (e) => this.onCrash(m, e.signal ?? String(e.code));
    m.proc.start({ ...m.launch, env: fps.length === 0 ? {} : { CAIRN_FAILPOINTS: fps.join(',') } });
  }

  private onCrash(m: Member, how: string): void {
    if (this.closing) return;
    if (++m.crashes >= CRASH_LOOP) {
      this.log(`${m.spec.name} exited on its own (${how}) ${m.crashes} times without serving; not restarting it:\n${m.proc.log.slice(-600)}`);
      return;
    }
    this.log(`${m.spec.name} exited on its own (${how}); restarting it`);
    setTimeout(() => {
      if (!this.closing && !m.proc.running && m.inCluster) this.launch(m);
    }, 200);
  }

  /** Waits until the member answers Status and knows a leader; learns its id. */
  async waitServing(m: Member, deadlineMs = 30_000): Promise<void> {
    await until(`${m.spec.name} to serve`, async () => {
      if (m.crashes >= CRASH_LOOP) return 'crash loop';
      if (!m.proc.running && !m.proc.paused) return undefined;
      const s = await unary(m.admin.maint, maintenanceService.Status, {}, 2_000);
      m.id = BigInt(String(s.header?.memberId ?? 0));
      return String(s.leader) !== '0' ? 'serving' : undefined;
    }, deadlineMs, () => m.proc.log.slice(-2000)).then((why) => {
      if (why === 'crash loop') throw new Error(`${m.spec.name} keeps crashing on start:\n${m.proc.log.slice(-1500)}`);
    });
    m.crashes = 0;
  }

  /** The index of the member the (running) members name as leader, if they agree on one. */
  async leaderIndex(): Promise<number | undefined> {
    const leaders = new Set<string>();
    for (const m of this.members) {
      if (!m.proc.running || m.proc.paused || !m.inCluster) continue;
      try {
        leaders.add(String((await unary(m.admin.maint, maintenanceService.Status, {}, 1_000)).leader));
      } catch {
        // an unreachable member has no say
      }
    }
    const [only] = leaders;
    if (leaders.size !== 1 || only === undefined) return undefined;
    return this.members.find((m) => m.id?.toString() === only)?.index;
  }

  setClientMode(m: Member, mode: LinkMode): void {
    m.clientMode = mode;
    m.clientProxy.reevaluate();
  }

  async kill(m: Member): Promise<void> {
    await m.proc.kill();
  }

  /** Starts a stopped member again on its data dir, with extra failpoints for this launch only. */
  restart(m: Member, failpoints: readonly string[] = []): void {
    if (m.proc.running || !m.inCluster) return;
    this.launch(m, failpoints);
  }

  /**
   * Replaces a member with a fresh one: removed from the membership, killed, wiped, added back
   * as a learner under a new id with `--initial-cluster-state existing`, then promoted.
   */
  async replace(m: Member, log: (s: string) => void): Promise<void> {
    const via = (): Member => {
      const other = this.members.find((x) => x !== m && x.inCluster && x.proc.running && !x.proc.paused);
      if (other === undefined) throw new Error('no other member to change the membership through');
      return other;
    };
    const oldId = m.id;
    await until(`removal of ${m.spec.name}`, async () => {
      await unary(via().admin.cluster, clusterService.MemberRemove, { ID: Long.fromString(oldId?.toString() ?? '0', true) }, 3_000);
      return true;
    }, 5_000);
    m.inCluster = false;
    await m.proc.kill();
    m.proc.wipe();
    const added = await until(`re-adding ${m.spec.name}`, async () =>
      unary(via().admin.cluster, clusterService.MemberAdd, { peerURLs: [m.spec.peer], isLearner: true }, 5_000), 20_000);
    m.id = BigInt(String(added.member?.ID ?? 0));
    const names = new Map(this.members.map((x) => [x.spec.peer, x.spec.name]));
    const ic = added.members.map((x) => `${names.get(x.peerURLs?.[0] ?? '') ?? x.name}=${x.peerURLs?.[0] ?? ''}`).join(',');
    m.launch = { initialCluster: ic, state: 'existing' };
    m.inCluster = true;
    this.launch(m);
    m.learner = true;
    log(`${m.spec.name} re-added as learner ${m.id.toString(16)}`);
    return this.promote(m, log);
  }

  /**
   * Promotes a learner, asking a follower (which forwards it to the leader, as etcd's do) until
   * the learner has caught up; the leader only when no follower runs. Logs how many refusals
   * ("not in sync yet") it took. (Whether a follower's answer matches the leader's cannot be
   * judged from here: the learner may catch up between two asks.)
   */
  async promote(m: Member, log: (s: string) => void): Promise<void> {
    const req = { ID: Long.fromString(m.id?.toString() ?? '0', true) };
    const start = Date.now();
    let refusals = 0;
    let lastRefusal = '';
    const via = await until(`promotion of ${m.spec.name}`, async () => {
      const li = await this.leaderIndex();
      const voters = this.members.filter((x) => x !== m && x.inCluster && !x.learner && x.proc.running && !x.proc.paused);
      const v = voters.find((x) => x.index !== li) ?? voters[0];
      if (v === undefined) return undefined;
      try {
        await unary(v.admin.cluster, clusterService.MemberPromote, req, 5_000);
      } catch (err) {
        if (v.index !== li) {
          refusals++;
          lastRefusal = `${v.spec.name}: ${(err as { details?: string }).details ?? String(err)}`;
        }
        throw err;
      }
      return { name: v.spec.name, leader: v.index === li };
    }, 60_000);
    m.learner = false;
    this.ids[m.index] = m.id;
    const waited = refusals === 0 ? '' : ` after ${refusals} refusals in ${((Date.now() - start) / 1000).toFixed(1)} s (last: ${lastRefusal})`;
    log(`${m.spec.name} promoted via ${via.name}${via.leader ? ' (the leader)' : ''}${waited}`);
  }

  /** Every member running and in the cluster reports the same HashKV at the same revision. */
  async converged(deadlineMs = 60_000): Promise<{ revision: number; hash: number }> {
    return until('every member to report the same HashKV', async () => {
      const hs = [];
      for (const m of this.members.filter((x) => x.inCluster && !x.learner)) {
        const r = await unary(m.admin.maint, maintenanceService.HashKV, { revision: 0 }, 3_000);
        hs.push({ revision: Number(r.header?.revision ?? 0), hash: r.hash });
      }
      const first = hs[0];
      return first !== undefined && hs.every((h) => h.revision === first.revision && h.hash === first.hash) ? first : undefined;
    }, deadlineMs);
  }

  async close(keepDir = false): Promise<void> {
    this.closing = true;
    Cluster.live.delete(this);
    for (const m of this.members) {
      m.proc.resume();
      await m.proc.kill();
      m.admin.close();
      await m.clientProxy.close();
    }
    await this.peers.close();
    if (!keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function makeMember(target: Target, dir: string, spec: MemberSpec, index: number, launch: LaunchConfig, proxy: TcpProxy, holder: { m?: Member }): Member {
  const host = new URL(spec.client).hostname;
  proxy.retarget(host, Number(new URL(spec.client).port));
  const m: Member = {
    index, spec, proc: new MemberProcess(target, spec, path.join(dir, spec.name)), clientProxy: proxy,
    clientAddress: `${host}:${proxy.listenPort}`, admin: new Connection(spec.client.replace('http://', '')),
    id: undefined, clientMode: PASS, launch, inCluster: true, learner: false, crashes: 0,
  };
  holder.m = m;
  return m;
}

/** A port free on this host right now (bind port 0 there, read it, release it). */
function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}
