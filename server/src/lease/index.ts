export {
  DEFAULT_CHECKPOINT_INTERVAL_MS,
  DEFAULT_EXPIRED_LEASES_RETRY_INTERVAL_MS,
  LEASE_REVOKE_RATE,
  type LeaseCheckpoint,
  type LeaseTimeToLive,
  Lessor,
  type LessorOptions,
  MAX_CHECKPOINT_BATCH,
  MAX_LEASE_TTL,
  type RangeDeleter,
  type TxnDelete,
} from './lessor.js';
export { FOREVER, FOREVER_SECONDS, type LeaseInfo } from './lease.js';
export { LeaseHeap } from './lease-heap.js';
export { type LeaseRecord, decodeLease, encodeLease, leaseKey } from './lease-codec.js';
export {
  GRPC_LEASE_ERRORS,
  GrpcCode,
  type GrpcLeaseError,
  LeaseCorruptError,
  LeaseExistsError,
  LeaseNotFoundError,
  LeaseTtlTooLargeError,
  NotPrimaryError,
} from './errors.js';
