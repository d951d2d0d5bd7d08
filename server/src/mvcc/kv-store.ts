import { type Backend, Bucket } from '../backend/index.js';
import { errorMessage, tracer } from '../util/index.js';
import { finishCompaction, scheduleCompaction } from './compactor.js';
import { CompactedError, FutureRevisionError, RevisionNotFoundError, StoreCorruptError, WriteInProgressError } from './errors.js';
import { type BackendHash, hashBackend, hashKv, type KvHash } from './hash.js';
import { decodeKeyValue } from './kv-codec.js';
import type { Leases } from './leases.js';
import { decodeRevisionKey } from './revision.js';
import { FINISHED_COMPACT_KEY, type KvRangeResult, type RangeOptions, SCHEDULED_COMPACT_KEY, StoreCore, type WriteObserver } from './store-core.js';
import { TreeIndex } from './tree-index.js';
import { WriteTxn } from './write-txn.js';

export interface KvStoreOptions {
  /** Index keys and backend records handled per compaction step. Default 1000, as etcd's. */
  compactionBatchLimit?: number;
  /** The lessor to tell which keys belong to which lease (etcd's lessor attachments). */
  leases?: Leases;
  /** Told of every write txn that changed something, synchronously as it ends. */
  observer?: WriteObserver;
}

const trace = tracer('mvcc');
const ALL_KEYS = new Uint8Array([0]);

/**
 * etcd's multi-version key-value store on the backend: every change is kept under its
 * revision in the `key` bucket (value: mvccpb.KeyValue), and an in-memory TreeIndex maps
 * keys to revisions. Reads at past revisions work until a compaction removes them.
 *
 * Writes go through `write()` txns, one at a time; reads (`range`, `hashKV`) are synchronous.
 * Compaction runs in steps between which the event loop serves reads and writes.
 */
export class KvStore {
  /**
   * Rebuilds the store from the backend: the index from every record in revision order, the
   * current and compact revisions, and finishes a compaction a crash interrupted.
   */
  static async open(backend: Backend, options: KvStoreOptions = {}): Promise<KvStore> {
    const store = new KvStore(new StoreCore(backend, options.leases, options.observer), options.compactionBatchLimit ?? 1000);
    const scheduled = store.restore();
    if (scheduled > store.core.compactRev) {
      trace('finishing compaction at %d interrupted before its end', scheduled);
      store.core.currentRev = Math.max(store.core.currentRev, scheduled);
      await store.compact(scheduled);
    }
    return store;
  }

  private compactions: Promise<void> = Promise.resolve();

  private constructor(
    private readonly core: StoreCore,
    private readonly compactionBatch: number,
  ) {}

  /** The current revision: the last one a write txn ended with (1 for an empty store). */
  get rev(): number {
    return this.core.currentRev;
  }

  /** The revision of the latest compaction started; reads below it fail. */
  get compactRev(): number {
    return this.core.compactRev;
  }

  /** Opens the write txn; end() it before the next (WriteInProgressError otherwise). */
  write(): WriteTxn {
    if (this.core.writing) throw new WriteInProgressError('a write txn is still open');
    this.core.writing = true;
    return new WriteTxn(this.core, this.core.currentRev);
  }

  /** Reads the keys of [key, end) (`end` as TreeIndex ranges) at `opts.rev` (default current). */
  range(key: Uint8Array, end?: Uint8Array, opts: RangeOptions = {}): KvRangeResult {
    return this.core.rangeKeys(key, end, this.core.currentRev, opts);
  }

  /**
   * Compacts history up to `rev`: reads below `rev` fail from the call on; the returned promise
   * resolves when the superseded records are deleted and the end is durable. Compactions run
   * one after another in call order.
   */
  compact(rev: number): Promise<void> {
    if (rev <= this.core.compactRev) return Promise.reject(new CompactedError());
    if (rev > this.core.currentRev) return Promise.reject(new FutureRevisionError());
    const scheduled = scheduleCompaction(this.core, rev);
    // Awaited (and its failure reported) by `run`, possibly after an earlier compaction ends.
    scheduled.catch(() => undefined);
    const run = this.compactions.then(async () => {
      await scheduled;
      await finishCompaction(this.core, rev, this.compactionBatch);
    });
    this.compactions = run.catch(() => undefined);
    return run;
  }

