import { RaftInvariantError } from './raft-errors.js';
import { type Entry, type Index, type Snapshot, type Term, index } from './types.js';

/**
 * The tail of the raft log that is not yet known to be persisted: entries from index `offset`
 * on, and possibly a snapshot (received from the leader) that precedes them. The caller writes
 * them out, then acknowledges with stableTo / stableSnapTo, and they leave this tail.
 *
 * "In progress" marks what was already handed to the caller for writing (acceptInProgress) but
 * not acknowledged yet, so it is not handed out twice when writes are asynchronous. An
 * acknowledgement may arrive late, after a new leader replaced the entries it names; stableTo
 * then checks the term and ignores it, or the new entries would be lost.
 */
export class UnstableLog {
  /** A snapshot to persist; when present, entries follow it (offset = its index + 1). */
  snapshot: Snapshot | undefined = undefined;
  /** The snapshot was handed out for writing. */
  snapshotInProgress = false;
  /** Index of the first unstable entry. */
  offset: Index;
  /** Entries below this index were handed out for writing; offset ≤ offsetInProgress ≤ last + 1. */
  offsetInProgress: Index;
  /**
   * Backing array: the live entries are buf[head..]. Acknowledged entries are dropped by moving
   * head, and the array is copied down only once most of it is dead, so acknowledging is O(1)
   * amortised yet memory held stays within twice the live tail.
   */
  private buf: Entry[] = [];
  private head = 0;

  constructor(offset: Index) {
    this.offset = offset;
    this.offsetInProgress = offset;
  }

  /** Number of unstable entries. */
  get length(): number {
    return this.buf.length - this.head;
  }

  /** Size of the backing array (for tests of the shrinking). */
  get capacity(): number {
    return this.buf.length;
  }

  /** The first index of the log if the snapshot decides it. */
  maybeFirstIndex(): Index | undefined {
    return this.snapshot === undefined ? undefined : index(this.snapshot.metadata.index + 1);
  }

  /** The last index of the log if this tail decides it (entries, else the snapshot). */
  maybeLastIndex(): Index | undefined {
    if (this.length > 0) return index(this.offset + this.length - 1);
    return this.snapshot?.metadata.index;
  }

  /** The term of entry i if this tail knows it (one of its entries, or the snapshot's index). */
  maybeTerm(i: Index): Term | undefined {
    if (i < this.offset) {
      const s = this.snapshot;
      return s !== undefined && s.metadata.index === i ? s.metadata.term : undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || i > last) return undefined;
    return (this.buf[this.head + i - this.offset] as Entry).term;
  }

  /** All unstable entries (a fresh array). */
  entries(): Entry[] {
    return this.buf.slice(this.head);
  }

  /** Unstable entries not yet handed out for writing. */
  nextEntries(): Entry[] {
    return this.buf.slice(this.head + this.offsetInProgress - this.offset);
  }

  /** The snapshot, if present and not yet handed out for writing. */
  nextSnapshot(): Snapshot | undefined {
    return this.snapshotInProgress ? undefined : this.snapshot;
  }

  /** Marks everything currently here as handed out for writing. */
  acceptInProgress(): void {
    if (this.length > 0) this.offsetInProgress = index(this.offset + this.length);
    if (this.snapshot !== undefined) this.snapshotInProgress = true;
  }

  /**
   * Entries up to (i, t) are persisted. Ignored when this tail no longer holds that entry: it
   * was already acknowledged, it is the snapshot's index rather than an entry, or it was
   * replaced by an entry of another term since the write began.
   */
  stableTo(i: Index, t: Term): void {
    const known = this.maybeTerm(i);
    if (known === undefined || i < this.offset || known !== t) return;
    this.head += i + 1 - this.offset;
    this.offset = index(i + 1);
    if (this.offsetInProgress < this.offset) this.offsetInProgress = this.offset;
    this.shrink();
  }

  /** The snapshot at index i is persisted. */
  stableSnapTo(i: Index): void {
    if (this.snapshot !== undefined && this.snapshot.metadata.index === i) {
      this.snapshot = undefined;
      this.snapshotInProgress = false;
    }
  }

  /** Replaces the whole tail by a snapshot; entries will follow it. */
  restore(s: Snapshot): void {
    this.offset = index(s.metadata.index + 1);
    this.offsetInProgress = this.offset;
    this.buf = [];
    this.head = 0;
    this.snapshot = s;
    this.snapshotInProgress = false;
  }

  /**
   * Appends contiguous entries, first dropping whatever this tail holds from ents[0].index on
   * (a conflicting suffix). The caller (RaftLog) has checked that nothing committed is dropped.
   */
  truncateAndAppend(ents: readonly Entry[]): void {
    const first = ents[0];
    if (first === undefined) return;
    const from = first.index;
    if (from !== this.offset + this.length) this.truncateFrom(from);
    for (const e of ents) this.buf.push(e);
  }

  /** Drops the entries from index `from` on (which may be below offset: then all of them). */
  private truncateFrom(from: Index): void {
    if (from <= this.offset) {
      this.buf = [];
      this.head = 0;
      this.offset = from;
      this.offsetInProgress = from;
    } else {
      this.buf = this.slice(this.offset, from);
      this.head = 0;
      if (from < this.offsetInProgress) this.offsetInProgress = from;
    }
  }

  /** Entries [lo, hi) of this tail (a fresh array); the range must lie within it. */
  slice(lo: Index, hi: Index): Entry[] {
    this.mustCheckOutOfBounds(lo, hi);
    return this.buf.slice(this.head + lo - this.offset, this.head + hi - this.offset);
  }

  private mustCheckOutOfBounds(lo: Index, hi: Index): void {
    if (lo > hi) throw new RaftInvariantError(`invalid unstable.slice ${lo} > ${hi}`);
    const upper = this.offset + this.length;
    if (lo < this.offset || hi > upper) {
      throw new RaftInvariantError(`unstable.slice[${lo},${hi}) out of bound [${this.offset},${upper}]`);
    }
  }

  /** Copies the live entries down once less than half of the backing array is live. */
  private shrink(): void {
    if (this.length === 0) {
      this.buf = [];
      this.head = 0;
    } else if (this.length * 2 < this.buf.length) {
      this.buf = this.buf.slice(this.head);
      this.head = 0;
    }
  }
}
