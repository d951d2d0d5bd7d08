import { entriesSize, limitSize } from './entry-size.js';
import { CompactedError, UnavailableError } from './errors.js';
import { RaftInvariantError } from './raft-errors.js';
import { UnstableLog } from './log-unstable.js';
import type { Storage } from './storage.js';
import { type Entry, type Index, type Snapshot, type Term, index, term } from './types.js';

/**
 * The raft log as the state machine sees it: the persisted part in Storage, followed by the
 * unstable tail (entries and maybe a snapshot not yet persisted), with the commit and apply
 * positions. Invariant: applied ≤ applying ≤ committed ≤ lastIndex, and committed entries are
 * never replaced. Any violation is a bug or a damaged log and throws RaftInvariantError.
 *
 * Applying is tracked in two steps so that entries can be applied asynchronously:
 * nextCommittedEntries hands out entries after `applying`; acceptApplying records that they are
 * being applied (and how many bytes), appliedTo that they were. A caller that applies
 * synchronously may skip acceptApplying and just call appliedTo.
 */
export class RaftLog {
  readonly storage: Storage;
  readonly unstable: UnstableLog;
  /** Highest index known to be replicated on a quorum (persisted by them). */
  committed: Index;
  /** Highest index handed to the application to apply (applied ≤ applying ≤ committed). */
  applying: Index;
  /** Highest index the application has applied. */
  applied: Index;
  /** Bytes of entries handed out for applying per batch; Infinity = no limit. */
  readonly maxApplyingEntsSize: number;
  /** Bytes of entries being applied now (accepted, not yet reported applied). */
  applyingEntsSize = 0;
  /** No more entries are handed out for applying until earlier ones are applied. */
  applyingEntsPaused = false;

  constructor(storage: Storage, maxApplyingEntsSize = Infinity) {
    this.storage = storage;
    this.maxApplyingEntsSize = maxApplyingEntsSize;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new UnstableLog(index(last + 1));
    this.committed = index(first - 1);
    this.applying = index(first - 1);
    this.applied = index(first - 1);
  }

  toString(): string {
    const u = this.unstable;
    return `committed=${this.committed}, applied=${this.applied}, applying=${this.applying}, unstable.offset=${u.offset}, unstable.offsetInProgress=${u.offsetInProgress}, len(unstable.Entries)=${u.length}`;
  }

