export { Backend, type BackendOptions, type DefragPhase, type DefragResult } from './backend.js';
export { Bucket, ALL_BUCKETS, type BucketName } from './bucket.js';
export { type ConsistentIndex, CONSISTENT_INDEX_KEY, TERM_KEY } from './consistent-index.js';
export {
  BackendBusyError,
  BackendClosedError,
  BackendCorruptError,
  BackendFailedError,
  InvalidKeyError,
  SnapshotDigestError,
  UnknownBucketError,
  ViewReleasedError,
} from './errors.js';
export { MAX_KEY_BYTES } from './keys.js';
export { type LmdbOptions } from './lmdb-env.js';
export { type Entry } from './merge.js';
export { ReadView } from './read-view.js';
export { type BackendSnapshot, SNAPSHOT_DIGEST_BYTES, verifySnapshotDigest } from './snapshot-stream.js';
export { checkDbFile } from './db-file-check.js';
