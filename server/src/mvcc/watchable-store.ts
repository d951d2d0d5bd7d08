import type { Backend } from '../backend/index.js';
import { tracer } from '../util/index.js';
import { keyString } from './key-string.js';
import type { Change } from './change.js';
import { CompactedError } from './errors.js';
import type { KeyValue } from './kv-codec.js';
import { KvStore, type KvStoreOptions } from './kv-store.js';
import { readChanges } from './watch-sync.js';
import { DEFAULT_QUEUE_CAPACITY, type WatchHost, WatchStream } from './watch-stream.js';
import type { WatchEvent, WatchResponse, Watcher } from './watcher.js';
import { WatcherGroup } from './watcher-group.js';

export interface WatchableStoreOptions extends KvStoreOptions {
  /** Backend records read per catch-up pass for unsynced watchers (default 10,000). */
  syncRecordLimit?: number;
  /** Unsynced watchers served per catch-up pass (default 512, as etcd). */
  maxWatchersPerSync?: number;
}

/** How long a catch-up pass waits when it could do nothing (every stream it needs is full). */
const RETRY_MS = 10;

const trace = tracer('mvcc');

/**
 * The KV store with watchers (etcd's watchableStore). Every write txn that changes something
 * notifies the synced watchers at once, with the events of its revision together; watchers
 * that start in the past, or that were parked because their reader fell behind, are unsynced
 * and catch up from the backend in bounded passes between which writes go on. A watcher whose
 * next revision was compacted away is cancelled with the compact revision.
 */
export class WatchableStore implements WatchHost {
  static async open(backend: Backend, options: WatchableStoreOptions = {}): Promise<WatchableStore> {
    let self: WatchableStore | undefined;
    const outer = options.observer;
    const kv = await KvStore.open(backend, {
      ...options,
      observer: (rev, changes) => {
        outer?.(rev, changes);
        self?.notify(rev, changes);
      },
    });
    self = new WatchableStore(kv, backend, options);
    return self;
  }

