import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Finds an executable on PATH; undefined when absent (the etcd tests then skip). */
export function which(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '/usr/bin').split(':')) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const ETCD = which('etcd');
export const ETCDCTL = which('etcdctl');
export const ETCD_MISSING = ETCD === undefined || ETCDCTL === undefined ? 'etcd/etcdctl 3.4 binaries not on PATH (Debian packages etcd-server, etcd-client)' : undefined;

/** Runs etcdctl with the v3 API; resolves stdout, rejects with stderr on a non-zero exit. */
export function etcdctl(args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(ETCDCTL ?? 'etcdctl', args, { env: { ...process.env, ETCDCTL_API: '3' }, timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`etcdctl ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A free loopback port (the OS picks it; the tiny window before etcd binds it is accepted). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface EtcdProcess {
  readonly endpoint: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a one-member etcd on loopback and waits (with a deadline) until it reports healthy. */
export async function startEtcd(dataDir: string, name = 'm1', peerPort?: number, deadlineMs = 30_000): Promise<EtcdProcess> {
  const cp = await freePort();
  const pp = peerPort ?? (await freePort());
  const client = `http://127.0.0.1:${cp}`;
  const peer = `http://127.0.0.1:${pp}`;
  const args = [
    '--name', name, '--data-dir', dataDir,
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `${name}=${peer}`,
  ];
  const child = spawn(ETCD ?? 'etcd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-8000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (exited) throw new Error(`etcd exited during startup:\n${log}`);
    try {
      await etcdctl(['--endpoints', client, '--dial-timeout', '1s', '--command-timeout', '2s', 'endpoint', 'health'], 5000);
      break;
    } catch (err) {
      if (Date.now() > end) {
        child.kill('SIGKILL');
        throw new Error(`etcd not healthy within ${deadlineMs} ms: ${String(err)}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    endpoint: client,
    child,
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await exit;
    },
  };
}
