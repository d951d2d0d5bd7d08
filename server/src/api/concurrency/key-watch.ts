import type { ActingServer } from './acting-server.js';
import type { WatchRequest, WatchResponse, WatchStream } from '../../mvcc/index.js';
import { LostWatcherError, WaitCancelledError } from './errors.js';

/**
 * Watchers on the member's store for one waiting call, ended by the call's signal. Unlike a
 * gRPC Watch it hands the caller each store response in turn; `next` rejects with
 * WaitCancelledError once the call is cancelled and with LostWatcherError if the store closes
 * the stream (the member stops). Always `close()` it.
 */
export class KeyWatch {
  private readonly ws: WatchStream;
  private readonly cancelled: Promise<never>;
  private readonly onAbort: () => void;
  private rejectCancel: ((err: unknown) => void) | undefined;

  constructor(
    private readonly server: ActingServer,
    private readonly signal: AbortSignal,
  ) {
    this.ws = server.newWatchStream();
    this.cancelled = new Promise<never>((_, reject) => (this.rejectCancel = reject));
    // Nobody may be awaiting it when the signal fires: keep that rejection from being unhandled.
    this.cancelled.catch(() => undefined);
    this.onAbort = () => this.rejectCancel?.(new WaitCancelledError({ cause: signal.reason }));
    if (signal.aborted) this.onAbort();
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Starts a watcher (if the caller may watch that range); returns its id. */
  watch(req: WatchRequest): number {
    this.server.checkWatch(req);
    return this.ws.watch(req);
  }

  cancel(id: number): void {
    this.ws.cancel(id);
  }

  /** The next store response (events, progress or a compaction notice) of any of the watchers. */
  async next(): Promise<WatchResponse> {
    if (this.signal.aborted) throw new WaitCancelledError({ cause: this.signal.reason });
    const r = await Promise.race([this.ws.next(), this.cancelled]);
    if (r === undefined) throw new LostWatcherError();
    return r;
  }

  close(): void {
    this.signal.removeEventListener('abort', this.onAbort);
    this.ws.close();
  }
}
