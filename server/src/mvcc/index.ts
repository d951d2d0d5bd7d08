export {
  type Revision,
  REVISION_KEY_BYTES,
  TOMBSTONE_KEY_BYTES,
  RevisionSet,
  compareRevision,
  decodeRevisionKey,
  encodeRevisionKey,
  revision,
} from './revision.js';
export { type Generation, type KeyState, KeyIndex } from './key-index.js';
export { IndexCompaction, type RangeResult, TreeIndex } from './tree-index.js';
export { InvalidRevisionError, RevisionKeyError, RevisionNotFoundError, RevisionOrderError } from './errors.js';
export { CompactedError, FutureRevisionError, StoreCorruptError, TxnEndedError, WriteInProgressError } from './errors.js';
export { type KeyValue, decodeKeyValue, encodeKeyValue } from './kv-codec.js';
export { type KvStoreOptions, KvStore } from './kv-store.js';
export { type BackendHash, type KvHash } from './hash.js';
export { type KvRangeResult, type RangeOptions, type WriteObserver } from './store-core.js';
export { type Change } from './change.js';
export { WriteTxn } from './write-txn.js';
export { type Leases } from './leases.js';
export { type WatchableStoreOptions, WatchableStore } from './watchable-store.js';
export { DEFAULT_QUEUE_CAPACITY, WatchStream } from './watch-stream.js';
export { type WatchEvent, type WatchRequest, type WatchResponse } from './watcher.js';
export { WatchClosedError, WatcherExistsError, WatcherRangeError } from './errors.js';
export * from './kv-requests.js';
export { type RequestErrorCode, RequestError } from './request-errors.js';
export { DEFAULT_MAX_TXN_OPS, checkDeleteRangeRequest, checkPutRequest, checkRangeRequest, checkTxnRequest } from './txn-check.js';
export { type WriteResult, KvOps } from './kv-ops.js';
export { type RangeReader, applyRange } from './kv-range.js';
