/** The request limits the API enforces (etcd's flags of the same meaning). */
export interface ApiLimits {
  /** etcd's --max-request-bytes: the largest request a member proposes; also the watch fragment size. */
  readonly maxRequestBytes: number;
  /** etcd's --max-txn-ops: compares or ops in one txn list at most. */
  readonly maxTxnOps: number;
  /** etcd's --experimental-watch-progress-notify-interval, in ms. */
  readonly progressNotifyIntervalMs: number;
  /**
   * How often a stream whose client requires a leader checks for one (etcd: the election
   * timeout, --election-timeout, default 1 s); three misses in a row end the stream.
   */
  readonly leaderCheckIntervalMs: number;
}

/** etcd's defaults: 1.5 MiB, 128 ops, 10 minutes, 1 s. */
export const DEFAULT_API_LIMITS: ApiLimits = {
  maxRequestBytes: 1.5 * 1024 * 1024,
  maxTxnOps: 128,
  progressNotifyIntervalMs: 10 * 60 * 1000,
  leaderCheckIntervalMs: 1000,
};

/** What etcd allows on top of --max-request-bytes for the gRPC envelope (grpcOverheadBytes). */
export const GRPC_OVERHEAD_BYTES = 512 * 1024;

/**
 * The gRPC receive limit for these limits, as etcd sets MaxRecvMsgSize: pass it to the
 * GrpcServer as `maxReceiveMessageLength`. The "request is too large" check against
 * maxRequestBytes itself is the member's, at propose time.
 */
export function maxReceiveBytes(limits: Pick<ApiLimits, 'maxRequestBytes'>): number {
  return limits.maxRequestBytes + GRPC_OVERHEAD_BYTES;
}