  /** Resolves once no compaction is running (before the backend is replaced under the store). */
  async idle(): Promise<void> {
    await this.compactions;
  }

  /**
   * Rebuilds the index and revisions from the backend after its content was replaced (a raft
   * snapshot installed): synchronously up to the first await, so no read sees the old index over
   * the new data. Resolves when a compaction the new data left unfinished has finished.
   */
  reload(): Promise<void> {
    const core = this.core;
    core.index = new TreeIndex();
    core.currentRev = 1;
    core.compactRev = 0;
    const scheduled = this.restore();
    if (scheduled <= core.compactRev) return Promise.resolve();
    core.currentRev = Math.max(core.currentRev, scheduled);
    return this.compact(scheduled);
  }

  /** etcd's HashKV at `rev` (0: current); see hashKv. */
  hashKV(rev = 0): KvHash {
    return hashKv(this.core, rev);
  }

  /** Tells the lessor, after a restart, which live keys are attached to which lease. */
  private attachLeases(leases: Leases): void {
    const { kvs } = this.core.rangeKeys(new Uint8Array(0), ALL_KEYS, this.core.currentRev, {});
    for (const kv of kvs) {
      if (kv.lease === 0n) continue;
      try {
        leases.attach(kv.lease, kv.key);
      } catch (err) {
        // A key whose lease record is gone (a damaged backend: revoke removes both together).
        // etcd warns and serves on; the key stays, unattached, until deleted.
        trace('key %s names lease %s, which the lessor does not have: %s', Buffer.from(kv.key).toString('latin1'), kv.lease.toString(16), errorMessage(err));
      }
    }
  }

  /** etcd's Hash: of the whole backend (every bucket), with the current revision; see hashBackend. */
  hash(): BackendHash {
    return hashBackend(this.core);
  }

  /** Loads the index and revisions from the backend; returns the scheduled compact revision. */
  private restore(): number {
    const core = this.core;
    core.compactRev = metaRevision(core, FINISHED_COMPACT_KEY);
    const scheduled = metaRevision(core, SCHEDULED_COMPACT_KEY);
    let records = 0;
    const view = core.backend.readView();
    try {
      view.forEach(Bucket.key, new Uint8Array(0), undefined, (k, v) => {
        restoreRecord(core, k, v);
        records++;
      });
    } finally {
      view.release();
    }
    core.currentRev = Math.max(core.currentRev, core.compactRev);
    if (core.leases !== undefined) this.attachLeases(core.leases);
    trace('restored %d records: rev %d, compacted at %d', records, core.currentRev, core.compactRev);
    return scheduled;
  }
}

function restoreRecord(core: StoreCore, k: Uint8Array, v: Uint8Array): void {
  let decoded;
  let key;
  try {
    decoded = decodeRevisionKey(k);
    key = decodeKeyValue(v).key;
  } catch (err) {
    throw new StoreCorruptError(`bad record in the key bucket: ${errorMessage(err)}`, { cause: err });
  }
  core.currentRev = decoded.rev.main;
  if (!decoded.tombstone) {
    core.index.put(key, decoded.rev);
    return;
  }
  try {
    core.index.tombstone(key, decoded.rev);
  } catch (err) {
    // A tombstone whose put a compaction removed: nothing to end (etcd skips it too).
    if (!(err instanceof RevisionNotFoundError)) throw err;
  }
}

function metaRevision(core: StoreCore, name: Uint8Array): number {
  const bytes = core.backend.get(Bucket.meta, name);
  if (bytes === undefined) return 0;
  try {
    return decodeRevisionKey(bytes).rev.main;
  } catch (err) {
    throw new StoreCorruptError(`bad meta value ${Buffer.from(name).toString()}: ${errorMessage(err)}`, { cause: err });
  }
}
