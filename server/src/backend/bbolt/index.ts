export {
  type BboltBucketSource,
  type BboltPair,
  type BboltSource,
  type WriteBboltOptions,
  type WriteBboltResult,
  writeBboltFile,
} from './writer.js';
export { type BboltBucketInfo, type BboltCheckResult, BboltReader, openBbolt } from './reader.js';
export { type SnapshotFileCheck, SHA256_TRAILER_BYTES, appendSha256, hasSha256Trailer, verifySnapshotFile } from './snapshot-file.js';
export { readViewSource } from './read-view-source.js';
export { type Meta } from './meta.js';
export { DEFAULT_PAGE_SIZE } from './layout.js';
export {
  BboltClosedError,
  BboltCorruptError,
  BboltCycleError,
  BboltElementError,
  BboltInputError,
  BboltKeyOrderError,
  BboltMetaError,
  BboltPageBoundsError,
  BboltPageIdError,
  BboltPageTypeError,
  BboltSnapshotHashError,
  BboltTruncatedError,
  BboltUnknownBucketError,
  BboltUnreachablePageError,
} from './errors.js';
