// Real member processes for the end-to-end tests: a Cairn member (the built binary) or a real
// etcd 3.4.23, each on free loopback ports and its own temp data dir, plus a helper that runs
// the real etcdctl against them. Every wait has a deadline that only bounds a hang; none decides
// an outcome.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built cairn binary, found relative to this compiled file (dist/test/e2e → dist/server/src). */
export const CAIRN_MAIN = fileURLToPath(new URL('../../server/src/main.js', import.meta.url));
export const ETCD_BIN = process.env['CAIRN_E2E_ETCD'] ?? '/usr/bin/etcd';
export const ETCDCTL_BIN = process.env['CAIRN_E2E_ETCDCTL'] ?? '/usr/bin/etcdctl';

export interface CtlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CtlOptions {
  readonly stdin?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Bounds a hung etcdctl; it is then killed and the result has code -1. */
  readonly deadlineMs?: number;
}

/** Runs etcdctl (API v3) with the given arguments and collects its output. */
export function etcdctl(args: readonly string[], opts: CtlOptions = {}): Promise<CtlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(ETCDCTL_BIN, [...args], {
      env: { ...process.env, ETCDCTL_API: '3', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.deadlineMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
  });
}

/** A free TCP port on 127.0.0.1: bind :0, read the port, release it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** One GET; resolves with the status code, or 0 when the connection fails. */
function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export type MemberKind = 'cairn' | 'etcd';

export interface StartOptions {
  /** Extra environment for the member process (e.g. CAIRN_FAILPOINTS). */
  readonly env?: Readonly<Record<string, string>>;
  /** Do not wait for /health (for a member expected to crash during start). */
  readonly noWait?: boolean;
  /** More flags for the member (kept for restarts unless a restart gives its own). */
  readonly extraArgs?: readonly string[];
  /** Member name; m1 for Cairn and e1 for etcd unless given (the differential test gives both the same). */
  readonly name?: string;
  /** Runs once before the first launch, given where the member will live (e.g. to restore a snapshot there). */
  readonly prepare?: (m: { dataDir: string; name: string; peerUrl: string }) => Promise<void>;
  /** More client URLs to listen on beside the cleartext one that health checks use (e.g. an https one). */
  readonly extraClientUrls?: readonly string[];
}

/**
 * A member process on one data dir. start() picks the ports once; restart() keeps them and the
 * data dir, so a restarted member is the same member to clients and to itself.
 */
export class MemberProcess {
  readonly dataDir: string;
  private child: ChildProcess | undefined;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  private extraArgs: readonly string[] = [];
  private extraClientUrls: readonly string[] = [];
  private clientPort = 0;
  private peerPort = 0;
  /** The last ~64 KiB of the member's stderr, for failure messages. */
  private log = '';

