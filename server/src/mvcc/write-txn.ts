import { Bucket } from '../backend/index.js';
import { TxnEndedError } from './errors.js';
import type { Change } from './change.js';
import { encodeKeyValue, type KeyValue, tombstoneValue } from './kv-codec.js';
import { encodeRevisionKey, type Revision } from './revision.js';
import type { KvRangeResult, RangeOptions, StoreCore } from './store-core.js';


const EMPTY = new Uint8Array(0);

/**
 * A group of writes that becomes ONE store revision (etcd's storeTxnWrite): every change gets
 * main revision `rev` = the revision at begin + 1 and sub revisions 0, 1, 2... in order.
 * Writes go to the backend batch and the index at once; the store's revision moves only at
 * `end()`, so reads outside the txn do not see them before. If nothing changed, the revision
 * does not move.
 */
export class WriteTxn {
  private readonly changes: Change[] = [];
  private ended = false;

  constructor(
    private readonly core: StoreCore,
    /** The store revision when the txn began. */
    readonly beginRev: number,
  ) {}

  /** Whether the txn has changed anything yet (it then ends at `rev`, else at `beginRev`). */
  get changed(): boolean {
    return this.changes.length > 0;
  }

  /** The revision this txn's changes carry. */
  get rev(): number {
    return this.beginRev + 1;
  }

  /**
   * Reads as etcd's write txn does: at the begin revision until the txn has changed something,
   * then at its own revision, so it sees its own earlier writes.
   */
  range(key: Uint8Array, end?: Uint8Array, opts: RangeOptions = {}): KvRangeResult {
    this.assertOpen();
    return this.core.rangeKeys(key, end, this.readRev(), opts);
  }

  /**
   * Writes `value` under `key`. The create revision and version continue the key's live
   * generation (read from its last record), or start a new one at this revision.
   */
  put(key: Uint8Array, value: Uint8Array, lease = 0n): KeyValue {
    this.assertOpen();
    const rev = this.nextRevision();
    const prev = this.core.index.get(key, this.rev);
    const old = prev === undefined ? undefined : this.core.readRevision(prev.modified);
    const kv: KeyValue = {
      key: Uint8Array.from(key),
      createRevision: old?.createRevision ?? this.rev,
      modRevision: this.rev,
      version: (old?.version ?? 0) + 1,
      value: Uint8Array.from(value),
      lease,
    };
    this.core.backend.put(Bucket.key, encodeRevisionKey(rev), encodeKeyValue(kv));
    this.core.index.put(kv.key, rev);
    const leases = this.core.leases;
    if (leases !== undefined && old?.lease !== lease) {
      if (old !== undefined && old.lease !== 0n) leases.detach(old.lease, kv.key);
      if (lease !== 0n) leases.attach(lease, kv.key);
    }
    this.changes.push({ type: 'put', kv, prev: old });
    return kv;
  }

  /**
   * Deletes every live key in the range (`end` as TreeIndex ranges); returns the key-values
   * deleted, as they were just before.
   */
  deleteRange(key: Uint8Array, end?: Uint8Array): KeyValue[] {
    this.assertOpen();
    const { keys, revs } = this.core.index.range(key, end, this.readRev());
    const deleted: KeyValue[] = [];
    for (let i = 0; i < keys.length; i++) {
      const prev = this.core.readRevision(revs[i] as Revision);
      this.tombstone(keys[i] as Uint8Array, prev);
      deleted.push(prev);
    }
    return deleted;
  }

  /**
   * Ends the txn: the store's revision becomes `rev` if anything changed. Returns the changes
   * in order. The caller sets the backend's consistent index; the backend commits on its own.
   */
  end(): Change[] {
    this.assertOpen();
    this.ended = true;
    this.core.writing = false;
    if (this.changes.length === 0) return [];
    this.core.currentRev = this.rev;
    const changes = [...this.changes];
    this.core.observer?.(this.rev, changes);
    return changes;
  }

  private tombstone(key: Uint8Array, prev: KeyValue): void {
    const rev = this.nextRevision();
    this.core.backend.put(Bucket.key, encodeRevisionKey(rev, true), tombstoneValue(key));
    this.core.index.tombstone(key, rev);
    if (prev.lease !== 0n) this.core.leases?.detach(prev.lease, key);
    const kv: KeyValue = { key: Uint8Array.from(key), createRevision: 0, modRevision: this.rev, version: 0, value: EMPTY, lease: 0n };
    this.changes.push({ type: 'delete', kv, prev });
  }

  private readRev(): number {
    return this.changes.length > 0 ? this.rev : this.beginRev;
  }

  private nextRevision(): Revision {
    return { main: this.rev, sub: this.changes.length };
  }

  private assertOpen(): void {
    if (this.ended) throw new TxnEndedError('write txn used after end()');
  }
}
