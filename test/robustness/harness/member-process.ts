// One member process (Cairn or a real etcd 3.4.23) of a multi-member robustness cluster: started,
// killed (-9), paused (SIGSTOP/SIGCONT), restarted on its data dir, or wiped and rejoined. The
// harness also learns when a member dies on its own (a failpoint), so it can bring it back.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { MemberSpec } from '../../e2e/cluster-harness.js';
import { FAST_TIMEOUTS } from '../../e2e/cluster-harness.js';
import { CAIRN_MAIN, ETCD_BIN } from '../../e2e/cluster-process.js';

export type Target = 'cairn' | 'etcd';

export interface LaunchConfig {
  readonly initialCluster: string;
  readonly state: 'new' | 'existing';
  /** Extra environment, e.g. CAIRN_FAILPOINTS (only for this launch). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Snapshots early and keeps few entries, so a member cut off for a few hundred writes needs a
 * snapshot to catch up. etcd 3.4 has no catch-up flag (it keeps 5000 entries), so its members
 * catch up from the log in short runs.
 */
const SNAPSHOT_ARGS = ['--snapshot-count', '200'];
const CAIRN_ARGS = ['--experimental-snapshot-catchup-entries', '100'];
const ETCD_ARGS = ['--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'error'];

export class MemberProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  private stopped = false;
  /** The last ~16 KiB of stderr, for reports. */
  log = '';
  /** Calls when the process ends without the harness asking (a crash or a failpoint). */
  onUnexpectedExit: ((e: Exit) => void) | undefined;

  constructor(
    readonly target: Target,
    readonly spec: MemberSpec,
    readonly dataDir: string,
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  get paused(): boolean {
    return this.stopped;
  }

  start(cfg: LaunchConfig): void {
    if (this.child !== undefined) throw new Error(`${this.spec.name} is running`);
    fs.mkdirSync(this.dataDir, { recursive: true });
    const { name, client, peer } = this.spec;
    const common = [
      '--name', name, '--data-dir', this.dataDir,
      '--listen-client-urls', client,
      '--advertise-client-urls', client,
      '--listen-peer-urls', this.spec.listenPeer ?? peer, '--initial-advertise-peer-urls', peer,
      '--initial-cluster', cfg.initialCluster, '--initial-cluster-token', 'robustness',
      '--initial-cluster-state', cfg.state, ...FAST_TIMEOUTS, ...SNAPSHOT_ARGS,
    ];
    const [cmd, args] = this.target === 'cairn' ? [process.execPath, [CAIRN_MAIN, ...common, ...CAIRN_ARGS]] : [ETCD_BIN, [...common, ...ETCD_ARGS]];
    const child = spawn(cmd, args, { env: { ...process.env, ...cfg.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.log = (this.log + s).slice(-16_384)));
    this.child = child;
    this.stopped = false;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        const expected = this.child !== child;
        if (!expected) this.child = undefined;
        resolve({ code, signal });
        if (!expected) this.onUnexpectedExit?.({ code, signal });
      }),
    );
  }

  /** kill -9 and wait for the exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    child.kill('SIGKILL');
    this.stopped = false;
    await this.exited;
  }

  /** SIGKILL without waiting (for a harness that is itself being stopped). */
  killNow(): void {
    this.child?.kill('SIGCONT');
    this.child?.kill('SIGKILL');
  }

  pause(): void {
    if (this.child === undefined || this.stopped) return;
    this.child.kill('SIGSTOP');
    this.stopped = true;
  }

  resume(): void {
    if (this.child === undefined || !this.stopped) return;
    this.child.kill('SIGCONT');
    this.stopped = false;
  }

  /** Removes the data dir (the member must not run). */
  wipe(): void {
    if (this.child !== undefined) throw new Error(`${this.spec.name} is running`);
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
