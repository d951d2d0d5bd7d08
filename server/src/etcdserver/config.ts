import { join } from 'node:path';
import type { TokenOptions } from '../auth/index.js';
import type { PeerTlsOptions } from '../transport/index.js';

/** Where a member lives and how it runs: what the command line decides (etcd's ServerConfig). */
export interface ServerConfig {
  name: string;
  dataDir: string;
  /** Where the WAL goes (default: dataDir/member/wal). */
  walDir?: string;
  /** This member's peer URLs, as advertised (its id derives from them). */
  peerUrls: string[];
  clientUrls: string[];
  /** The initial cluster: member name → peer URLs. */
  initialCluster: Map<string, string[]>;
  initialClusterToken: string;
  /** new: bootstrap the cluster of --initial-cluster; existing: join a running one (default new). */
  initialClusterState?: 'new' | 'existing';
  /** Ticks of heartbeatMs. */
  heartbeatMs: number;
  electionMs: number;
  snapshotCount: number;
  maxSnapshots: number;
  maxWals: number;
  quotaBackendBytes: number;
  maxRequestBytes: number;
  maxTxnOps: number;
  /** periodic: retention is a duration in ms; revision: a count of revisions. */
  autoCompactionMode: 'periodic' | 'revision';
  autoCompactionRetention: number;
  /** --max-learners (default 1). */
  maxLearners?: number;
  /** Peer TLS (--peer-cert-file ...), for https:// peer URLs; also used to ask peers when joining. */
  peerTls?: PeerTlsOptions;
  /** Auth: the token kind (--auth-token, parsed), --auth-token-ttl, --bcrypt-cost. Default simple, 300 s, 10. */
  auth?: { readonly token: TokenOptions; readonly tokenTtlMs: number; readonly bcryptCost: number };
  /** --pre-vote (default true): a pre-vote round before an election, so a partitioned member does not disrupt the cluster. */
  preVote?: boolean;
  /** --strict-reconfig-check (default true): refuse a change that would lose quorum. */
  strictReconfigCheck?: boolean;
  /** Entries kept in raft's log after a snapshot, for followers slightly behind (--experimental-snapshot-catchup-entries). */
  snapshotCatchUpEntries: number;
}

/** etcd's defaults for what the command line leaves out. */
export const DEFAULTS = {
  heartbeatMs: 100,
  electionMs: 1000,
  snapshotCount: 10_000,
  maxSnapshots: 5,
  maxWals: 5,
  quotaBackendBytes: 2 * 1024 * 1024 * 1024,
  maxRequestBytes: 1.5 * 1024 * 1024,
  maxTxnOps: 128,
  /** Entries kept in raft's log after a snapshot, for followers slightly behind (etcd's 5000). */
  snapshotCatchUpEntries: 5000,
} as const;


export function memberDir(c: ServerConfig): string {
  return join(c.dataDir, 'member');
}

export function walDir(c: ServerConfig): string {
  return c.walDir ?? join(memberDir(c), 'wal');
}

export function snapDir(c: ServerConfig): string {
  return join(memberDir(c), 'snap');
}

export function dbPath(c: ServerConfig): string {
  return join(snapDir(c), 'db');
}

/** etcd's request timeout: 5 s plus twice the election timeout. */
export function requestTimeoutMs(c: ServerConfig): number {
  return 5000 + 2 * c.electionMs;
}

/** etcd's minimum lease TTL: 1.5 election timeouts, in whole seconds rounded up. */
export function minLeaseTtl(c: ServerConfig): number {
  return Math.ceil((3 * c.electionMs) / 2 / 1000);
}
