import { CairnError } from '../../util/index.js';

/** A call that ended with a non-zero grpc-status (or without one): the status and its message. */
export class GrpcCallError extends CairnError {
  constructor(
    readonly code: number,
    readonly grpcMessage: string,
  ) {
    super(`rpc error: code = ${grpcCodeName(code)} desc = ${grpcMessage}`);
  }
}

const CODE_NAMES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated',
];

/** Go's names for gRPC codes, so error lines read like etcd's tool prints them. */
export function grpcCodeName(code: number): string {
  return CODE_NAMES[code] ?? `Code(${code})`;
}
