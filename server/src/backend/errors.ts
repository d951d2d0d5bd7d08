import { CairnError } from '../util/index.js';

/** Any use of a backend after `close()` has begun. */
export class BackendClosedError extends CairnError {}

/** A bucket name that is not one of `Bucket`'s. */
export class UnknownBucketError extends CairnError {}

/** A key LMDB cannot store: empty, or longer than the page size allows. */
export class InvalidKeyError extends CairnError {}

/** A read view used after `release()` (or after the backend closed and released it). */
export class ViewReleasedError extends CairnError {}

/**
 * A read arrived in the short window in which defragmentation swaps the database file
 * (the old LMDB environment is closed, the new one not yet open). Retrying succeeds.
 */
export class BackendBusyError extends CairnError {}

/**
 * An LMDB commit failed. The backend stops (like etcd, which panics here): every later
 * operation throws this error; the file keeps its last committed state, so reopen it.
 */
export class BackendFailedError extends CairnError {}

/** A snapshot stream whose SHA-256 trailer does not match its bytes (or that is too short to have one). */
export class SnapshotDigestError extends CairnError {}

/** The db file is damaged in a way LMDB cannot survive; names the file and the byte offset. */
export class BackendCorruptError extends CairnError {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`backend ${file}: corrupt at offset ${offset}: ${reason}`);
  }
}
