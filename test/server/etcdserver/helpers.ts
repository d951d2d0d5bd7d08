import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdServer, type ServerConfig } from '../../../server/src/etcdserver/index.js';
import { waitFor } from '../../support/wait-for.js';

export const PEER = 'http://127.0.0.1:2380';

/** A member of one named m1, with fast ticks for tests, and etcd's other defaults. */
export function memberConfig(dataDir: string, over: Partial<ServerConfig> = {}): ServerConfig {
  return {
    name: 'm1',
    dataDir,
    peerUrls: [PEER],
    clientUrls: ['http://127.0.0.1:2379'],
    initialCluster: new Map([['m1', [PEER]]]),
    initialClusterToken: 'etcd-cluster',
    heartbeatMs: 10,
    electionMs: 100,
    snapshotCount: 10_000,
    snapshotCatchUpEntries: 5000,
    maxSnapshots: 5,
    maxWals: 5,
    quotaBackendBytes: 2 ** 31,
    maxRequestBytes: 1.5 * 1024 * 1024,
    maxTxnOps: 128,
    autoCompactionMode: 'periodic',
    autoCompactionRetention: 0,
    ...over,
  };
}

/** Runs fn with a fresh temporary directory, removed afterwards. */
export async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-member-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a member and waits until it has elected itself. */
export async function started(cfg: ServerConfig): Promise<EtcdServer> {
  const s = await EtcdServer.start(cfg);
  await waitFor(() => s.hasLeader(), 'the member to elect itself');
  return s;
}
