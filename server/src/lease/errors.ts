import { CairnError } from '../util/index.js';

/**
 * The lessor's errors. Their messages are etcd 3.4's lease package texts, so logs read the
 * same; what a client sees is the gRPC status in GRPC_LEASE_ERRORS, which `api/` applies.
 */

/** The lease id is unknown (never granted, revoked, or 0), or the lease expired before a renew. */
export class LeaseNotFoundError extends CairnError {
  constructor(message = 'lease not found', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A grant named an id that is already granted. */
export class LeaseExistsError extends CairnError {
  constructor(message = 'lease already exists', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A grant asked for more than MAX_LEASE_TTL seconds. */
export class LeaseTtlTooLargeError extends CairnError {
  constructor(message = 'too large lease TTL', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A renew reached a member that is not the leader. etcd's server forwards the renew to the
 * leader on this error; it has no client-facing text of its own.
 */
export class NotPrimaryError extends CairnError {
  constructor(message = 'not a primary lessor', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A lease record in the backend could not be decoded (the lessor refuses to start on it). */
export class LeaseCorruptError extends CairnError {}

/** gRPC status codes used below (numeric values of google.rpc.Code). */
export const GrpcCode = { notFound: 5, failedPrecondition: 9, outOfRange: 11 } as const;

export interface GrpcLeaseError {
  readonly code: (typeof GrpcCode)[keyof typeof GrpcCode];
  readonly message: string;
}

/**
 * How `api/` reports each lessor error to clients, byte for byte as etcd 3.4's rpctypes
 * (clients match on these strings). Errors absent here (NotPrimaryError, LeaseCorruptError) are
 * not meant to reach a client: the server forwards a renew to the leader, and a corrupt lease
 * bucket stops the member.
 *
 * Note etcd's LeaseTimeToLive answers an unknown lease with TTL -1, not with this error.
 */
export const GRPC_LEASE_ERRORS: Readonly<Record<'LeaseNotFoundError' | 'LeaseExistsError' | 'LeaseTtlTooLargeError', GrpcLeaseError>> = {
  LeaseNotFoundError: { code: GrpcCode.notFound, message: 'etcdserver: requested lease not found' },
  LeaseExistsError: { code: GrpcCode.failedPrecondition, message: 'etcdserver: lease already exists' },
  LeaseTtlTooLargeError: { code: GrpcCode.outOfRange, message: 'etcdserver: too large lease TTL' },
};
