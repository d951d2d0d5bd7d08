import { CairnError } from './errors.js';

/**
 * Named failpoints: places in the code where a test can make Cairn crash or fail on purpose.
 * They cost one boolean check unless some failpoint is enabled.
 *
 * Enable them from the environment, `CAIRN_FAILPOINTS="walBeforeFsync=exit,walAfterWrite=throw"`,
 * or from a test with `enableFailpoint(name, action)`. Actions:
 * - `throw`: throw a FailpointError at that point;
 * - `exit`: kill the process at once with SIGKILL, as a crash would;
 * - `count(N)->A`: pass N times, then do A (throw or exit);
 * - `on`: a switch, not a crash: `failpoint(name)` does nothing, `failpointOn(name)` is true.
 *
 * The crash points, in the order a write meets them:
 * - `walBeforeWrite`: a WAL save, before its frames are written (wal/wal.ts);
 * - `walBeforeFsync` / `walAfterFsync`: around the fdatasync of a WAL save (wal/wal.ts);
 * - `walBeforeCut`: before the WAL ends a full segment and starts the next (wal/wal.ts);
 * - `applyBeforeConsistentIndex`: entries applied to the backend's write buffer, their
 *   consistent index not yet set (etcdserver/server.ts). Both go to LMDB in one transaction,
 *   so a crash here loses the buffer as a whole; the backend commit points are the finer ones;
 * - `backendBeforeCommit` / `backendAfterCommit`: around the LMDB transaction that makes a
 *   batch of applied writes and their consistent index durable together (backend/backend.ts);
 * - `compactBeforeFinish`: a compaction that removed some batches of old revisions but has not
 *   recorded that it finished (mvcc/compactor.ts);
 * - `compactAfterBatch`: after each batch of a compaction's deletes went to the backend's write
 *   buffer; earlier batches may already be committed by the periodic commit, so a crash here can
 *   leave a compaction half done on disk (mvcc/compactor.ts);
 * - `snapBeforeSave`: a raft snapshot is due, its database committed, nothing written for it yet
 *   (etcdserver/snapshots.ts);
 * - `snapBeforeRename`: the snapshot file written and fsynced under a temporary name (snap/snapshotter.ts);
 * - `snapAfterSave`: snapshot file saved, its WAL snapshot record not yet (etcdserver/snapshots.ts);
 * - `snapBeforeWalRelease`: snapshot and WAL record saved, old WAL segments not yet released
 *   (etcdserver/snapshots.ts);
 * - `raftBeforeInstallSnapshot`: a follower saved the leader's snapshot and will swap its
 *   database in (etcdserver/server.ts);
 * - `raftAfterSnapshotSwap`: the snapshot's database replaced the backend file, the in-memory
 *   indexes (key index, leases, members) not yet rebuilt from it (etcdserver/server.ts);
 * - `defragBeforeRename` / `defragAfterRename`: around the swap of the compacted copy of the db
 *   for the db (backend/backend.ts).
 *
 * Test-only broken modes (action `on`), which make Cairn unsafe so that the robustness suite can
 * show it catches what they break. Never enable them outside tests:
 * - `unsafeAckBeforeFsync`: the WAL keeps saved frames in memory and writes and fsyncs them only
 *   about every 200 ms, and the backend stops its periodic commits, while the member answers as
 *   if everything were durable; kill -9 then loses acknowledged writes (wal/wal.ts, backend/backend.ts);
 * - `unsafeFollowerLocalRead`: linearizable reads are served from local state without ReadIndex,
 *   so a follower cut off from the leader answers with stale data (etcdserver/read-index.ts).
 */
export type FailpointAction = 'throw' | 'exit' | 'on';

interface Armed {
  action: FailpointAction;
  skip: number;
}

export class FailpointError extends CairnError {}

const armed = new Map<string, Armed>();
let anyArmed = false;

function parse(spec: string): Armed {
  const m = /^count\((\d+)\)->(throw|exit)$/.exec(spec);
  if (m) return { skip: Number(m[1]), action: m[2] as FailpointAction };
  if (spec === 'throw' || spec === 'exit' || spec === 'on') return { skip: 0, action: spec };
  throw new CairnError(`bad failpoint action "${spec}" (want throw, exit, on or count(N)->throw|exit)`);
}

export function enableFailpoint(name: string, spec: string): void {
  armed.set(name, parse(spec));
  anyArmed = true;
}

export function disableFailpoint(name: string): void {
  armed.delete(name);
  anyArmed = armed.size > 0;
}

/** Marks a failpoint. Does nothing unless the failpoint is enabled. */
export function failpoint(name: string): void {
  if (!anyArmed) return;
  const a = armed.get(name);
  if (a === undefined || a.action === 'on') return;
  if (a.skip > 0) {
    a.skip--;
    return;
  }
  if (a.action === 'exit') process.kill(process.pid, 'SIGKILL');
  throw new FailpointError(`failpoint ${name} triggered`);
}

/** Whether the switch `name` is enabled with action `on` (one boolean check when nothing is armed). */
export function failpointOn(name: string): boolean {
  return anyArmed && armed.get(name)?.action === 'on';
}

for (const part of (process.env['CAIRN_FAILPOINTS'] ?? '').split(',')) {
  const eq = part.indexOf('=');
  if (eq > 0) enableFailpoint(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
}
