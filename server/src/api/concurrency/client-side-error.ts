import { clientErrorOf } from '../errors.js';
import { GrpcError, Status } from '../grpc/index.js';

/**
 * The status a lock or election call fails with. etcd serves these services through an
 * in-process clientv3, which turns the server's status errors into plain errors with the same
 * text; grpc-go then sends those, like the concurrency package's own errors, as UNKNOWN. So
 * every failure here is UNKNOWN with etcd's text ("etcdserver: requested lease not found",
 * "election: not leader", ...), as etcd 3.4.23 answers (checked against it).
 */
export function toClientSideError(err: unknown): GrpcError {
  return new GrpcError(Status.UNKNOWN, clientErrorOf(err).message, { cause: err });
}

/** Runs a handler body, failing its call as toClientSideError says. */
export async function clientSide<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toClientSideError(err);
  }
}
