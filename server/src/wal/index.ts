// The write-ahead log: etcd's segment and frame format, CRC chain, fsync, repair, release.
export { Wal, type TornTail, DEFAULT_SEGMENT_BYTES } from './wal.js';
export { validSnapshots } from './valid-snapshots.js';
export { dumpWal } from './dump.js';
export type { WalSnapshot, WalOptions, WalContents, WalRecord, RecordAt } from './types.js';
export {
  WalError,
  WalCorruptError,
  WalLockedError,
  WalSnapshotNotFoundError,
  WalSnapshotMismatchError,
  WalExistsError,
  WalUnusableError,
  WalInvalidSaveError,
} from './errors.js';
