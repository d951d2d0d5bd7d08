import type { Transaction } from 'lmdb';
import { bucketSlot, type BucketName } from './bucket.js';
import { ViewReleasedError } from './errors.js';
import { bound, MAX_KEY_BYTES, view } from './keys.js';
import type { LmdbEnv } from './lmdb-env.js';
import { mergeRange, type Entry } from './merge.js';
import type { Layer } from './write-buffer.js';

/**
 * A consistent snapshot of the backend: one LMDB read transaction plus frozen copies of the
 * writes that were pending (or being committed) when the view was taken. Nothing done to the
 * backend afterwards — puts, deletes, commits, more views — changes what it reads.
 *
 * Release every view: it pins an LMDB reader slot and the pages of its snapshot, and
 * defragmentation waits for views taken before its swap. Closing the backend releases
 * views still open; using a released view throws ViewReleasedError.
 *
 * Returned buffers are shared with the backend: treat them as read-only.
 */
export class ReadView {
  private released = false;

  constructor(
    private readonly env: LmdbEnv,
    private readonly txn: Transaction,
    /** Newest first. */
    private readonly layers: readonly Layer[],
    private readonly onRelease: (v: ReadView) => void,
  ) {}

  get isReleased(): boolean {
    return this.released;
  }

  get(bucket: BucketName, key: Uint8Array): Buffer | undefined {
    const slot = this.open(bucket);
    if (key.byteLength === 0 || key.byteLength > MAX_KEY_BYTES) return undefined;
    const k = view(key);
    for (const layer of this.layers) {
      const v = layer[slot]?.get(k);
      if (v !== undefined) return v ?? undefined;
    }
    return this.dbi(slot).get(k, { transaction: this.txn });
  }

  /**
   * Lazily yields the pairs with start <= key < end in key order (end undefined: to the end of
   * the bucket; an empty start: from the first key). Consume it before releasing the view;
   * stopping early closes the LMDB cursor.
   */
  *entries(bucket: BucketName, start: Uint8Array, end?: Uint8Array): Generator<Entry> {
    const slot = this.open(bucket);
    const lo = bound(start);
    const hi = bound(end);
    if (lo !== undefined && hi !== undefined && Buffer.compare(lo, hi) >= 0) return;
    const base = this.dbi(slot).getRange({
      ...(lo !== undefined ? { start: lo } : {}),
      ...(hi !== undefined ? { end: hi } : {}),
      transaction: this.txn,
    });
    if (this.layers.every((layer) => (layer[slot]?.size ?? 0) === 0)) {
      // Nothing pending in this bucket: LMDB's order is the answer.
      for (const e of base) {
        if (this.released) throw new ViewReleasedError('read view used after release');
        yield [e.key, e.value];
      }
      return;
    }
    for (const e of mergeRange(this.layers, slot, base, lo, hi)) {
      if (this.released) throw new ViewReleasedError('read view used after release');
      yield e;
    }
  }

  /** The pairs with start <= key < end, at most `limit` of them (0 or undefined: all). */
  range(bucket: BucketName, start: Uint8Array, end?: Uint8Array, limit?: number): Entry[] {
    const out: Entry[] = [];
    if (limit !== undefined && limit > 0) {
      for (const e of this.entries(bucket, start, end)) {
        out.push(e);
        if (out.length >= limit) break;
      }
      return out;
    }
    for (const e of this.entries(bucket, start, end)) out.push(e);
    return out;
  }

  /** Calls fn for each pair of [start, end) in order; fn returns false to stop. */
  forEach(bucket: BucketName, start: Uint8Array, end: Uint8Array | undefined, fn: (key: Buffer, value: Buffer) => boolean | void): void {
    for (const [k, v] of this.entries(bucket, start, end)) {
      if (fn(k, v) === false) return;
    }
  }

  /** How many keys [start, end) holds (the whole bucket by default). */
  count(bucket: BucketName, start: Uint8Array = EMPTY, end?: Uint8Array): number {
    const slot = this.open(bucket);
    const lo = bound(start);
    const hi = bound(end);
    if (lo !== undefined && hi !== undefined && Buffer.compare(lo, hi) >= 0) return 0;
    let n = this.dbi(slot).getCount({
      ...(lo !== undefined ? { start: lo } : {}),
      ...(hi !== undefined ? { end: hi } : {}),
      transaction: this.txn,
    });
    // Correct LMDB's count by what the layers change: each key counts once, at its newest layer.
    const seen = new Set<string>();
    for (let i = 0; i < this.layers.length; i++) {
      const tree = this.layers[i]?.[slot];
      if (tree === undefined) continue;
      for (const [k, v] of tree.entries(lo)) {
        if (hi !== undefined && Buffer.compare(k, hi) >= 0) break;
        const id = k.toString('latin1');
        if (seen.has(id)) continue;
        seen.add(id);
        const inBase = this.dbi(slot).get(k, { transaction: this.txn }) !== undefined;
        if (v === null && inBase) n--;
        else if (v !== null && !inBase) n++;
      }
    }
    return n;
  }

  /** Ends the view. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.txn.done();
    this.onRelease(this);
  }

  private open(bucket: BucketName): number {
    if (this.released) throw new ViewReleasedError('read view used after release');
    return bucketSlot(bucket);
  }

  private dbi(slot: number): LmdbEnv['dbis'][number] {
    const d = this.env.dbis[slot];
    if (d === undefined) throw new RangeError(`no bucket slot ${slot}`);
    return d;
  }
}

const EMPTY = new Uint8Array(0);
