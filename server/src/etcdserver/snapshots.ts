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
  /** The snapshot being taken, if any: taking runs beside the Ready loop, not in it. */
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly cfg: ServerConfig,
    private readonly raft: BootedRaft,
    private readonly backend: Backend,
    private readonly applied: () => Index,
    private readonly log: Logger,
    /** A snapshot that could not be taken leaves the member's files in doubt: the member stops. */
    private readonly onFailure: (err: unknown) => void,
  ) {
    this.snapshotIndex = raft.snapshot?.metadata.index ?? index(0);
  }

  /**
   * Starts a snapshot when more than snapshotCount entries were applied since the last one. Its
   * index and configuration are fixed now; committing the backend (which then holds at least
   * everything applied so far) and writing the files go on while the member keeps applying, as
   * etcd's snapshots do, so writes do not stall behind a backend commit.
   */
  maybeSnapshot(node: RawNode): void {
    if (this.inFlight !== undefined) return;
    const applied = this.applied();
    if (applied - this.snapshotIndex <= this.cfg.snapshotCount) return;
    const snap = this.raft.raftStorage.createSnapshot(applied, node.raft.trk.confState(), new Uint8Array(0));
    this.inFlight = this.take(snap)
      .catch((err: unknown) => this.onFailure(err))
      .finally(() => (this.inFlight = undefined));
  }

  /** Resolves once no snapshot is being taken (before stopping, before an incoming snapshot). */
  async settled(): Promise<void> {
    await this.inFlight;
  }

  /** A snapshot raft received from the leader: recorded before its entries' state is used. */
  async saveIncoming(snap: Snapshot): Promise<void> {
    await this.settled();
    await this.persist(snap);
    this.snapshotIndex = snap.metadata.index;
  }

  private async take(snap: Snapshot): Promise<void> {
    const at = snap.metadata.index;
    await this.backend.commit();
    await this.persist(snap);
    const storage = this.raft.raftStorage;
    const compactTo = at - SNAPSHOT_CATCH_UP_ENTRIES;
    if (compactTo > storage.firstIndex()) storage.compact(index(compactTo));
    await this.raft.wal.releaseTo(at, this.cfg.maxWals);
    await this.raft.snapshotter.purge();
    this.snapshotIndex = at;
    trace('snapshot at %d; raft log from %d', at, storage.firstIndex());
    this.log.info('saved snapshot', { 'snapshot-index': at, 'raft-log-first-index': storage.firstIndex() });
  }

  private async persist(snap: Snapshot): Promise<void> {
    await this.raft.snapshotter.save(snap);
    await this.raft.wal.saveSnapshot({ index: snap.metadata.index, term: snap.metadata.term, confState: snap.metadata.confState });
  }
}
