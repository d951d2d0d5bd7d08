// A single-member server for the comparison benchmark: Cairn (the built binary) or etcd, on its
// own free ports and a fresh data dir under os.tmpdir(), with the settings both are given alike.
// Unlike the e2e MemberProcess it exposes the pid, so the benchmark can sample the server's RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CAIRN_MAIN, ETCD_BIN, freePort } from '../e2e/cluster-process.js';
import { healthy, rssOf } from './proc.js';

export type ServerKind = 'cairn' | 'etcd';

/** Flags both servers get, so neither runs with a setting the other lacks. */
export const EQUAL_SETTINGS = ['--snapshot-count', '10000', '--quota-backend-bytes', String(2 * 1024 ** 3)];

export class BenchServer {
  private exited: Promise<void>;
  private log = '';

  private constructor(
    readonly kind: ServerKind,
    readonly dataDir: string,
    readonly endpoint: string,
    private readonly child: ChildProcess,
  ) {
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.log = (this.log + s).slice(-16_384)));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Starts a fresh member and waits (deadline 60 s) until /health says true. */
  static async start(kind: ServerKind): Promise<BenchServer> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `cairn-bench-${kind}-`));
    const client = `http://127.0.0.1:${await freePort()}`;
    const peer = `http://127.0.0.1:${await freePort()}`;
    const name = kind === 'cairn' ? 'bench-c' : 'bench-e';
    const flags = [
      '--name', name, '--data-dir', path.join(dataDir, 'data'),
      '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `${name}=${peer}`, ...EQUAL_SETTINGS,
    ];
    const child = kind === 'cairn'
      ? spawn(process.execPath, [CAIRN_MAIN, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(ETCD_BIN, [...flags, '--logger', 'zap', '--log-outputs', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const s = new BenchServer(kind, dataDir, client.slice('http://'.length), child);
    const end = Date.now() + 60_000;
    while (!(await healthy(client))) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${kind} exited while starting:\n${s.log}`);
      if (Date.now() > end) {
        await s.stop();
        throw new Error(`${kind} not healthy within 60 s:\n${s.log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return s;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Resident set size now, in bytes (VmRSS of /proc/PID/status); 0 if it cannot be read. */
  rssBytes(): number {
    return rssOf(this.pid);
  }

  /** SIGTERM (SIGKILL after 10 s), then removes the data dir. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