  private constructor(
    readonly kind: MemberKind,
    readonly name: string,
  ) {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `cairn-e2e-${kind}-`));
  }

  /** Starts a fresh member of the given kind and waits until it is healthy. */
  static async start(kind: MemberKind, opts: StartOptions = {}): Promise<MemberProcess> {
    const m = new MemberProcess(kind, opts.name ?? (kind === 'cairn' ? 'm1' : 'e1'));
    m.extraClientUrls = opts.extraClientUrls ?? [];
    m.clientPort = await freePort();
    m.peerPort = await freePort();
    await opts.prepare?.({ dataDir: m.dataDir, name: m.name, peerUrl: `http://127.0.0.1:${m.peerPort}` });
    await m.launch(opts);
    return m;
  }

  get endpoint(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  get clientUrl(): string {
    return `http://${this.endpoint}`;
  }

  /** The process id while it runs (benchmarks sample its memory). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get stderrTail(): string {
    return this.log.slice(-4_000);
  }

  /** etcdctl against this member. */
  ctl(args: readonly string[], opts: CtlOptions = {}): Promise<CtlResult> {
    return etcdctl([`--endpoints=${this.endpoint}`, ...args], opts);
  }

  /** Starts the process again on the same data dir and ports. */
  async restart(opts: StartOptions = {}): Promise<void> {
    if (this.child !== undefined) throw new Error(`${this.kind} member is still running`);
    await this.launch(opts);
  }

  /** SIGTERM, then waits for the exit; returns how it ended (etcd re-raises the signal; Cairn exits 0). */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.signal('SIGTERM');
  }

  /** SIGKILL, then waits for the exit. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Waits for a process that is expected to die on its own (a failpoint); returns how it ended. */
  async waitExit(deadlineMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const exited = this.exited;
    if (exited === undefined) throw new Error('member is not running');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), deadlineMs)));
    const r = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    if (r === 'timeout') throw new Error(`${this.kind} member did not exit within ${deadlineMs} ms`);
    return r;
  }

  /** Stops the process if it runs (SIGKILL) and removes the data dir. */
  async destroy(): Promise<void> {
    if (this.child !== undefined) await this.kill();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Polls /health until it answers 200; fails early if the process exits. */
  async waitHealthy(deadlineMs = 30_000): Promise<void> {
    const end = Date.now() + deadlineMs;
    for (;;) {
      if (this.child === undefined) throw new Error(`${this.kind} member exited while starting:\n${this.stderrTail}`);
      if ((await httpStatus(`${this.clientUrl}/health`)) === 200) return;
      if (Date.now() > end) throw new Error(`timed out waiting for ${this.kind} /health:\n${this.stderrTail}`);
      await delay(50);
    }
  }

  private args(): string[] {
    const client = this.clientUrl;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const common = [
      '--name', this.name,
      '--data-dir', this.dataDir,
      '--listen-client-urls', [client, ...this.extraClientUrls].join(','),
      '--advertise-client-urls', client,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `${this.name}=${peer}`,
    ];
    if (this.kind === 'cairn') return [CAIRN_MAIN, ...common];
    return [...common, '--logger', 'zap', '--log-outputs', 'stderr'];
  }

  private async launch(opts: StartOptions): Promise<void> {
    if (opts.extraArgs !== undefined) this.extraArgs = opts.extraArgs;
    const cmd = this.kind === 'cairn' ? process.execPath : ETCD_BIN;
    const child = spawn(cmd, [...this.args(), ...this.extraArgs], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      this.log = (this.log + s).slice(-65_536);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        resolve({ code, signal });
      });
    });
    if (opts.noWait !== true) await this.waitHealthy();
  }

  private async signal(sig: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    const exited = this.exited;
    if (child === undefined || exited === undefined) throw new Error(`${this.kind} member is not running`);
    child.kill(sig);
    return this.waitExit();
  }
}

/**
 * A running `etcdctl watch ...`: its output is read incrementally, so a test can wait until the
 * lines it expects have arrived (with a deadline), then stop it.
 */
export class WatchProcess {
  private out = '';
  private err = '';
  private readonly exited: Promise<void>;
  private done = false;
  private readonly child: ChildProcess;

  constructor(args: readonly string[], opts: { readonly stdin?: string } = {}) {
    const child = spawn(ETCDCTL_BIN, [...args], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (this.out += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.err += s));
    child.stdin?.on('error', () => undefined);
    if (opts.stdin !== undefined) child.stdin?.write(opts.stdin);
    this.exited = new Promise((resolve) => child.once('close', () => {
      this.done = true;
      resolve();
    }));
  }

  /** Whether the etcdctl process has exited. */
  get ended(): boolean {
    return this.done;
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  /** Writes to the watch's stdin (interactive mode). */
  write(s: string): void {
    this.child.stdin?.write(s);
  }

  /** Waits until the output so far satisfies cond. */
  async waitFor(cond: (stdout: string) => boolean, what: string, deadlineMs = 15_000): Promise<void> {
    const end = Date.now() + deadlineMs;
    while (!cond(this.out)) {
      if (this.done) throw new Error(`etcdctl watch exited before ${what}; stdout:\n${this.out}\nstderr:\n${this.err}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stdout so far:\n${this.out}\nstderr:\n${this.err}`);
      await delay(10);
    }
  }

  /** Waits until stdout holds at least n lines. */
  waitLines(n: number, deadlineMs?: number): Promise<void> {
    return this.waitFor((s) => s.split('\n').length - 1 >= n, `${n} lines of watch output`, deadlineMs);
  }

  async stop(): Promise<void> {
    if (!this.done) this.child.kill('SIGTERM');
    await this.exited;
  }
}
