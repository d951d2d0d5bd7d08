import { AuthStore, createTokenProvider } from '../auth/index.js';
import { Backend } from '../backend/index.js';
import { Lessor } from '../lease/index.js';
import { WatchableStore } from '../mvcc/index.js';
import type { Logger } from '../util/index.js';
import { type BootedRaft, bootRaft } from './bootstrap.js';
import { type ServerConfig, dbPath, minLeaseTtl } from './config.js';
import { ServerMetrics } from './metrics.js';
import { installSavedDatabase } from './saved-database.js';

/** What a member is made of, opened from its data dir before the member object exists. */
export interface MemberParts {
  readonly booted: BootedRaft;
  readonly metrics: ServerMetrics;
  readonly backend: Backend;
  readonly lessor: Lessor;
  readonly auth: AuthStore;
  readonly store: WatchableStore;
  /** JWT tokens wait for the entry that issued them to apply: give the member's waitApplied here. */
  setWaitApplied(wait: (index: number) => Promise<void>): void;
}

const DEFAULT_AUTH = { token: { type: 'simple' as const }, tokenTtlMs: 300_000, bcryptCost: 10 };

/**
 * Boots raft (new member, joining member or restart), opens the backend (installing a snapshot
 * database saved before a crash), the lessor, the auth store and the watchable store.
 */
export async function openParts(cfg: ServerConfig, log: Logger): Promise<MemberParts> {
  const random = (n: number): number => Math.floor(Math.random() * n);
  const booted = await bootRaft(cfg, random);
  const metrics = new ServerMetrics();
  const backend = Backend.open(dbPath(cfg), { batchIntervalMs: 100, batchLimit: 10_000, onCommit: (sec) => metrics.backendCommit.observe(sec) });
  await installSavedDatabase(cfg, booted, backend, log);
  const lessor = Lessor.open(backend, { minLeaseTTL: minLeaseTtl(cfg), clock: Date.now });
  let waitApplied: (index: number) => Promise<void> = async () => undefined;
  const authCfg = cfg.auth ?? DEFAULT_AUTH;
  const auth = AuthStore.open(backend, {
    tokenProvider: createTokenProvider(authCfg.token, { simpleTtlMs: authCfg.tokenTtlMs, waitForIndex: (i) => waitApplied(i) }),
    bcryptCost: authCfg.bcryptCost,
  });
  const store = await WatchableStore.open(backend, { leases: lessor });
  log.info(booted.initialMembers.length > 0 ? 'starting a new member' : booted.remoteMembers.length > 0 ? 'joining an existing cluster' : 'restarting member', {
    'local-member-id': booted.memberId.toString(16),
    'cluster-id': booted.clusterId.toString(16),
    'snapshot-index': booted.snapshot?.metadata.index ?? 0,
    'consistent-index': backend.consistentIndex().index,
    'current-revision': store.rev,
    'compact-revision': store.kv.compactRev,
  });
  return { booted, metrics, backend, lessor, auth, store, setWaitApplied: (w) => (waitApplied = w) };
}
