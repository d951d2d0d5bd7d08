import type { EtcdServerApi } from '../etcdserver/server-api.js';
import { clusterMethods } from './cluster-service.js';
import { ServerError } from '../etcdserver/errors.js';
import { kvService, maintenanceService } from '../pb/index.js';
import { NO_LEADER, toGrpcError } from './errors.js';
import { monitorLeader, requiresLeader, withSignal } from './leader-monitor.js';
import {
  type AnyMethod, type CallContext, GrpcError, type GrpcServer, type ServerDuplexCall, type ServerReadableCall, type ServerWritableCall,
} from './grpc/index.js';
import { kvMethods } from './kv-service.js';
import { leaseMethods } from './lease-service.js';
import { authMethods } from './auth-service.js';
import { lockMethods } from './lock-service.js';
import { electionMethods } from './election-service.js';
import { type ApiLimits, DEFAULT_API_LIMITS } from './limits.js';
import { maintenanceMethods } from './maintenance-service.js';
import { watchMethod } from './watch-service.js';

/**
 * Registers etcd's KV, Watch, Lease, Cluster and Maintenance services on `grpc`, served by
 * `server`. The GrpcServer should have been made with `maxReceiveMessageLength:
 * maxReceiveBytes(limits)` (see limits.ts), as etcd sizes its gRPC receive limit.
 */
export function registerServices(grpc: GrpcServer, server: EtcdServerApi, limits: Partial<ApiLimits> = {}, metrics: GrpcMetrics = NO_METRICS): void {
  const l: ApiLimits = { ...DEFAULT_API_LIMITS, ...limits };
  const guard = (methods: readonly AnyMethod[]): AnyMethod[] => methods.map((m) => counted(guarded(m, server, l.leaderCheckIntervalMs), metrics));
  grpc.addService('etcdserverpb.KV', guard(kvMethods(server, l)));
  grpc.addService('etcdserverpb.Watch', guard([watchMethod(server, l) as AnyMethod]));
  grpc.addService('etcdserverpb.Lease', guard(leaseMethods(server)));
  grpc.addService('etcdserverpb.Cluster', guard(clusterMethods(server)));
  grpc.addService('etcdserverpb.Maintenance', guard(maintenanceMethods(server)));
  grpc.addService('etcdserverpb.Auth', guard(authMethods(server)));
  grpc.addService('v3lockpb.Lock', guard(lockMethods(server)));
  grpc.addService('v3electionpb.Election', guard(electionMethods(server)));
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
  // etcd's learner rule: a learner serves serializable Range, Status and the Snapshot stream only.
  const learnerMay = (req: unknown): boolean => {
    if (m.path === kvService.Range.path) return (req as { serializable?: boolean | null } | null)?.serializable === true;
    return m.path === maintenanceService.Status.path || m.path === maintenanceService.Snapshot.path;
  };
  const checkLearner = (req: unknown): void => {
    if (server.isLearner() && !learnerMay(req)) throw new ServerError('notSupportedForLearner');
  };
  const wrap = async <T>(call: CallContext, req: unknown, fn: () => Promise<T> | T): Promise<T> => {
    try {
      checkLearner(req);
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
      checkLearner(undefined);
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
    return { ...u, handler: (req: unknown, call: CallContext) => wrap(call, req, () => u.handler(req, call)) };
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

/** What the API counts per call (grpc_server_started_total, grpc_server_handled_total). */
export interface GrpcMetrics {
  started(type: GrpcType, service: string, method: string): void;
  handled(type: GrpcType, service: string, method: string, code: string): void;
}

export type GrpcType = 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';

const NO_METRICS: GrpcMetrics = { started: () => undefined, handled: () => undefined };

/** gRPC's code names, as go-grpc-prometheus labels them. */
const CODE_NAMES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];

/** Counts a method's calls as started and, with their status code, as handled. */
export function counted(m: AnyMethod, metrics: GrpcMetrics): AnyMethod {
  if (metrics === NO_METRICS) return m;
  const [, service = '', method = ''] = m.path.split('/');
  const type: GrpcType = m.requestStream ? (m.responseStream ? 'bidi_stream' : 'client_stream') : m.responseStream ? 'server_stream' : 'unary';
  const run = async <T>(fn: () => Promise<T> | T): Promise<T> => {
    metrics.started(type, service, method);
    try {
      const r = await fn();
      metrics.handled(type, service, method, 'OK');
      return r;
    } catch (err) {
      const code = err instanceof GrpcError ? err.code : 2;
      metrics.handled(type, service, method, CODE_NAMES[code] ?? 'Unknown');
      throw err;
    }
  };
  const h = m.handler as (...args: unknown[]) => unknown;
  return { ...m, handler: (...args: unknown[]) => run(() => h(...args)) } as AnyMethod;
}
