import { type Backend, Bucket } from '../backend/index.js';
import { errorMessage } from '../util/index.js';
import type { Change } from './change.js';
import { CompactedError, FutureRevisionError, StoreCorruptError } from './errors.js';
import { decodeKeyValue, type KeyValue } from './kv-codec.js';
import type { Leases } from './leases.js';
import { type Revision, encodeRevisionKey } from './revision.js';
import { TreeIndex } from './tree-index.js';

/** Options of a range read. */
export interface RangeOptions {
  /** The revision to read at; 0 or absent: the current one. */
  readonly rev?: number;
  /** At most this many keys (0 or absent: all); `count` still counts every match. */
  readonly limit?: number;
  /** Return only the count, no key-values. */
  readonly countOnly?: boolean;
  /** Return key-values without their values. */
  readonly keysOnly?: boolean;
}

/** The answer of a range read: the key-values, the number of matching keys, and the revision read against. */
export interface KvRangeResult {
  readonly kvs: KeyValue[];
  readonly count: number;
  /** The store's revision at the read (etcd's header revision), not the revision asked for. */
  readonly rev: number;
}

/** Called at the end of a write txn with its revision and changes (never with none). */
export type WriteObserver = (rev: number, changes: readonly Change[]) => void;

/** Meta bucket keys of compaction progress, etcd's names. */
export const SCHEDULED_COMPACT_KEY = Buffer.from('scheduledCompactRev');
export const FINISHED_COMPACT_KEY = Buffer.from('finishedCompactRev');

const EMPTY = new Uint8Array(0);

/**
 * The state the store's parts share: the backend, the index and the two revisions. The store,
 * its write txns, compaction and hashing are separate files working on this one object.
 */
export class StoreCore {
  /** Replaced whole when the backend is (a raft snapshot installed). */
  index = new TreeIndex();
  /** The last revision a write txn ended with changes (1 for an empty store, as etcd). */
  currentRev = 1;
  /** Reads below this revision fail; set when a compaction starts. */
  compactRev = 0;
  /** Whether a write txn is open (writes are serialised, as etcd's store lock does). */
  writing = false;

  constructor(
    readonly backend: Backend,
    /** The lessor keys are attached to; undefined: leases are stored but nothing is told. */
    readonly leases: Leases | undefined,
    /** Told of every write txn that changed something, as it ends (the watchable store). */
    readonly observer: WriteObserver | undefined,
  ) {}

  /**
   * Reads a range as etcd's rangeKeys does, where `curRev` is the newest revision the reader
   * may see (the current one, or a write txn's own revision once it has changed something).
   */
  rangeKeys(key: Uint8Array, end: Uint8Array | undefined, curRev: number, opts: RangeOptions): KvRangeResult {
    let rev = opts.rev ?? 0;
    if (rev > curRev) throw new FutureRevisionError();
    if (rev <= 0) rev = curRev;
    if (rev < this.compactRev) throw new CompactedError();
    if (opts.countOnly === true) {
      return { kvs: [], count: this.index.countRevisions(key, end, rev), rev: curRev };
    }
    const { revs, total } = this.index.revisions(key, end, rev, opts.limit ?? 0);
    const kvs = revs.map((r) => {
      const kv = this.readRevision(r);
      return opts.keysOnly === true ? { ...kv, value: EMPTY } : kv;
    });
    return { kvs, count: total, rev: curRev };
  }

  /** The key-value the backend holds at a (live, not tombstone) revision. */
  readRevision(rev: Revision): KeyValue {
    const bytes = this.backend.get(Bucket.key, encodeRevisionKey(rev));
    if (bytes === undefined) throw new StoreCorruptError(`backend has no record for revision ${rev.main}.${rev.sub} held by the index`);
    try {
      return decodeKeyValue(bytes);
    } catch (err) {
      throw new StoreCorruptError(`record of revision ${rev.main}.${rev.sub} is not a KeyValue: ${errorMessage(err)}`, { cause: err });
    }
  }
}
