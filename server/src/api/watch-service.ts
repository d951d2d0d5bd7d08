import type { RequestUser } from '../apply/index.js';
import type { EtcdServerApi, Header } from '../etcdserver/server-api.js';
import { WatcherExistsError, WatcherRangeError, type WatchEvent, type WatchResponse, type WatchStream } from '../mvcc/index.js';
import { etcdserverpb as pb, watchService } from '../pb/index.js';
import { headerToPb, i64, num } from './convert.js';
import type { BidiStreamingMethod, ServerDuplexCall } from './grpc/index.js';
import type { ApiLimits } from './limits.js';
import { userOf } from './request-user.js';
import { encodeWatchOut, type WatchOut } from './watch-encode.js';
import { fragmentEvents } from './watch-fragment.js';

type WatchCall = ServerDuplexCall<pb.WatchRequest, WatchOut>;
const NO_EVENTS: readonly WatchEvent[] = [];
/** Store responses sent in one write at most. */
const MAX_BATCH = 64;

/** How often a deferred stream-wide progress request is retried while watchers catch up (ms). */
const PROGRESS_RETRY_MS = 20;

/** etcd's Watch service: one WatchSession (and one mvcc WatchStream) per gRPC call. */
export function watchMethod(server: EtcdServerApi, limits: ApiLimits): BidiStreamingMethod<pb.WatchRequest, WatchOut> {
  return {
    path: watchService.Watch.path,
    requestStream: true,
    responseStream: true,
    decode: (b) => pb.WatchRequest.decode(b),
    encode: encodeWatchOut,
    handler: (call) => new WatchSession(server, call, limits).run(),
  };
}

/** Per-watcher bookkeeping of the gRPC layer (etcd's serverWatchStream maps). */
interface WatchOptions {
  readonly fragment: boolean;
  /** Asked for progress notifications; `due` is false when events went out since the last tick. */
  readonly progress: boolean;
  due: boolean;
}

/**
 * One gRPC Watch call (etcd's serverWatchStream). Requests are handled as they arrive; one send
 * loop writes, in order, the control responses (created, canceled) and what the WatchStream
 * queues (events, progress, compaction), awaiting each write before taking the next, so a slow
 * client parks its watchers in mvcc rather than growing buffers here.
 */
