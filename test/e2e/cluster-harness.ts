// Clusters of real Cairn processes on loopback addresses for the end-to-end tests: members with
// any flags (a new cluster, or joining an existing one), etcdctl against one member or all, and
// waits for what the cluster agrees on. Every wait has a deadline that only bounds a hang.
import { spawn, type ChildProcess } from 'node:child_process';
import { CAIRN_MAIN, etcdctl, freePort } from './cluster-process.js';
import { until } from '../support/until.js';

/** Where a member listens and what it advertises (the peer URL may sit behind a test proxy). */
export interface MemberSpec {
  readonly name: string;
  readonly client: string;
  /** The peer URL the member advertises (what the other members dial). */
  readonly peer: string;
  /** Where the member listens for peers; the advertised URL unless a proxy sits in front. */
  readonly listenPeer?: string;
}

/** Specs for members `first..first+count-1` on 127.0.0.<i>, with free ports. */
export async function memberSpecs(count: number, first = 1, prefix = 'c'): Promise<MemberSpec[]> {
  const specs: MemberSpec[] = [];
  for (let i = first; i < first + count; i++) {
    specs.push({ name: `${prefix}${i}`, client: `http://127.0.0.${i}:${await freePort()}`, peer: `http://127.0.0.${i}:${await freePort()}` });
  }
  return specs;
}

/** `--initial-cluster` for these members. */
export function initialCluster(specs: readonly MemberSpec[]): string {
  return specs.map((s) => `${s.name}=${s.peer}`).join(',');
}

export interface LaunchOptions {
  readonly initialCluster: string;
  readonly state?: 'new' | 'existing';
  readonly token?: string;
  /** More flags (after the defaults, so they win). */
  readonly extraArgs?: readonly string[];
}

/** Fast timeouts for tests on loopback: elections in half a second, not a second. */
export const FAST_TIMEOUTS = ['--heartbeat-interval', '50', '--election-timeout', '500'];

/** One member process on its data dir; start() again after kill() restarts the same member. */
export class ClusterMember {
  private child: ChildProcess | undefined;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({ code: null, signal: null });
  log = '';

  constructor(
    readonly spec: MemberSpec,
    readonly dataDir: string,
    private opts: LaunchOptions,
  ) {}

  get endpoint(): string {
    return this.spec.client.replace('http://', '');
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the process (with new launch options if given: e.g. state existing after a wipe). */
  start(opts?: LaunchOptions): void {
    if (this.child !== undefined) throw new Error(`${this.spec.name} is running`);
    if (opts !== undefined) this.opts = opts;
    const { name, client, peer } = this.spec;
    const args = [
      CAIRN_MAIN, '--name', name, '--data-dir', this.dataDir,
      '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', this.spec.listenPeer ?? peer, '--initial-advertise-peer-urls', peer,
      '--initial-cluster', this.opts.initialCluster, '--initial-cluster-token', this.opts.token ?? 'e2e-cluster',
      '--initial-cluster-state', this.opts.state ?? 'new',
      ...FAST_TIMEOUTS, ...(this.opts.extraArgs ?? []),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.log = (this.log + s).slice(-40_000)));
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        resolve({ code, signal });
      }),
    );
  }

  /** SIGKILL, then waits for the exit. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** Waits (bounded) for the process to end on its own; returns how it ended. */
  async waitExit(deadlineMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), deadlineMs)));
    const r = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (r === 'timeout') throw new Error(`${this.spec.name} did not exit within ${deadlineMs} ms`);
    return r;
  }

  /** etcdctl against this member; throws with its stderr unless it exits 0. */
  async ctl(args: readonly string[]): Promise<string> {
    const r = await etcdctl([`--endpoints=${this.endpoint}`, ...args]);
    if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')} on ${this.spec.name}: ${r.stderr}`);
    return r.stdout;
  }
}

export { until } from '../support/until.js';

/** etcdctl's JSON with 64-bit ids as strings (JSON.parse would round them). */
export function parseIds<T>(json: string): T {
  return JSON.parse(json.replace(/"(leader|member_id|cluster_id|ID|id)":(\d+)/g, '"$1":"$2"')) as T;
}

interface StatusJson {
  Endpoint: string;
  Status: { header: { member_id: string; revision: number }; leader: string; raftIndex: number };
}

const endpoints = (members: readonly ClusterMember[]): string => `--endpoints=${members.map((m) => m.endpoint).join(',')}`;

/** The leader all the given members report (decimal member id), once they agree and it is not `not`. */
export async function agreedLeader(members: readonly ClusterMember[], not = '0', deadlineMs?: number): Promise<string> {
  return until(
    'the members to agree on a leader',
    async () => {
      const out = await etcdctl([endpoints(members), 'endpoint', 'status', '-w', 'json']);
      if (out.code !== 0) return undefined;
      const leaders = new Set(parseIds<StatusJson[]>(out.stdout).map((s) => s.Status.leader));
      const [only] = leaders;
      return leaders.size === 1 && only !== '0' && only !== not ? only : undefined;
    },
    deadlineMs,
  );
}

/** A member's own id (decimal), from its status. */
export async function memberIdOf(m: ClusterMember): Promise<string> {
  const out = await m.ctl(['endpoint', 'status', '-w', 'json']);
  return parseIds<StatusJson[]>(out)[0]?.Status.header.member_id ?? '';
}

/** Waits until every member reports the same HashKV (at their current revision), and returns it. */
export async function agreedHashKV(members: readonly ClusterMember[], deadlineMs?: number): Promise<number> {
  return until(
    'every member to report the same HashKV',
    async () => {
      const out = await etcdctl([endpoints(members), 'endpoint', 'hashkv', '-w', 'json']);
      if (out.code !== 0) return undefined;
      const hs = (JSON.parse(out.stdout) as Array<{ HashKV: { hash: number; header: { revision: number } } }>).map((h) => h.HashKV);
      const revs = new Set(hs.map((h) => h.header.revision));
      const hashes = new Set(hs.map((h) => h.hash));
      return hs.length === members.length && revs.size === 1 && hashes.size === 1 ? hs[0]?.hash : undefined;
    },
    deadlineMs,
  );
}
