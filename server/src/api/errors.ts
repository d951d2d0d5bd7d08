import { ApplyRefusedError } from '../apply/index.js';
import { AuthError, GRPC_AUTH_ERRORS } from '../auth/index.js';
import { NotBuiltError, SERVER_ERROR_TEXT, ServerError, type ServerErrorKind } from '../etcdserver/errors.js';
import { GRPC_LEASE_ERRORS, LeaseExistsError, LeaseNotFoundError, LeaseTtlTooLargeError } from '../lease/index.js';
import { CompactedError, FutureRevisionError, RequestError, type RequestErrorCode } from '../mvcc/index.js';
import { CairnError, errorMessage } from '../util/index.js';
import { GrpcError, Status, type StatusCode } from './grpc/index.js';

/** The member's snapshot stream ended short of its announced size or without its digest. */
export class SnapshotIncompleteError extends CairnError {}

/** A status and the exact text a client sees (etcd's rpctypes). */
export interface ClientError {
  readonly code: StatusCode;
  readonly message: string;
}

/** mvcc's RequestError classes, as gRPC codes (the message is already etcd's text). */
export const REQUEST_ERROR_CODES: Readonly<Record<RequestErrorCode, StatusCode>> = {
  InvalidArgument: Status.INVALID_ARGUMENT,
  NotFound: Status.NOT_FOUND,
  OutOfRange: Status.OUT_OF_RANGE,
  FailedPrecondition: Status.FAILED_PRECONDITION,
};

/**
 * The member's errors as etcd 3.4's v3rpc reports them. etcd maps each server error through
 * one table (toGRPCErrorMap) to an rpctypes status; the texts there equal the server's own for
 * every kind here, except noSpace (whose client text ServerError already carries). Kinds etcd
 * leaves out of that table reach the client as UNKNOWN with the error's text, as grpc-go does
 * for any plain error: `canceled`, `timeoutLeaderTransfer`, and `deadlineExceeded` (Go's own
 * context error, which etcd returns as it is when a proposal never reached raft for want of a leader). `notSupportedForLearner` is sent
 * by etcd's interceptor as UNAVAILABLE.
 */
export const SERVER_ERROR_CODES: Readonly<Record<ServerErrorKind, StatusCode>> = {
  stopped: Status.UNAVAILABLE,
  canceled: Status.UNKNOWN,
  deadlineExceeded: Status.UNKNOWN,
  timeout: Status.UNAVAILABLE,
  timeoutDueToLeaderFail: Status.UNAVAILABLE,
  timeoutDueToConnectionLost: Status.UNAVAILABLE,
  timeoutLeaderTransfer: Status.UNKNOWN,
  leaderChanged: Status.UNAVAILABLE,
  notEnoughStartedMembers: Status.FAILED_PRECONDITION,
  noLeader: Status.UNAVAILABLE,
  notLeader: Status.FAILED_PRECONDITION,
  requestTooLarge: Status.INVALID_ARGUMENT,
  noSpace: Status.RESOURCE_EXHAUSTED,
  tooManyRequests: Status.RESOURCE_EXHAUSTED,
  unhealthy: Status.UNAVAILABLE,
  keyNotFound: Status.INVALID_ARGUMENT,
  corrupt: Status.DATA_LOSS,
  badLeaderTransferee: Status.FAILED_PRECONDITION,
  learnerNotReady: Status.FAILED_PRECONDITION,
  notSupportedForLearner: Status.UNAVAILABLE,
  memberExist: Status.FAILED_PRECONDITION,
  peerUrlExist: Status.FAILED_PRECONDITION,
  memberBadUrls: Status.INVALID_ARGUMENT,
  memberNotFound: Status.NOT_FOUND,
  memberNotLearner: Status.FAILED_PRECONDITION,
  tooManyLearners: Status.FAILED_PRECONDITION,
};

/** mvcc's revision errors: etcd prefixes mvcc's texts with "etcdserver: " for clients. */
export const COMPACTED: ClientError = { code: Status.OUT_OF_RANGE, message: 'etcdserver: mvcc: required revision has been compacted' };
export const FUTURE_REVISION: ClientError = { code: Status.OUT_OF_RANGE, message: 'etcdserver: mvcc: required revision is a future revision' };

/** etcd's ErrGRPCNoLeader, also sent when a client requires a leader (metadata `hasleader`). */
export const NO_LEADER: ClientError = { code: SERVER_ERROR_CODES.noLeader, message: SERVER_ERROR_TEXT.noLeader };

/** The client-facing status of anything a handler or the member threw. */
export function clientErrorOf(err: unknown): ClientError {
  if (err instanceof GrpcError) return { code: err.code, message: err.message };
  if (err instanceof RequestError) return { code: REQUEST_ERROR_CODES[err.code], message: err.message };
  if (err instanceof ServerError) return { code: SERVER_ERROR_CODES[err.kind], message: SERVER_ERROR_TEXT[err.kind] };
  if (err instanceof ApplyRefusedError && err.reason !== 'unsupported') {
    // An alarm refused the request when it was applied: the same status as when it is refused up front.
    return { code: SERVER_ERROR_CODES[err.reason], message: SERVER_ERROR_TEXT[err.reason] };
  }
  if (err instanceof AuthError) {
    const a = GRPC_AUTH_ERRORS[err.kind];
    return { code: a.code as StatusCode, message: a.message };
  }
  if (err instanceof NotBuiltError) return { code: Status.UNIMPLEMENTED, message: `cairn: not built yet: ${err.message}` };
  if (err instanceof CompactedError) return COMPACTED;
  if (err instanceof FutureRevisionError) return FUTURE_REVISION;
  if (err instanceof LeaseNotFoundError) return GRPC_LEASE_ERRORS.LeaseNotFoundError as ClientError;
  if (err instanceof LeaseExistsError) return GRPC_LEASE_ERRORS.LeaseExistsError as ClientError;
  if (err instanceof LeaseTtlTooLargeError) return GRPC_LEASE_ERRORS.LeaseTtlTooLargeError as ClientError;
  // As grpc-go answers a plain error: UNKNOWN with its text.
  return { code: Status.UNKNOWN, message: errorMessage(err) };
}

/** The error a handler throws to end its call with the client-facing status of `err`. */
export function toGrpcError(err: unknown): GrpcError {
  if (err instanceof GrpcError) return err;
  const { code, message } = clientErrorOf(err);
  return new GrpcError(code, message, { cause: err });
}
