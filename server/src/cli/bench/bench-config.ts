/** What every load shares: where to connect and how much concurrency to bring. */
export interface CommonConfig {
  /** host:port pairs; connections are spread over them round-robin. */
  readonly endpoints: readonly string[];
  readonly conns: number;
  readonly clients: number;
  readonly total: number;
  /** Worker threads that generate the load (each owns a share of conns and clients). */
  readonly workers: number;
  readonly json: boolean;
}

export interface KeyShape {
  readonly keySize: number;
  readonly valSize: number;
  readonly keySpaceSize: number;
  readonly sequentialKeys: boolean;
}

export interface PutConfig extends CommonConfig, KeyShape {
  readonly kind: 'put';
}

export interface RangeConfig extends CommonConfig {
  readonly kind: 'range';
  readonly key: string;
  /** Empty when the range is the single key. */
  readonly end: string;
  readonly serializable: boolean;
}

export interface TxnPutConfig extends CommonConfig, KeyShape {
  readonly kind: 'txn-put';
  readonly txnOps: number;
}

export interface LeaseKeepaliveConfig extends CommonConfig {
  readonly kind: 'lease-keepalive';
}

/**
 * Watch fan-out: `streams` Watch streams, each creating `watchPerStream` watchers over
 * `watchedKeyTotal` keys; then `putTotal` puts (by `clients` concurrent putters) on those keys.
 * Measured: every delivered event's put→event latency and events delivered per second.
 */
export interface WatchConfig extends CommonConfig {
  readonly kind: 'watch';
  readonly streams: number;
  readonly watchPerStream: number;
  readonly watchedKeyTotal: number;
  readonly putTotal: number;
  /** Puts per second over all putters; 0 sends as fast as the putters can (saturation). */
  readonly putRate: number;
  readonly valSize: number;
}

export type BenchConfig = PutConfig | RangeConfig | TxnPutConfig | LeaseKeepaliveConfig | WatchConfig;
export type BenchKind = BenchConfig['kind'];