class WatchSession {
  private readonly ws: WatchStream;
  private readonly control: pb.IWatchResponse[] = [];
  private readonly stash: WatchResponse[] = [];
  private readonly watchers = new Map<number, WatchOptions>();
  private pendingNext: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private ended = false;
  private user: RequestUser | undefined;
  private progressDeferred = false;
  private ticker: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly server: EtcdServerApi,
    private readonly call: WatchCall,
    private readonly limits: ApiLimits,
  ) {
    this.ws = server.newWatchStream();
  }

  async run(): Promise<void> {
    // Who the stream watches as, for every create on it (an invalid token: nobody).
    this.user = await userOf(this.server, this.call).catch(() => undefined);
    const onAbort = (): void => this.close();
    this.call.signal.addEventListener('abort', onAbort);
    if (this.call.signal.aborted) this.close();
    this.ticker = setInterval(() => this.tick(), this.limits.progressNotifyIntervalMs);
    this.ticker.unref();
    let receiveError: unknown;
    // The receive side may stay open after the session ends (a lost leader ends it, not the
    // client): the call ends when the send loop does, which every way of closing stops.
    void this.receiveLoop().catch((err: unknown) => {
      receiveError = err;
      this.close();
    });
    try {
      // As etcd: a client's half-close does not end the watch; the call ends when it is cancelled.
      await this.sendLoop();
      if (receiveError !== undefined) throw receiveError;
    } finally {
      this.call.signal.removeEventListener('abort', onAbort);
      this.close();
    }
  }

  private async receiveLoop(): Promise<void> {
    for await (const req of this.call) {
      if (this.ended) return;
      this.handle(req);
    }
  }

  private handle(req: pb.WatchRequest): void {
    if (req.createRequest) this.create(req.createRequest);
    else if (req.cancelRequest) this.cancel(num(req.cancelRequest.watchId));
    else if (req.progressRequest) this.progressAll();
    // A request with none of the three is ignored, as etcd does.
  }

  private create(c: pb.IWatchCreateRequest): void {
    const filters = c.filters ?? [];
    const start = num(c.startRevision);
    const askedId = num(c.watchId);
    try {
      this.server.checkRange(this.user, c.key ?? new Uint8Array(0), c.rangeEnd ?? undefined);
    } catch {
      // etcd: created and canceled at once, with gRPC's rendering of its permission error.
      const cancelReason = 'rpc error: code = PermissionDenied desc = etcdserver: permission denied';
      this.push({ header: this.header(), watchId: i64(askedId), created: true, canceled: true, cancelReason });
      return;
    }
    let id: number;
    try {
      id = this.ws.watch({
        key: c.key ?? new Uint8Array(0),
        end: c.rangeEnd ?? new Uint8Array(0),
        // A negative start asks for history before revision 1: all of it.
        startRev: start < 0 ? 1 : start,
        ...(askedId !== 0 ? { id: askedId } : {}),
        prevKv: c.prevKv === true,
        noPut: filters.includes(pb.WatchCreateRequest.FilterType.NOPUT),
        noDelete: filters.includes(pb.WatchCreateRequest.FilterType.NODELETE),
      });
    } catch (err) {
      if (!(err instanceof WatcherExistsError || err instanceof WatcherRangeError)) throw err;
      // etcd answers a refused create in-band: created and canceled at once, id -1, with the reason.
      this.push({ header: this.header(), watchId: -1, created: true, canceled: true, cancelReason: err.message });
      return;
    }
    this.watchers.set(id, { fragment: c.fragment === true, progress: c.progressNotify === true, due: true });
    this.push({ header: this.header(), watchId: i64(id), created: true });
  }

  private cancel(id: number): void {
    // etcd says nothing about an id it does not know.
    if (!this.ws.cancel(id)) return;
    this.watchers.delete(id);
    this.push({ header: this.header(), watchId: i64(id), canceled: true });
  }

  /** etcd 3.5's progress request: one response for the stream (id -1), once every watcher is synced. */
  private progressAll(): void {
    if (this.ws.requestProgressAll()) return;
    this.progressDeferred = true;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retry !== undefined || this.ended) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.retryProgress();
    }, PROGRESS_RETRY_MS);
    this.retry.unref();
  }

  private retryProgress(): void {
    if (!this.progressDeferred || this.ended) return;
    if (this.ws.requestProgressAll()) this.progressDeferred = false;
    else this.scheduleRetry();
  }

  /** The progress ticker: each watcher that asked gets a notification unless events went out since. */
  private tick(): void {
    for (const [id, w] of this.watchers) {
      if (!w.progress) continue;
      if (w.due) this.ws.requestProgress(id);
      w.due = true;
    }
  }

  private header(revision?: number): pb.IResponseHeader {
    return sharedHeader(this.server, revision);
  }

  private push(res: pb.IWatchResponse): void {
    this.control.push(res);
    this.kickSender();
  }

  private kickSender(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async sendLoop(): Promise<void> {
    while (!this.ended) {
      const ctl = this.control.shift();
      if (ctl !== undefined) {
        await this.call.write({ res: ctl, events: NO_EVENTS });
        continue;
      }
      let r = this.stash.shift() ?? this.ws.poll();
      if (r !== undefined) {
        // Responses ready together go out as one write: a client with many watchers on a
        // stream then reads one DATA frame per revision rather than one per watcher.
        const batch: WatchOut[] = [];
        while (r !== undefined) {
          this.storeResponseParts(r, batch);
          if (batch.length >= MAX_BATCH || this.control.length > 0) break;
          r = this.stash.shift() ?? this.ws.poll();
        }
        if (batch.length > 0) await this.call.writeMany(batch);
        if (this.progressDeferred) this.retryProgress();
        continue;
      }
      await this.idle();
    }
  }

  /** Waits for a control response or for the WatchStream to hand over one (kept in `stash`). */
  private idle(): Promise<void> {
    this.pendingNext ??= this.ws.next().then((r) => {
      this.pendingNext = undefined;
      if (r === undefined) this.ended = true;
      else this.stash.push(r);
    });
    const woken = new Promise<void>((resolve) => (this.wake = resolve));
    return Promise.race([this.pendingNext, woken]);
  }

  /** What a store response becomes on the wire (none, one, or its fragments), added to `out`. */
  private storeResponseParts(r: WatchResponse, out: WatchOut[]): void {
    const w = r.watchId === -1 ? undefined : this.watchers.get(r.watchId);
    // Responses of a watcher the client already cancelled are dropped, as etcd drops them.
    if (r.watchId !== -1 && w === undefined) return;
    const compacted = r.compactRevision !== 0;
    if (compacted) this.watchers.delete(r.watchId);
    if (w !== undefined && r.events.length > 0) w.due = false;
    const res: pb.IWatchResponse = {
      // etcd's compaction notice carries no revision (its header's revision is left 0).
      header: compacted ? { ...this.header(), revision: null } : this.header(r.revision),
      watchId: i64(r.watchId),
      canceled: compacted || null,
      compactRevision: i64(r.compactRevision),
    };
    const whole: WatchOut = { res, events: r.events };
    if (w?.fragment !== true) out.push(whole);
    else for (const part of fragmentEvents(whole, this.limits.maxRequestBytes)) out.push(part);
  }

  private close(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.ticker = undefined;
    this.retry = undefined;
    this.ended = true;
    this.ws.close();
    this.kickSender();
  }
}

const lastHeaders = new WeakMap<EtcdServerApi, { h: Header; pb: pb.IResponseHeader }>();

/**
 * The response header at a revision, as one object for every response that carries the same
 * header (a put seen by a thousand watchers is a thousand responses with one header), so that
 * its encoding is cached too (see watch-encode.ts).
 */
function sharedHeader(server: EtcdServerApi, revision?: number): pb.IResponseHeader {
  const h = server.header(revision);
  const last = lastHeaders.get(server);
  if (last !== undefined && last.h.revision === h.revision && last.h.raftTerm === h.raftTerm && last.h.memberId === h.memberId && last.h.clusterId === h.clusterId) return last.pb;
  const out = headerToPb(h);
  lastHeaders.set(server, { h, pb: out });
  return out;
}
