import type { KeyValue } from './kv-codec.js';

/** One event a watcher receives: a put or a delete of a key, with the key's value before if asked. */
export interface WatchEvent {
  readonly type: 'put' | 'delete';
  readonly kv: KeyValue;
  readonly prevKv?: KeyValue;
}

/**
 * What a watch stream delivers (etcd's mvcc WatchResponse). `revision` is the store revision the
 * response speaks for: every event of the watcher up to it has been delivered. A response with
 * no events and `compactRevision` 0 is a progress notification; one with `compactRevision` set
 * cancels the watcher because the history it needs was compacted away.
 */
export interface WatchResponse {
  readonly watchId: number;
  readonly events: readonly WatchEvent[];
  readonly revision: number;
  readonly compactRevision: number;
}

/** A watch on a key or range, as a stream creates it. */
export interface WatchRequest {
  readonly key: Uint8Array;
  /** As everywhere in mvcc: absent or empty = the single key, [0x00] = every key ≥ key, else [key, end). */
  readonly end?: Uint8Array;
  /** The first revision to deliver; 0 or absent: from the next write on. */
  readonly startRev?: number;
  /** The id to give the watcher; absent: the stream picks the lowest free one from 0 up. */
  readonly id?: number;
  /** Attach to each event the key's value before it. */
  readonly prevKv?: boolean;
  /** Leave out put events (etcd's NOPUT filter). */
  readonly noPut?: boolean;
  /** Leave out delete events (etcd's NODELETE filter). */
  readonly noDelete?: boolean;
}

/** Which group holds a watcher: etcd's synced, unsynced and victim sets. */
export type WatcherState = 'synced' | 'unsynced' | 'parked' | 'gone';

/** The stream a watcher belongs to, as the store sees it. */
export interface WatcherSink {
  /** Queues a response for the reader; false when the queue is full. */
  offer(response: WatchResponse): boolean;
  /** Holds a response the queue had no room for; the watcher waits, parked, until it goes out. */
  park(w: Watcher, response: WatchResponse): void;
  /** The store is done with the watcher (a compaction cancelled it). */
  forget(w: Watcher): void;
}

/**
 * One watcher (etcd's watcher): a key or range, the next revision it must see (`minRev`), its
 * filters, and the responses it could not yet hand to its stream when parked. Keys are latin1
 * strings, as in the index, so string order is byte order.
 */
export class Watcher {
  state: WatcherState = 'unsynced';
  /** Responses waiting for room in the stream, oldest first (only while parked). */
  readonly pending: WatchResponse[] = [];

  constructor(
    readonly id: number,
    /** The key, or the start of the range. */
    readonly key: string,
    /** The end of the range (exclusive; PAST_ALL_KEYS for "every key ≥ key"); undefined: the single key. */
    readonly end: string | undefined,
    /** The first revision not yet delivered (or, for a synced watcher, the first it may be sent). */
    public minRev: number,
    readonly prevKv: boolean,
    readonly noPut: boolean,
    readonly noDelete: boolean,
    readonly sink: WatcherSink,
  ) {}

  /** Whether the watcher covers the key. */
  matches(key: string): boolean {
    if (this.end === undefined) return key === this.key;
    return key >= this.key && key < this.end;
  }

  /** Whether the watcher's filters let an event of this type through. */
  wants(type: WatchEvent['type']): boolean {
    return type === 'put' ? !this.noPut : !this.noDelete;
  }
}
