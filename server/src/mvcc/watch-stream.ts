import { WatchClosedError, WatcherExistsError, WatcherRangeError } from './errors.js';
import { keyString, rangeEndString } from './key-string.js';
import { type WatcherSink, type WatchRequest, type WatchResponse, Watcher } from './watcher.js';

/** What a stream needs of the watchable store: placing, removing and unparking its watchers. */
export interface WatchHost {
  /** Puts a new watcher in the synced or unsynced group, from its start revision (0: now). */
  add(w: Watcher, startRev: number): void;
  /** Takes a watcher out of whatever group holds it. */
  remove(w: Watcher): void;
  /** Sends a progress notification if the watcher is synced; false otherwise. */
  progress(w: Watcher): boolean;
  /** A parked watcher whose pending responses all went out: back to synced or unsynced. */
  unpark(w: Watcher): void;
  /** The store's current revision. */
  readonly rev: number;
}

/** Responses a stream holds for its reader before watchers are parked (etcd's channel of 1024). */
export const DEFAULT_QUEUE_CAPACITY = 1024;

/**
 * A client's set of watchers sharing one response queue (etcd's watchStream): the gRPC Watch
 * stream maps onto one of these. The reader takes responses with `next()` (or `poll()`); when
 * the queue is full, watchers with more to say are parked with their responses and resumed in
 * order as the reader makes room — nothing is dropped.
 */
export class WatchStream implements WatcherSink {
  private readonly watchers = new Map<number, Watcher>();
  private readonly parked: Watcher[] = [];
  private queue: WatchResponse[] = [];
  private head = 0;
  private reader: ((r: WatchResponse | undefined) => void) | undefined;
  private nextId = 0;
  private isClosed = false;

  constructor(
    private readonly host: WatchHost,
    private readonly capacity: number,
    private readonly onClose: (s: WatchStream) => void,
  ) {}

  /**
   * Starts a watcher; returns its id. Errors: the id is taken ("mvcc: duplicate watch ID provided
   * on the WatchStream"), or the range is empty ("mvcc: watcher range is empty").
   */
  watch(req: WatchRequest): number {
    if (this.isClosed) throw new WatchClosedError('watch stream is closed');
    const key = keyString(req.key);
    const end = rangeEndString(req.end);
    if (end !== undefined && key >= end) throw new WatcherRangeError('mvcc: watcher range is empty');
    const id = req.id ?? this.freeId();
    if (this.watchers.has(id)) throw new WatcherExistsError('mvcc: duplicate watch ID provided on the WatchStream');
    const startRev = req.startRev ?? 0;
    const w = new Watcher(id, key, end, startRev, req.prevKv === true, req.noPut === true, req.noDelete === true, this);
    this.watchers.set(id, w);
    this.host.add(w, startRev);
    return id;
  }

  /** Stops a watcher and forgets what it had not delivered; false if there is no such id. */
  cancel(id: number): boolean {
    const w = this.watchers.get(id);
    if (w === undefined) return false;
    this.drop(w);
    return true;
  }

  /**
   * Asks for a progress notification for one watcher: queued (true) only if the watcher is
   * synced, so its revision truly means "every event up to here is delivered".
   */
  requestProgress(id: number): boolean {
    const w = this.watchers.get(id);
    return w !== undefined && this.host.progress(w);
  }

  /**
   * A progress notification for the whole stream (watch id -1), queued only when every watcher
   * on it is synced; false otherwise (or if the queue is full).
   */
  requestProgressAll(): boolean {
    for (const w of this.watchers.values()) if (w.state !== 'synced') return false;
    return this.offer({ watchId: -1, events: [], revision: this.host.rev, compactRevision: 0 });
  }

  /** Ids of the live watchers (for tests and the server's bookkeeping). */
  ids(): number[] {
    return [...this.watchers.keys()];
  }

  /** The next response without waiting; undefined if none is queued. */
  poll(): WatchResponse | undefined {
    if (this.head >= this.queue.length) return undefined;
    const r = this.queue[this.head] as WatchResponse;
    this.queue[this.head++] = EMPTY_RESPONSE;
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    if (this.parked.length > 0) this.flushParked();
    return r;
  }

  /** The next response; undefined once the stream is closed and drained. */
  next(): Promise<WatchResponse | undefined> {
    const r = this.poll();
    if (r !== undefined || this.isClosed) return Promise.resolve(r);
    if (this.reader !== undefined) return Promise.reject(new Error('WatchStream.next() called again before the last call resolved'));
    return new Promise((resolve) => {
      this.reader = resolve;
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchResponse> {
    for (;;) {
      const r = await this.next();
      if (r === undefined) return;
      yield r;
    }
  }

  /** Cancels every watcher; a waiting reader gets undefined. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const w of [...this.watchers.values()]) this.drop(w);
    this.onClose(this);
    const reader = this.reader;
    this.reader = undefined;
    reader?.(undefined);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Queues a response (the store's side); false if the queue is full. */
  offer(response: WatchResponse): boolean {
    if (this.isClosed) return true; // nobody will read it: as good as delivered
    if (this.reader !== undefined) {
      const reader = this.reader;
      this.reader = undefined;
      reader(response);
      return true;
    }
    if (this.queue.length - this.head >= this.capacity) return false;
    this.queue.push(response);
    return true;
  }

  /** Parks a watcher whose response found the queue full; it resumes as the reader makes room. */
  park(w: Watcher, response: WatchResponse): void {
    w.pending.push(response);
    if (w.state !== 'parked') {
      w.state = 'parked';
      this.parked.push(w);
    }
  }

  /** Removes a watcher the store finished with (a compaction cancelled it). */
  forget(w: Watcher): void {
    this.watchers.delete(w.id);
  }

  private flushParked(): void {
    while (this.parked.length > 0) {
      const w = this.parked[0] as Watcher;
      while (w.pending.length > 0) {
        if (!this.offer(w.pending[0] as WatchResponse)) return;
        w.pending.shift();
      }
      this.parked.shift();
      this.host.unpark(w);
    }
  }

  private drop(w: Watcher): void {
    this.watchers.delete(w.id);
    if (w.state === 'parked') {
      const i = this.parked.indexOf(w);
      if (i >= 0) this.parked.splice(i, 1);
      w.pending.length = 0;
    }
    this.host.remove(w);
    w.state = 'gone';
  }

  private freeId(): number {
    while (this.watchers.has(this.nextId)) this.nextId++;
    return this.nextId++;
  }
}

const EMPTY_RESPONSE: WatchResponse = { watchId: -1, events: [], revision: 0, compactRevision: 0 };