  private readonly synced = new WatcherGroup();
  private readonly unsynced = new WatcherGroup();
  private readonly streams = new Set<WatchStream>();
  private readonly syncRecordLimit: number;
  private readonly maxWatchersPerSync: number;
  private parked = 0;
  private syncTimer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    /** The store itself: ranges, write txns, compaction, hashes. */
    readonly kv: KvStore,
    private readonly backend: Backend,
    options: WatchableStoreOptions,
  ) {
    this.syncRecordLimit = options.syncRecordLimit ?? 10_000;
    this.maxWatchersPerSync = options.maxWatchersPerSync ?? 512;
  }

  get rev(): number {
    return this.kv.rev;
  }

  /** A new stream of watchers sharing one queue of `capacity` responses. */
  newWatchStream(capacity = DEFAULT_QUEUE_CAPACITY): WatchStream {
    const s = new WatchStream(this, capacity, (closed) => this.streams.delete(closed));
    this.streams.add(s);
    return s;
  }

  /** Watchers in each state (etcd's watcher gauges). */
  counts(): { synced: number; unsynced: number; parked: number } {
    return { synced: this.synced.size, unsynced: this.unsynced.size, parked: this.parked };
  }

  /** Closes every stream and stops catching up. The KV store and backend stay open. */
  close(): void {
    this.closed = true;
    this.cancelSync();
    for (const s of [...this.streams]) s.close();
  }

  /**
   * Puts new backend content under the store (a raft snapshot): waits for compactions to end,
   * lets `install` swap the db — it calls `rebuild` synchronously right after the swap, once
   * whatever the store reads through (the lessor) is rebuilt — then every synced watcher goes
   * back to catching up from its next revision in the new history, or is cancelled as compacted.
   */
  async restore(install: (rebuild: () => void) => Promise<void>): Promise<void> {
    await this.kv.idle();
    let finishing: Promise<void> = Promise.resolve();
    await install(() => {
      finishing = this.kv.reload();
      for (const w of [...this.synced]) {
        this.synced.delete(w);
        this.toUnsynced(w);
      }
    });
    await finishing;
  }

  add(w: Watcher, startRev: number): void {
    const cur = this.kv.rev;
    if (startRev === 0 || startRev > cur) {
      w.minRev = Math.max(cur + 1, startRev);
      this.toSynced(w);
      return;
    }
    w.minRev = startRev;
    this.toUnsynced(w);
  }

  remove(w: Watcher): void {
    if (w.state === 'parked') this.parked--;
    else if (!this.synced.delete(w)) this.unsynced.delete(w);
  }

  progress(w: Watcher): boolean {
    if (w.state !== 'synced') return false;
    return w.sink.offer({ watchId: w.id, events: [], revision: this.kv.rev, compactRevision: 0 });
  }

  unpark(w: Watcher): void {
    this.parked--;
    if (w.minRev <= this.kv.rev) this.toUnsynced(w);
    else this.toSynced(w);
  }

  /** Hands a write's changes to the synced watchers they concern, all of a revision in one response. */
  private notify(rev: number, changes: readonly Change[]): void {
    if (this.synced.size === 0) return;
    const batches = new Map<Watcher, WatchEvent[]>();
    for (const c of changes) {
      const key = keyString(c.kv.key);
      let plain: WatchEvent | undefined;
      let withPrev: WatchEvent | undefined;
      this.synced.forEachMatching(key, (w) => {
        if (rev < w.minRev || !w.wants(c.type)) return;
        const ev = w.prevKv ? (withPrev ??= event(c, this.prevBefore(c, rev))) : (plain ??= event(c, undefined));
        addEvent(batches, w, ev);
      });
    }
    for (const [w, events] of batches) {
      w.minRev = rev + 1;
      this.deliver(w, { watchId: w.id, events, revision: rev, compactRevision: 0 });
    }
  }

  /** One catch-up pass over at most maxWatchersPerSync unsynced watchers. */
  private syncPass(): void {
    this.syncTimer = undefined;
    if (this.closed) return;
    const cur = this.kv.rev;
    const compactRev = this.kv.compactRev;
    const chosen = new WatcherGroup();
    let minRev = Infinity;
    for (const w of [...this.unsynced]) {
      if (chosen.size >= this.maxWatchersPerSync) break;
      if (w.minRev > cur) {
        this.unsynced.delete(w);
        this.toSynced(w);
      } else if (w.minRev < compactRev) {
        this.cancelCompacted(w, cur, compactRev);
      } else {
        chosen.add(w);
        minRev = Math.min(minRev, w.minRev);
      }
    }
    if (chosen.size > 0) this.catchUp(chosen, minRev, cur);
    if (this.unsynced.size > 0) this.scheduleSync(chosen.size === 0);
  }

  /** Reads revisions from `minRev` on (bounded) and sends each chosen watcher what it covers. */
  private catchUp(chosen: WatcherGroup, minRev: number, cur: number): void {
    const { changes, upto } = readChanges(this.backend, minRev, cur, this.syncRecordLimit);
    const batches = new Map<Watcher, WatchEvent[]>();
    for (const c of changes) {
      let plain: WatchEvent | undefined;
      let withPrev: WatchEvent | undefined;
      chosen.forEachMatching(keyString(c.kv.key), (w) => {
        if (c.kv.modRevision < w.minRev || !w.wants(c.type)) return;
        const ev = w.prevKv ? (withPrev ??= event(c, this.prevOf(c))) : (plain ??= event(c, undefined));
        addEvent(batches, w, ev);
      });
    }
    for (const w of chosen) {
      if (w.minRev > upto) continue; // this pass stopped before the watcher's revisions
      w.minRev = upto + 1;
      const events = batches.get(w);
      if (upto === cur) {
        this.unsynced.delete(w);
        this.toSynced(w);
      }
      if (events !== undefined) this.deliver(w, { watchId: w.id, events, revision: upto, compactRevision: 0 });
    }
    trace('catch-up pass: %d watchers, revisions %d..%d, %d changes', chosen.size, minRev, upto, changes.length);
  }

  /** Queues a response; if the stream is full, parks the watcher with it (out of its group). */
  private deliver(w: Watcher, response: WatchResponse): void {
    if (w.sink.offer(response)) return;
    if (!this.synced.delete(w)) this.unsynced.delete(w);
    if (w.state !== 'parked') this.parked++;
    w.sink.park(w, response);
  }

  /** Cancels a watcher whose next revision is compacted; retried next pass if its stream is full. */
  private cancelCompacted(w: Watcher, cur: number, compactRev: number): void {
    if (!w.sink.offer({ watchId: w.id, events: [], revision: cur, compactRevision: compactRev })) return;
    this.unsynced.delete(w);
    w.state = 'gone';
    w.sink.forget(w);
  }

  /**
   * The key's value at the revision before `rev` (etcd's prev_kv): the txn's own record of it
   * when that is from an earlier revision, else read from history (a key the same txn wrote
   * before this change).
   */
  private prevBefore(c: Change, rev: number): KeyValue | undefined {
    if (c.prev === undefined || c.prev.modRevision < rev) return c.prev;
    return this.prevOf(c);
  }

  /** The key's value at the revision before a change, if history still has it (the event's prev_kv). */
  private prevOf(c: Change): KeyValue | undefined {
    if (c.type === 'put' && c.kv.createRevision === c.kv.modRevision) return undefined; // a creation: none, as etcd
    try {
      return this.kv.range(c.kv.key, undefined, { rev: c.kv.modRevision - 1 }).kvs[0];
    } catch (err) {
      if (err instanceof CompactedError) return undefined;
      throw err;
    }
  }

  private toSynced(w: Watcher): void {
    w.state = 'synced';
    this.synced.add(w);
  }

  private toUnsynced(w: Watcher): void {
    w.state = 'unsynced';
    this.unsynced.add(w);
    this.scheduleSync(false);
  }

  private scheduleSync(idle: boolean): void {
    if (this.syncTimer !== undefined || this.closed) return;
    const run = (): void => this.syncPass();
    this.syncTimer = idle ? setTimeout(run, RETRY_MS).unref() : setImmediate(run).unref();
  }

  private cancelSync(): void {
    const t = this.syncTimer;
    this.syncTimer = undefined;
    if (t === undefined) return;
    clearTimeout(t as NodeJS.Timeout);
    clearImmediate(t as NodeJS.Immediate);
  }
}

function event(c: Change, prevKv: KeyValue | undefined): WatchEvent {
  return prevKv === undefined ? { type: c.type, kv: c.kv } : { type: c.type, kv: c.kv, prevKv };
}

function addEvent(batches: Map<Watcher, WatchEvent[]>, w: Watcher, ev: WatchEvent): void {
  const list = batches.get(w);
  if (list === undefined) batches.set(w, [ev]);
  else list.push(ev);
}

