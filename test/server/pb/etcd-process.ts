// Runs a real single-member etcd on loopback for the wire-compatibility test: free ports,
// a throwaway data dir, and a clean kill afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ETCD_BIN = '/usr/bin/etcd';
export const ETCDCTL_BIN = '/usr/bin/etcdctl';
export const MEMBER_NAME = 'cairn-pb';

export interface EtcdProcess {
  readonly clientAddr: string; // host:port, as grpc-js wants it
  readonly peerUrl: string;
  readonly clientUrl: string;
  readonly dataDir: string;
  /** Everything etcd logged so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** Asks the kernel for a free port on 127.0.0.1 by binding port 0. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function startEtcd(): Promise<EtcdProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-pb-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
    `--name=${MEMBER_NAME}`, `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`, `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${MEMBER_NAME}=${peerUrl}`, '--initial-cluster-state=new',
    '--log-level=warn', '--logger=zap',
  ];
  const child = spawn(ETCD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return {
    clientAddr: `127.0.0.1:${clientPort}`,
    clientUrl,
    peerUrl,
    dataDir,
    log: () => output,
    stop: async () => {
      await kill(child);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** Polls `probe` until it resolves, or throws the last error once the deadline passes. */
export async function waitFor<T>(what: string, deadlineMs: number, probe: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await probe();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: err });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
