import type { BenchConfig } from './bench-config.js';

/** What one worker thread is given: its share of the connections, clients and requests. */
export interface WorkerTask {
  readonly config: BenchConfig;
  readonly index: number;
  /** One endpoint per connection this worker owns. */
  readonly connEndpoints: readonly string[];
  readonly clients: number;
  /** Requests (puts, for watch) this worker sends. */
  readonly requests: number;
  /** Global index of this worker's first request (put, for watch): workers' ranges are contiguous. */
  readonly firstRequest: number;
  /** Watch only: this worker's watch streams. */
  readonly streams: number;
  /** Watch only: the index of this worker's first watcher over all workers. */
  readonly watcherOffset: number;
}

/** Worker → main. `ready`: set up and waiting for `go`; `watching`: every watcher created. */
export type FromWorker =
  | { readonly kind: 'ready' }
  | { readonly kind: 'watching'; readonly createSeconds: number }
  | { readonly kind: 'done'; readonly latencies: Float64Array; readonly errors: readonly (readonly [string, number])[]; readonly note?: string }
  | { readonly kind: 'failed'; readonly message: string };

/** Main → worker: start sending. */
export interface ToWorker {
  readonly kind: 'go';
}