  /**
   * Appends the leader's entries that follow (index, logTerm), if our log holds that entry (the
   * consistency check). Entries we already have are kept; from the first conflicting one on,
   * our tail is replaced. Then commits up to min(committed, last new index). Returns the last
   * index of the new entries, or undefined when the check failed.
   */
  maybeAppend(i: Index, logTerm: Term, committed: Index, ents: readonly Entry[]): Index | undefined {
    if (!this.matchTerm(i, logTerm)) return undefined;
    const lastNew = index(i + ents.length);
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) {
        throw new RaftInvariantError(`entry ${ci} conflict with committed entry [committed(${this.committed})]`);
      }
      // ci is the index of one of ents (which start at i + 1): append from that one on.
      this.append(ents.slice(ci - (i + 1)));
    }
    this.commitTo(index(Math.min(committed, lastNew)));
    return lastNew;
  }

  /** Appends entries (replacing any tail from ents[0].index on); returns the new last index. */
  append(ents: readonly Entry[]): Index {
    const first = ents[0];
    if (first === undefined) return this.lastIndex();
    const after = first.index - 1;
    if (after < this.committed) {
      throw new RaftInvariantError(`after(${after}) is out of range [committed(${this.committed})]`);
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /**
   * The index of the first of ents whose term differs from ours at that index (or that we do
   * not have), or 0 when we hold them all. The entries must be contiguous.
   */
  findConflict(ents: readonly Entry[]): Index {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return index(0);
  }

  /**
   * For the fast back-off after a rejected append: the largest index ≤ i whose term is ≤ t,
   * with that term. Where our term is unknown (compacted), assumes a possible match there and
   * returns term 0. (0, 0) when none.
   */
  findConflictByTerm(i: Index, t: Term): { index: Index; term: Term } {
    for (let at = i; at > 0; at--) {
      let ours: Term;
      try {
        ours = this.term(index(at));
      } catch (err) {
        if (isOutOfBounds(err)) return { index: index(at), term: term(0) };
        throw err;
      }
      if (ours <= t) return { index: index(at), term: ours };
    }
    return { index: index(0), term: term(0) };
  }

  /** All unstable entries. */
  unstableEntries(): Entry[] {
    return this.unstable.entries();
  }

  /** The unstable snapshot, handed out or not. */
  unstableSnapshot(): Snapshot | undefined {
    return this.unstable.snapshot;
  }

  /** Unstable entries not yet handed out for writing. */
  nextUnstableEntries(): Entry[] {
    return this.unstable.nextEntries();
  }

  hasNextUnstableEntries(): boolean {
    return this.unstable.offsetInProgress < this.unstable.offset + this.unstable.length;
  }

  /** The unstable snapshot if not yet handed out for writing. */
  nextUnstableSnapshot(): Snapshot | undefined {
    return this.unstable.nextSnapshot();
  }

  hasNextUnstableSnapshot(): boolean {
    return this.unstable.nextSnapshot() !== undefined;
  }

  /** A snapshot is waiting to be persisted, or being persisted: entries cannot be applied before it. */
  hasNextOrInProgressSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  /** Marks all unstable entries and the snapshot as handed out for writing. */
  acceptUnstable(): void {
    this.unstable.acceptInProgress();
  }

  /**
   * Committed entries to apply next: after `applying`, up to committed (and, unless
   * allowUnstable, only those already persisted locally), at most maxApplyingEntsSize bytes
   * minus those being applied (but at least one entry). None while a snapshot is pending.
   */
  nextCommittedEntries(allowUnstable: boolean): Entry[] {
    if (this.applyingEntsPaused || this.hasNextOrInProgressSnapshot()) return [];
    const lo = index(this.applying + 1);
    const hi = index(this.maxAppliableIndex(allowUnstable) + 1);
    if (lo >= hi) return [];
    const maxSize = this.maxApplyingEntsSize - this.applyingEntsSize;
    if (maxSize <= 0) {
      throw new RaftInvariantError(
        `applying entry size (${this.applyingEntsSize}-${this.maxApplyingEntsSize}) not positive while not paused`,
      );
    }
    return this.slice(lo, hi, maxSize);
  }

  hasNextCommittedEntries(allowUnstable: boolean): boolean {
    if (this.applyingEntsPaused || this.hasNextOrInProgressSnapshot()) return false;
    return this.applying + 1 < this.maxAppliableIndex(allowUnstable) + 1;
  }

  private maxAppliableIndex(allowUnstable: boolean): Index {
    if (allowUnstable) return this.committed;
    return index(Math.min(this.committed, this.unstable.offset - 1));
  }

  /** The latest snapshot: the unstable one if any, else the storage's. */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  firstIndex(): Index {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): Index {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** Raises committed to i (never lowers it); i beyond the last index means a damaged log. */
  commitTo(i: Index): void {
    if (this.committed >= i) return;
    if (this.lastIndex() < i) {
      throw new RaftInvariantError(
        `tocommit(${i}) is out of range [lastIndex(${this.lastIndex()})]. Was the raft log corrupted, truncated, or lost?`,
      );
    }
    this.committed = i;
  }

  /**
   * Entries up to i were applied, `size` bytes of them accounted by acceptApplying (0 if the
   * caller does not use it). i must lie in [applied, committed]; 0 is ignored.
   */
  appliedTo(i: Index, size = 0): void {
    if (i === 0) return;
    if (this.committed < i || i < this.applied) {
      throw new RaftInvariantError(`applied(${i}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`);
    }
    this.applied = i;
    if (this.applying < i) this.applying = i;
    this.applyingEntsSize = Math.max(0, this.applyingEntsSize - size);
    this.applyingEntsPaused = this.applyingEntsSize >= this.maxApplyingEntsSize;
  }

  /**
   * Entries up to i (of `size` bytes) were handed to the application. If they were not all
   * that could be applied, the batch hit the size limit: pause until some are applied, so the
   * application is not flooded.
   */
  acceptApplying(i: Index, size: number, allowUnstable: boolean): void {
    if (this.committed < i) {
      throw new RaftInvariantError(`applying(${i}) is out of range [prevApplying(${this.applying}), committed(${this.committed})]`);
    }
    this.applying = i;
    this.applyingEntsSize += size;
    this.applyingEntsPaused =
      this.applyingEntsSize >= this.maxApplyingEntsSize || i < this.maxAppliableIndex(allowUnstable);
  }

  /** Entries up to (i, t) were persisted. */
  stableTo(i: Index, t: Term): void {
    this.unstable.stableTo(i, t);
  }

  /** The snapshot at index i was persisted. */
  stableSnapTo(i: Index): void {
    this.unstable.stableSnapTo(i);
  }

  lastTerm(): Term {
    try {
      return this.term(this.lastIndex());
    } catch (err) {
      throw new RaftInvariantError(`unexpected error when getting the last term`, { cause: err });
    }
  }

  /**
   * Term of entry i. Known for [firstIndex-1, lastIndex]: the entry just before the first is
   * compacted but its term is kept for the consistency check of appends. CompactedError below,
   * UnavailableError above.
   */
  term(i: Index): Term {
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    if (i + 1 < this.firstIndex()) throw new CompactedError();
    if (i > this.lastIndex()) throw new UnavailableError();
    return this.storage.term(i);
  }

  /** Entries from i to the end, at most maxSize bytes (at least one); [] if i is past the end. */
  entries(i: Index, maxSize: number): Entry[] {
    const last = this.lastIndex();
    if (i > last) return [];
    return this.slice(i, index(last + 1), maxSize);
  }

  /** Every entry still available. */
  allEntries(): Entry[] {
    for (;;) {
      try {
        return this.entries(this.firstIndex(), Infinity);
      } catch (err) {
        // The storage may compact between our firstIndex() and its entries(): ask again.
        if (!(err instanceof CompactedError)) throw err;
      }
    }
  }

  /** Whether a log ending at (lasti, t) is at least as up to date as ours (the vote rule). */
  isUpToDate(lasti: Index, t: Term): boolean {
    const ourTerm = this.lastTerm();
    return t > ourTerm || (t === ourTerm && lasti >= this.lastIndex());
  }

  /** Whether we hold entry i with term t. */
  matchTerm(i: Index, t: Term): boolean {
    // Bounds first: appends probe past the last index all the time, and a thrown error per
    // probe was most of the cost of replication.
    if (this.unstable.maybeTerm(i) === undefined && (i + 1 < this.firstIndex() || i > this.lastIndex())) return false;
    try {
      return this.term(i) === t;
    } catch (err) {
      if (isOutOfBounds(err)) return false;
      throw err;
    }
  }

  /**
   * Commits up to maxIndex if our entry there has term t (a leader commits only entries of its
   * own term by counting replicas). Term 0 never matches: no leader has term 0.
   */
  maybeCommit(maxIndex: Index, t: Term): boolean {
    if (t !== 0 && maxIndex > this.committed && this.matchTerm(maxIndex, t)) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  /** Replaces the log by a snapshot (which must be newer than committed). */
  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /**
   * Entries [lo, hi), at most maxSize bytes but at least one. Reads storage for the part below
   * the unstable offset and the unstable tail for the rest. CompactedError if lo was compacted;
   * a range beyond the last index throws RaftInvariantError.
   */
  slice(lo: Index, hi: Index, maxSize: number): Entry[] {
    this.mustCheckOutOfBounds(lo, hi);
    if (lo === hi) return [];
    const offset = this.unstable.offset;
    if (lo >= offset) return limitSize(this.unstable.slice(lo, hi), maxSize);
    const cut = index(Math.min(hi, offset));
    const ents = this.storageEntries(lo, cut, maxSize);
    // Storage stopped short (the size limit), or there is nothing unstable to add.
    if (hi <= offset || ents.length < cut - lo) return ents;
    const size = entriesSize(ents);
    if (size >= maxSize) return ents;
    const tail = limitSize(this.unstable.slice(offset, hi), maxSize - size);
    // limitSize keeps one entry even over the limit; here that one would break the limit.
    if (tail.length === 1 && size + entriesSize(tail) > maxSize) return ents;
    return ents.concat(tail);
  }

  /** For a term whose lookup may be out of bounds: 0 then, as "unknown". */
  zeroTermOnOutOfBounds(t: () => Term): Term {
    try {
      return t();
    } catch (err) {
      if (isOutOfBounds(err)) return term(0);
      throw err;
    }
  }

  private storageEntries(lo: Index, hi: Index, maxSize: number): Entry[] {
    try {
      return this.storage.entries(lo, hi, maxSize);
    } catch (err) {
      if (err instanceof UnavailableError) {
        throw new RaftInvariantError(`entries[${lo}:${hi}) is unavailable from storage`, { cause: err });
      }
      throw err;
    }
  }

  /** firstIndex ≤ lo ≤ hi ≤ lastIndex + 1; CompactedError if lo is below the first index. */
  private mustCheckOutOfBounds(lo: Index, hi: Index): void {
    if (lo > hi) throw new RaftInvariantError(`invalid slice ${lo} > ${hi}`);
    const first = this.firstIndex();
    if (lo < first) throw new CompactedError();
    const last = this.lastIndex();
    if (hi > last + 1) throw new RaftInvariantError(`slice[${lo},${hi}) out of bound [${first},${last}]`);
  }
}

function isOutOfBounds(err: unknown): boolean {
  return err instanceof CompactedError || err instanceof UnavailableError;
}
