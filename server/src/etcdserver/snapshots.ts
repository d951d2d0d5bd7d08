import type { Backend } from '../backend/index.js';
import { type Index, type RawNode, type Snapshot, index } from '../raft/index.js';
import { type Logger, tracer } from '../util/index.js';
import type { BootedRaft } from './bootstrap.js';
import { SNAPSHOT_CATCH_UP_ENTRIES, type ServerConfig } from './config.js';

const trace = tracer('etcdserver');

/**
 * Raft snapshots of a member (etcd's triggerSnapshot): every `snapshotCount` applied entries
 * the backend is committed (it must hold everything the snapshot claims), the snapshot's
 * metadata is written to a `.snap` file and marked in the WAL, raft's log is compacted (keeping
 * some entries for followers slightly behind), WAL segments before it are released and old
 * snapshot files purged. The data itself is the backend: the snapshot file carries none.
 */
export class Snapshots {
  private snapshotIndex: Index;

  constructor(
    private readonly cfg: ServerConfig,
    private readonly raft: BootedRaft,
    private readonly backend: Backend,
    private readonly applied: () => Index,
    private readonly log: Logger,
  ) {
    this.snapshotIndex = raft.snapshot?.metadata.index ?? index(0);
  }

  async maybeSnapshot(node: RawNode): Promise<void> {
    const applied = this.applied();
    if (applied - this.snapshotIndex <= this.cfg.snapshotCount) return;
    await this.backend.commit();
    const storage = this.raft.raftStorage;
    const snap = storage.createSnapshot(applied, node.raft.trk.confState(), new Uint8Array(0));
    await this.persist(snap);
    const compactTo = applied - SNAPSHOT_CATCH_UP_ENTRIES;
    if (compactTo > storage.firstIndex()) storage.compact(index(compactTo));
    await this.raft.wal.releaseTo(applied, this.cfg.maxWals);
    await this.raft.snapshotter.purge();
    this.snapshotIndex = applied;
    trace('snapshot at %d; raft log from %d', applied, storage.firstIndex());
    this.log.info('saved snapshot', { 'snapshot-index': applied, 'raft-log-first-index': storage.firstIndex() });
  }

  /** A snapshot raft received from the leader: recorded before its entries' state is used. */
  async saveIncoming(snap: Snapshot): Promise<void> {
    await this.persist(snap);
    this.snapshotIndex = snap.metadata.index;
  }

  private async persist(snap: Snapshot): Promise<void> {
    await this.raft.snapshotter.save(snap);
    await this.raft.wal.saveSnapshot({ index: snap.metadata.index, term: snap.metadata.term, confState: snap.metadata.confState });
  }
}
