import type { RequestUser } from '../apply/index.js';
import type { EtcdServerApi } from '../etcdserver/server-api.js';
import { AUTH_ERROR_TEXT, AuthError } from '../auth/index.js';
import { type CallContext, GrpcError, Status } from './grpc/index.js';

/**
 * Who a call acts as: the user of the auth token the client sent in its `token` metadata (etcd's
 * clients; the JSON gateway passes `Authorization` the same way), else the common name of the
 * client's verified TLS certificate. Undefined with auth off or neither; an invalid or expired
 * token is refused ("invalid auth token").
 */
export function userOf(server: EtcdServerApi, call: CallContext): Promise<RequestUser | undefined> {
  return server.userOf(call.header('token') ?? call.header('authorization'), call.commonName);
}

/** Refuses the call unless its user holds role root (auth on): membership changes. */
export async function requireAdmin(server: EtcdServerApi, call: CallContext): Promise<void> {
  server.checkAdmin(await userOf(server, call));
}

/**
 * As requireAdmin, for the Maintenance calls etcd guards (Defragment, Hash, HashKV, Snapshot,
 * MoveLeader): etcd returns the auth store's own error there, not its gRPC mapping, so clients
 * see code Unknown and the auth package's text ("auth: permission denied").
 */
export async function requireAdminAsMaintenance(server: EtcdServerApi, call: CallContext): Promise<void> {
  try {
    await requireAdmin(server, call);
  } catch (err) {
    if (err instanceof AuthError) throw new GrpcError(Status.UNKNOWN, AUTH_ERROR_TEXT[err.kind]);
    throw err;
  }
}
