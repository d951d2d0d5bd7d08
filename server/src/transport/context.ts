import type { Logger } from '../util/index.js';
import type { TransportMetrics } from './metrics.js';
import type { RaftHandler } from './types.js';

/** What the sending and receiving halves share: the member's identity, its handler, the settings. */
export interface TransportContext {
  readonly memberId: bigint;
  readonly clusterId: bigint;
  readonly handler: RaftHandler;
  readonly metrics: TransportMetrics;
  readonly logger: Logger;
  readonly dialTimeoutMs: number;
  readonly queueSize: number;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  readonly probeIntervalMs: number;
  readonly maxFrameBytes: number;
}

/**
 * Calls back into the member after the current synchronous code: `send` is called from the
 * member's raft loop, and reporting straight back from inside it would re-enter raft.
 */
export function later(fn: () => void): void {
  queueMicrotask(fn);
}
