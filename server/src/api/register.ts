import type { EtcdServerApi } from '../etcdserver/server-api.js';
import { clusterMethods } from './cluster-service.js';
import { NO_LEADER, toGrpcError } from './errors.js';
import { monitorLeader, requiresLeader, withSignal } from './leader-monitor.js';
import {
  type AnyMethod, type CallContext, GrpcError, type GrpcServer, type ServerDuplexCall, type ServerReadableCall, type ServerWritableCall,
} from './grpc/index.js';
import { kvMethods } from './kv-service.js';
import { leaseMethods } from './lease-service.js';
import { type ApiLimits, DEFAULT_API_LIMITS } from './limits.js';
import { maintenanceMethods } from './maintenance-service.js';
import { watchMethod } from './watch-service.js';

/**
 * Registers etcd's KV, Watch, Lease, Cluster and Maintenance services on `grpc`, served by
 * `server`. The GrpcServer should have been made with `maxReceiveMessageLength:
 * maxReceiveBytes(limits)` (see limits.ts), as etcd sizes its gRPC receive limit.
 */
export function registerServices(grpc: GrpcServer, server: EtcdServerApi, limits: Partial<ApiLimits> = {}): void {
  const l: ApiLimits = { ...DEFAULT_API_LIMITS, ...limits };
  const guard = (methods: readonly AnyMethod[]): AnyMethod[] => methods.map((m) => guarded(m, server, l.leaderCheckIntervalMs));
  grpc.addService('etcdserverpb.KV', guard(kvMethods(server, l)));
  grpc.addService('etcdserverpb.Watch', guard([watchMethod(server, l) as AnyMethod]));
  grpc.addService('etcdserverpb.Lease', guard(leaseMethods(server)));
  grpc.addService('etcdserverpb.Cluster', guard(clusterMethods(server)));
  grpc.addService('etcdserverpb.Maintenance', guard(maintenanceMethods(server)));
}

/**
 * etcd's interceptors, for every call: a client that sent `hasleader: true` gets "no leader"
 * when the member knows none (and a stream of such a client ends so once the member has been
 * without a leader for a while: monitorLeader); whatever the handler throws reaches the client
 * as etcd's status and text (errors.ts).
 */
export function guarded(m: AnyMethod, server: EtcdServerApi, leaderCheckIntervalMs: number): AnyMethod {
  const check = (call: CallContext): boolean => {
    const required = requiresLeader(call);
    if (required && !server.hasLeader()) throw new GrpcError(NO_LEADER.code, NO_LEADER.message);
    return required;
  };
  const wrap = async <T>(call: CallContext, fn: () => Promise<T> | T): Promise<T> => {
    try {
      check(call);
      return await fn();
    } catch (err) {
      throw toGrpcError(err);
    }
  };
  /** A stream: as wrap, and the handler sees a signal that also aborts when the leader is lost. */
  const wrapStream = async <C extends CallContext, T>(call: C, fn: (c: C) => Promise<T> | T): Promise<T> => {
    let monitor: ReturnType<typeof monitorLeader> | undefined;
    try {
      if (check(call)) monitor = monitorLeader(server, call, leaderCheckIntervalMs);
      const result = await fn(monitor === undefined ? call : withSignal(call, monitor.signal));
      const reason: unknown = monitor?.signal.reason;
      if (reason instanceof GrpcError) throw reason;
      return result;
    } catch (err) {
      throw toGrpcError(err);
    } finally {
      monitor?.stop();
    }
  };
  if (!m.requestStream && !m.responseStream) {
    const u = m;
    return { ...u, handler: (req: unknown, call: CallContext) => wrap(call, () => u.handler(req, call)) };
  }
  if (!m.requestStream && m.responseStream) {
    const s = m;
    return { ...s, handler: (req: unknown, call: ServerWritableCall<unknown>) => wrapStream(call, (c) => s.handler(req, c)) };
  }
  if (m.requestStream && !m.responseStream) {
    const c = m;
    return { ...c, handler: (call: ServerReadableCall<unknown>) => wrapStream(call, (x) => c.handler(x)) };
  }
  const b = m;
  return { ...b, handler: (call: ServerDuplexCall<unknown, unknown>) => wrapStream(call, (x) => b.handler(x)) };
}
