import { CairnError } from '../util/index.js';

/**
 * A revision the index does not hold: tombstoning a key that is absent or already deleted
 * (etcd's ErrRevisionNotFound). The store maps it; it is not a client-facing string.
 */
export class RevisionNotFoundError extends CairnError {}

/** A revision outside what the backend key can carry: main or sub negative, fractional or > 2^53-1. */
export class InvalidRevisionError extends CairnError {}

/** Bytes that are not a backend revision key (wrong length, no '_' separator, unknown mark). */
export class RevisionKeyError extends CairnError {}

/**
 * A write whose revision is not greater than the key's last one. Revisions only grow, so this
 * is a bug in the caller (etcd panics here); the index refuses rather than corrupting history.
 */
export class RevisionOrderError extends CairnError {}

/** A read or compaction at a revision the store has not reached (etcd's ErrFutureRev). */
export class FutureRevisionError extends CairnError {
  constructor(options?: { cause?: unknown }) {
    super('mvcc: required revision is a future revision', options);
  }
}

/** A read, hash or compaction at a revision compaction has removed (etcd's ErrCompacted). */
export class CompactedError extends CairnError {
  constructor(options?: { cause?: unknown }) {
    super('mvcc: required revision has been compacted', options);
  }
}

/** A write txn opened while another is still open: writes are serialised, one revision each. */
export class WriteInProgressError extends CairnError {}

/** A write txn used after its end(). */
export class TxnEndedError extends CairnError {}

/** The backend lacks a revision record the index points to, or holds one the store cannot read. */
export class StoreCorruptError extends CairnError {}

/** A watch with an id its stream already uses (etcd's ErrWatcherDuplicateID). */
export class WatcherExistsError extends CairnError {}

/** A watch on an empty range: key ≥ range end (etcd's ErrEmptyWatcherRange). */
export class WatcherRangeError extends CairnError {}

/** A watch asked of a stream or store that is closed. */
export class WatchClosedError extends CairnError {}
