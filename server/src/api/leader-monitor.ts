import type { EtcdServerApi } from '../etcdserver/server-api.js';
import { NO_LEADER } from './errors.js';
import { type CallContext, GrpcError } from './grpc/index.js';

/** etcd's metadata key and value by which a client refuses answers from a member without a leader. */
export const REQUIRE_LEADER_KEY = 'hasleader';
export const REQUIRE_LEADER_VALUE = 'true';

/** Leaderless checks in a row after which a leader-requiring stream ends (etcd's maxNoLeaderCnt). */
const MAX_NO_LEADER_CHECKS = 3;

export function requiresLeader(call: CallContext): boolean {
  return call.header(REQUIRE_LEADER_KEY) === REQUIRE_LEADER_VALUE;
}

/**
 * etcd's monitorLeader for one stream whose client sent `hasleader: true`: checks every
 * `intervalMs` (etcd: the election timeout) and, once the member has had no leader for three
 * checks in a row, aborts the returned signal with "etcdserver: no leader". The stream's
 * handler sees that signal instead of the call's own (see `withSignal`), stops, and the call
 * ends with that status.
 */
export function monitorLeader(server: EtcdServerApi, call: CallContext, intervalMs: number): { signal: AbortSignal; stop(): void } {
  const controller = new AbortController();
  const onCallAbort = (): void => controller.abort(call.signal.reason);
  call.signal.addEventListener('abort', onCallAbort);
  let misses = 0;
  const timer = setInterval(() => {
    misses = server.hasLeader() ? 0 : misses + 1;
    if (misses >= MAX_NO_LEADER_CHECKS) {
      clearInterval(timer);
      controller.abort(new GrpcError(NO_LEADER.code, NO_LEADER.message));
    }
  }, intervalMs);
  timer.unref();
  return {
    signal: controller.signal,
    stop: () => {
      clearInterval(timer);
      call.signal.removeEventListener('abort', onCallAbort);
    },
  };
}

/**
 * The call as its handler should see it, with `signal` and `cancelled` replaced: everything
 * else is the call's own, methods bound to it.
 */
export function withSignal<C extends CallContext>(call: C, signal: AbortSignal): C {
  return new Proxy(call, {
    get(target, prop) {
      if (prop === 'signal') return signal;
      if (prop === 'cancelled') return signal.aborted;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
