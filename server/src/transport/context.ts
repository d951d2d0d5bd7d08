import type http2 from 'node:http2';
import type { Logger } from '../util/index.js';
import type { PeerTlsOptions } from './peer-tls.js';
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
  /** Peer TLS, when the member has a peer certificate (https:// peer URLs). */
  readonly tls: PeerTlsOptions | undefined;
  /** Dials a peer URL (h2c or TLS, as its scheme says). */
  connect(url: string): http2.ClientHttp2Session;
}

/**
 * Calls back into the member after the current synchronous code: `send` is called from the
 * member's raft loop, and reporting straight back from inside it would re-enter raft.
 */
export function later(fn: () => void): void {
  queueMicrotask(fn);
}
