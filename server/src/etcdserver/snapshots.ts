import { createWriteStream, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Backend } from '../backend/index.js';
import { type Index, type RawNode, type Snapshot, index } from '../raft/index.js';
import { type Logger, failpoint, fsyncDir, hex16, tracer } from '../util/index.js';
import type { BootedRaft } from './bootstrap.js';
import { type ServerConfig, snapDir } from './config.js';

const trace = tracer('etcdserver');
let partSeq = 0;

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

  /** Where the database of the raft snapshot at `at` waits to be installed (etcd's `%016x.snap.db`). */
  dbFile(at: number): string {
    return dbFileOf(this.cfg, at);
  }

  /**
   * Saves a snapshot's database as it arrives from the leader: into a `.part` file, fsynced,
   * then renamed to its final name, so that a file with the final name is always whole.
   */
  async saveDatabase(at: number, db: AsyncIterable<Uint8Array>): Promise<void> {
    const file = this.dbFile(at);
    // Its own name: a resend may start while an earlier transfer of the same snapshot still runs.
    const part = `${file}.${++partSeq}.part`;
    try {
      await pipeline(db, createWriteStream(part, { flush: true }));
      renameSync(part, file);
      fsyncDir(snapDir(this.cfg));
    } catch (err) {
      rmSync(part, { force: true });
      throw err;
    }
  }

  /** Removes received databases (and partial ones) not newer than the one installed at `at`. */
  removeDatabasesUpTo(at: number): void {
    for (const name of readdirSync(snapDir(this.cfg))) {
      const m = /^([0-9a-f]{16})\.snap\.db(\.\d+\.part)?$/.exec(name);
      if (m !== null && (Number.parseInt(m[1] ?? '', 16) <= at || m[2] !== undefined)) rmSync(join(snapDir(this.cfg), name), { force: true });
    }
  }

  private async take(snap: Snapshot): Promise<void> {
    const at = snap.metadata.index;
    await this.backend.commit();
    failpoint('snapBeforeSave');
    await this.persist(snap);
    failpoint('snapBeforeWalRelease');
    const storage = this.raft.raftStorage;
    const compactTo = at - this.cfg.snapshotCatchUpEntries;
    if (compactTo > storage.firstIndex()) storage.compact(index(compactTo));
    await this.raft.wal.releaseTo(at, this.cfg.maxWals);
    await this.raft.snapshotter.purge();
    this.snapshotIndex = at;
    trace('snapshot at %d; raft log from %d', at, storage.firstIndex());
    this.log.info('saved snapshot', { 'snapshot-index': at, 'raft-log-first-index': storage.firstIndex() });
  }

  private async persist(snap: Snapshot): Promise<void> {
    await this.raft.snapshotter.save(snap);
    failpoint('snapAfterSave');
    await this.raft.wal.saveSnapshot({ index: snap.metadata.index, term: snap.metadata.term, confState: snap.metadata.confState });
  }
}

/** The file a received snapshot database for the raft snapshot at `at` is kept in until installed. */
export function dbFileOf(cfg: ServerConfig, at: number): string {
  return join(snapDir(cfg), `${hex16(at)}.snap.db`);
}
