import { limitSize } from './entry-size.js';
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from './errors.js';
import { RaftInvariantError } from './raft-errors.js';
import {
  type ConfState,
  type Entry,
  type HardState,
  type Index,
  type Snapshot,
  type Term,
  EMPTY_HARD_STATE,
  EntryType,
  emptyConfState,
  index,
  term,
} from './types.js';

/**
 * What the raft core reads of the persisted log. The log it sees is a snapshot followed by the
 * entries after it; the entry at the snapshot's index is gone, but its term must stay known so
 * that appends right after the snapshot can be checked. Calls may throw CompactedError,
 * UnavailableError or SnapshotTemporarilyUnavailableError where documented; anything else
 * thrown is fatal to the raft core.
 */
export interface Storage {
  /** The persisted HardState and the ConfState of the last snapshot (or of the log's start). */
  initialState(): { hardState: HardState; confState: ConfState };
  /**
   * Entries [lo, hi), cut at maxSize bytes of encoded entries but never fewer than one
   * (maxSize ≥ 0; Infinity = all). CompactedError if lo was compacted away.
   */
  entries(lo: Index, hi: Index, maxSize: number): Entry[];
  /** Term of entry i; i in [firstIndex()-1, lastIndex()]. CompactedError / UnavailableError outside. */
  term(i: Index): Term;
  lastIndex(): Index;
  /** Index of the first entry still available (snapshot index + 1). */
  firstIndex(): Index;
  /** The latest snapshot (SnapshotTemporarilyUnavailableError if being made). */
  snapshot(): Snapshot;
}

/**
 * A Storage held in memory: what tests and the state machine's harnesses run on, and the shape a
 * durable storage follows (the WAL writes, then the same calls are made on this). Arrays handed
 * out are fresh copies and entries are never mutated, so callers may keep what they got.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot = { data: new Uint8Array(0), metadata: { index: index(0), term: term(0), confState: emptyConfState() } };
  /**
   * ents[0] is a placeholder standing for the snapshot's last entry (its index and term only);
   * ents[k] is the entry at index ents[0].index + k.
   */
  private ents: Entry[] = [placeholder(index(0), term(0))];

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.snap.metadata.confState };
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  entries(lo: Index, hi: Index, maxSize: number): Entry[] {
    const offset = this.offset();
    if (lo <= offset) throw new CompactedError();
    if (hi > this.lastIndex() + 1) {
      throw new RaftInvariantError(`entries' hi(${hi}) is out of bound lastindex(${this.lastIndex()})`);
    }
    if (this.ents.length === 1) throw new UnavailableError();
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxSize);
  }

  term(i: Index): Term {
    const offset = this.offset();
    if (i < offset) throw new CompactedError();
    const e = this.ents[i - offset];
    if (e === undefined) throw new UnavailableError();
    return e.term;
  }

  lastIndex(): Index {
    return index(this.offset() + this.ents.length - 1);
  }

  firstIndex(): Index {
    return index(this.offset() + 1);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole content by a snapshot received from the leader. */
  applySnapshot(snap: Snapshot): void {
    if (this.snap.metadata.index >= snap.metadata.index) throw new SnapshotOutOfDateError();
    this.snap = snap;
    this.ents = [placeholder(snap.metadata.index, snap.metadata.term)];
  }

  /**
   * Records a snapshot of the state machine at applied index i (which must be in the log); cs,
   * when given, replaces the configuration recorded with it. Does not compact the log: call
   * compact separately, usually keeping some entries for slow followers.
   */
  createSnapshot(i: Index, cs: ConfState | undefined, data: Uint8Array): Snapshot {
    if (i <= this.snap.metadata.index) throw new SnapshotOutOfDateError();
    if (i > this.lastIndex()) {
      throw new RaftInvariantError(`snapshot ${i} is out of bound lastindex(${this.lastIndex()})`);
    }
    const t = (this.ents[i - this.offset()] as Entry).term;
    this.snap = { data, metadata: { index: i, term: t, confState: cs ?? this.snap.metadata.confState } };
    return this.snap;
  }

  /** Drops the entries up to compactIndex; its term stays known as the new placeholder. */
  compact(compactIndex: Index): void {
    const offset = this.offset();
    if (compactIndex <= offset) throw new CompactedError();
    if (compactIndex > this.lastIndex()) {
      throw new RaftInvariantError(`compact ${compactIndex} is out of bound lastindex(${this.lastIndex()})`);
    }
    const k = compactIndex - offset;
    const at = this.ents[k] as Entry;
    this.ents = [placeholder(at.index, at.term), ...this.ents.slice(k + 1)];
  }

  /**
   * Appends entries, which must be contiguous. Entries already compacted are skipped; an
   * overlap with the held tail replaces it (the leader's entries win over a conflicting
   * tail); a gap after the last index is a bug.
   */
  append(entries: readonly Entry[]): void {
    const first0 = entries[0];
    if (first0 === undefined) return;
    const first = this.firstIndex();
    const last = first0.index + entries.length - 1;
    if (last < first) return;
    const fresh = first > first0.index ? entries.slice(first - first0.index) : entries;
    const at = (fresh[0] as Entry).index - this.offset();
    if (at > this.ents.length) {
      throw new RaftInvariantError(`missing log entry [last: ${this.lastIndex()}, append at: ${(fresh[0] as Entry).index}]`);
    }
    // In place: this array is never handed out (entries() copies), so nobody sees it change.
    this.ents.length = at;
    for (const e of fresh) this.ents.push(e);
  }

  private offset(): Index {
    return (this.ents[0] as Entry).index;
  }
}

function placeholder(i: Index, t: Term): Entry {
  return { index: i, term: t, type: EntryType.Normal, data: new Uint8Array(0) };
}
