import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { entrySize } from '../../../server/src/raft/entry-size.js';
import { CompactedError, UnavailableError } from '../../../server/src/raft/errors.js';
import { RaftInvariantError } from '../../../server/src/raft/raft-errors.js';
import { RaftLog } from '../../../server/src/raft/raft-log.js';
import { MemoryStorage } from '../../../server/src/raft/storage.js';
import { type Entry, type Index, type Term, index, term } from '../../../server/src/raft/types.js';
import { ent, ents, ids, snap } from './raft-log-helpers.js';

const I = index;
const T = term;

/** A log over a storage holding `stored` (after an optional snapshot), with `unstable` appended. */
function mkLog(opts: { snapshot?: [number, number]; stored?: Entry[]; unstable?: Entry[]; maxApplying?: number } = {}): RaftLog {
  const ms = new MemoryStorage();
  if (opts.snapshot !== undefined) ms.applySnapshot(snap(...opts.snapshot));
  ms.append(opts.stored ?? []);
  const log = new RaftLog(ms, opts.maxApplying);
  log.append(opts.unstable ?? []);
  return log;
}

/** A storage whose term() / entries() throw what the test wants. */
class FaultyStorage extends MemoryStorage {
  termFault: Error | undefined;
  entriesFaults: Error[] = [];
  override term(i: Index): Term {
    if (this.termFault !== undefined) throw this.termFault;
    return super.term(i);
  }
  override entries(lo: Index, hi: Index, maxSize: number): Entry[] {
    const fault = this.entriesFaults.shift();
    if (fault !== undefined) throw fault;
    return super.entries(lo, hi, maxSize);
  }
}

describe('RaftLog', () => {
  test('a new log starts from the storage: committed and applied at the snapshot', () => {
    const log = mkLog({ snapshot: [10, 2], stored: ents([11, 2], [12, 3]) });
    assert.deepEqual([log.firstIndex(), log.lastIndex(), log.lastTerm()], [11, 12, 3]);
    assert.deepEqual([log.committed, log.applying, log.applied], [10, 10, 10]);
    assert.equal(log.unstable.offset, 13);
    assert.match(log.toString(), /committed=10, applied=10, applying=10, unstable.offset=13/);
  });

  test('findConflict: first entry we do not hold with that term, or 0', () => {
    const prev = ents([1, 1], [2, 2], [3, 3]);
    const table: Array<[Array<[number, number]>, number]> = [
      [[], 0],
      [[[1, 1], [2, 2], [3, 3]], 0],
      [[[2, 2], [3, 3]], 0],
      [[[3, 3]], 0],
      [[[1, 1], [2, 2], [3, 3], [4, 4], [5, 4]], 4],
      [[[2, 2], [3, 3], [4, 4], [5, 4]], 4],
      [[[3, 3], [4, 4], [5, 4]], 4],
      [[[4, 4], [5, 4]], 4],
      [[[1, 4], [2, 4]], 1],
      [[[2, 1], [3, 4], [4, 4]], 2],
      [[[3, 1], [4, 2], [5, 4], [6, 4]], 3],
    ];
    for (const [input, want] of table) {
      assert.equal(mkLog({ unstable: prev }).findConflict(ents(...input)), want, JSON.stringify(input));
    }
  });

  test('findConflictByTerm: largest index ≤ i with term ≤ t; unknown terms count as a match', () => {
    // snapshot (10, 3), then 11:3 12:3 13:4 14:4 15:6, the last two unstable.
    const log = mkLog({ snapshot: [10, 3], stored: ents([11, 3], [12, 3], [13, 4]), unstable: ents([14, 4], [15, 6]) });
    const table: Array<[number, number, [number, number]]> = [
      [15, 6, [15, 6]],
      [15, 7, [15, 6]],
      [15, 5, [14, 4]],
      [14, 4, [14, 4]],
      [15, 3, [12, 3]],
      [12, 3, [12, 3]],
      [11, 4, [11, 3]],
      // 10 is the snapshot (term known), 9 is compacted: assumed a possible match.
      [15, 2, [9, 0]],
      [10, 3, [10, 3]],
      // Past our end: term unknown, so the hint itself.
      [20, 9, [20, 0]],
      [0, 0, [0, 0]],
    ];
    for (const [i, t, [wi, wt]] of table) {
      assert.deepEqual(log.findConflictByTerm(I(i), T(t)), { index: wi, term: wt }, `(${i},${t})`);
    }
    const empty = mkLog({ stored: ents([1, 1], [2, 2]) });
    assert.deepEqual(empty.findConflictByTerm(I(2), T(0)), { index: 0, term: 0 });
    assert.deepEqual(empty.findConflictByTerm(I(2), T(1)), { index: 1, term: 1 });
  });

  test('isUpToDate: higher last term wins, equal terms compare last index', () => {
    const log = mkLog({ unstable: ents([1, 1], [2, 2], [3, 3]) });
    const table: Array<[number, number, boolean]> = [
      [2, 4, true],
      [3, 4, true],
      [4, 4, true],
      [2, 2, false],
      [3, 2, false],
      [4, 2, false],
      [2, 3, false],
      [3, 3, true],
      [4, 3, true],
    ];
    for (const [i, t, want] of table) assert.equal(log.isUpToDate(I(i), T(t)), want, `(${i},${t})`);
  });

  test('append: returns the last index and moves the unstable offset to the first replaced entry', () => {
    const table: Array<[Array<[number, number]>, number, Array<[number, number]>, number]> = [
      [[], 2, [[1, 1], [2, 2]], 3],
      [[[3, 2]], 3, [[1, 1], [2, 2], [3, 2]], 3],
      [[[1, 2]], 1, [[1, 2]], 1],
      [[[2, 3], [3, 3]], 3, [[1, 1], [2, 3], [3, 3]], 2],
    ];
    for (const [input, wantLast, wantAll, wantOffset] of table) {
      const log = mkLog({ stored: ents([1, 1], [2, 2]) });
      assert.equal(log.append(ents(...input)), wantLast);
      assert.deepEqual(ids(log.allEntries()), wantAll);
      assert.equal(log.unstable.offset, wantOffset);
    }
  });

  test('append refuses to replace committed entries', () => {
    const log = mkLog({ stored: ents([1, 1], [2, 2]) });
    log.commitTo(I(2));
    assert.throws(() => log.append(ents([2, 3])), RaftInvariantError);
    assert.equal(log.append(ents([3, 3])), 3);
  });

  test('maybeAppend: consistency check, conflict truncation and commit', () => {
    // prev: 1:1 2:2 3:3, committed 1. [logTerm, index, committed, ents] -> [lastNew|undefined, committed]
    const table: Array<[number, number, number, Array<[number, number]>, [number | undefined, number]]> = [
      // Consistency check fails: wrong term, or index past our end.
      [2, 3, 3, [[4, 4]], [undefined, 1]],
      [3, 4, 3, [[5, 4]], [undefined, 1]],
      // Matches the last entry.
      [3, 3, 3, [], [3, 3]],
      [3, 3, 4, [], [3, 3]],
      [3, 3, 2, [], [3, 2]],
      [3, 3, 0, [], [3, 1]],
      [0, 0, 3, [], [0, 1]],
      [3, 3, 3, [[4, 4]], [4, 3]],
      [3, 3, 4, [[4, 4]], [4, 4]],
      [3, 3, 5, [[4, 4]], [4, 4]],
      [3, 3, 5, [[4, 4], [5, 4]], [5, 5]],
      // Matches an entry in the middle: the tail from the conflict on is replaced.
      [1, 1, 4, [[2, 4]], [2, 2]],
      [2, 2, 4, [[3, 4]], [3, 3]],
      [2, 2, 4, [[3, 4], [4, 4]], [4, 4]],
      // Entries we already hold are not a conflict: nothing is truncated.
      [1, 1, 3, [[2, 2]], [2, 2]],
    ];
    for (const [logTerm, i, committed, input, [wantLast, wantCommitted]] of table) {
      const log = mkLog({ unstable: ents([1, 1], [2, 2], [3, 3]) });
      log.commitTo(I(1));
      const got = log.maybeAppend(I(i), T(logTerm), I(committed), ents(...input));
      const what = `maybeAppend(${i}, ${logTerm}, ${committed}, ${JSON.stringify(input)})`;
      assert.equal(got, wantLast, what);
      assert.equal(log.committed, wantCommitted, what);
      for (const e of ents(...input)) {
        if (got !== undefined) assert.equal(log.term(e.index), e.term, what);
      }
    }
    const kept = mkLog({ unstable: ents([1, 1], [2, 2], [3, 3]) });
    kept.maybeAppend(I(1), T(1), I(1), ents([2, 2]));
    assert.equal(kept.lastIndex(), 3, 'a matching prefix does not truncate the tail');
  });

  test('maybeAppend refuses to replace a committed entry', () => {
    const log = mkLog({ unstable: ents([1, 1], [2, 2], [3, 3]) });
    log.commitTo(I(1));
    assert.throws(() => log.maybeAppend(I(0), T(0), I(3), ents([1, 4])), RaftInvariantError);
    assert.deepEqual(ids(log.allEntries()), [[1, 1], [2, 2], [3, 3]]);
  });

  test('commitTo never lowers committed and refuses an index past the end', () => {
    const table: Array<[number, number | 'panic']> = [
      [3, 3],
      [1, 2],
      [2, 2],
      [4, 'panic'],
    ];
    for (const [i, want] of table) {
      const log = mkLog({ unstable: ents([1, 1], [2, 2], [3, 3]) });
      log.commitTo(I(2));
      if (want === 'panic') assert.throws(() => log.commitTo(I(i)), RaftInvariantError);
      else {
        log.commitTo(I(i));
        assert.equal(log.committed, want);
      }
    }
  });

  test('maybeCommit commits only entries whose term matches, never with term 0', () => {
    const table: Array<[number, number, boolean, number]> = [
      [3, 3, true, 3],
      [3, 2, false, 1],
      [2, 2, true, 2],
      [1, 1, false, 1],
      [4, 3, false, 1],
      [3, 0, false, 1],
    ];
    for (const [i, t, want, wantCommitted] of table) {
      const log = mkLog({ unstable: ents([1, 1], [2, 2], [3, 3]) });
      log.commitTo(I(1));
      assert.equal(log.maybeCommit(I(i), T(t)), want, `(${i},${t})`);
      assert.equal(log.committed, wantCommitted);
    }
    const zero = mkLog({ unstable: [ent(1, 0)] });
    assert.equal(zero.maybeCommit(I(1), T(0)), false);
  });

  test('term: valid for [firstIndex-1, lastIndex], across storage, unstable and an unstable snapshot', () => {
    const log = mkLog({ snapshot: [100, 1], stored: ents([101, 1], [102, 2]), unstable: ents([103, 3]) });
    const table: Array<[number, number | typeof CompactedError | typeof UnavailableError]> = [
      [98, CompactedError],
      [99, CompactedError],
      [100, 1],
      [101, 1],
      [102, 2],
      [103, 3],
      [104, UnavailableError],
    ];
    for (const [i, want] of table) {
      if (typeof want === 'number') assert.equal(log.term(I(i)), want, `term(${i})`);
      else assert.throws(() => log.term(I(i)), want, `term(${i})`);
    }
    const restored = mkLog({ snapshot: [100, 1] });
    restored.restore(snap(200, 5));
    assert.equal(restored.term(I(200)), 5);
    assert.throws(() => restored.term(I(199)), CompactedError);
    assert.throws(() => restored.term(I(201)), UnavailableError);
  });

  test('matchTerm and zeroTermOnOutOfBounds treat out-of-bounds as unknown but pass other errors on', () => {
    const ms = new FaultyStorage();
    ms.applySnapshot(snap(5, 2));
    ms.append(ents([6, 2], [7, 3]));
    const log = new RaftLog(ms);
    assert.equal(log.matchTerm(I(7), T(3)), true);
    assert.equal(log.matchTerm(I(7), T(2)), false);
    assert.equal(log.matchTerm(I(3), T(2)), false);
    assert.equal(log.matchTerm(I(8), T(3)), false);
    assert.equal(log.zeroTermOnOutOfBounds(() => log.term(I(6))), 2);
    assert.equal(log.zeroTermOnOutOfBounds(() => log.term(I(1))), 0);
    assert.equal(log.zeroTermOnOutOfBounds(() => log.term(I(9))), 0);
    ms.termFault = new Error('disk on fire');
    assert.throws(() => log.matchTerm(I(7), T(3)), /disk on fire/);
    assert.throws(() => log.zeroTermOnOutOfBounds(() => log.term(I(6))), /disk on fire/);
    assert.throws(() => log.findConflictByTerm(I(7), T(1)), /disk on fire/);
    assert.throws(() => log.lastTerm(), RaftInvariantError);
  });

  test('stableTo moves the unstable offset, ignoring stale or unknown acknowledgements', () => {
    const table: Array<[number, number, number]> = [
      [1, 1, 2],
      [2, 2, 3],
      [2, 1, 1],
      [3, 1, 1],
    ];
    for (const [i, t, want] of table) {
      const log = mkLog({ unstable: ents([1, 1], [2, 2]) });
      log.stableTo(I(i), T(t));
      assert.equal(log.unstable.offset, want, `stableTo(${i},${t})`);
    }
  });

  test('stableTo with a snapshot in storage', () => {
    // [stored after snapshot 5/2, append, stableTo] -> offset
    const table: Array<[Array<[number, number]>, number, number, number]> = [
      [[], 6, 2, 6],
      [[], 6, 3, 6],
      [[], 5, 1, 6],
      [[[6, 2]], 6, 2, 7],
      [[[6, 2]], 6, 3, 6],
      [[[6, 2]], 5, 1, 6],
    ];
    for (const [appendNow, i, t, want] of table) {
      const log = mkLog({ snapshot: [5, 2], unstable: ents(...appendNow) });
      log.stableTo(I(i), T(t));
      assert.equal(log.unstable.offset, want, `${JSON.stringify(appendNow)} stableTo(${i},${t})`);
    }
  });

  test('unstable entries become stable once written to storage and acknowledged', () => {
    const table: Array<[Array<[number, number]>, Array<[number, number]>, Array<[number, number]>]> = [
      [[], [[1, 1], [2, 2]], [[1, 1], [2, 2]]],
      [[[1, 1], [2, 2]], [], []],
      [[[1, 1]], [[2, 2]], [[2, 2]]],
    ];
    for (const [stored, unstable, want] of table) {
      const log = mkLog({ stored: ents(...stored), unstable: ents(...unstable) });
      const got = log.unstableEntries();
      assert.deepEqual(ids(got), want);
      assert.deepEqual(ids(log.nextUnstableEntries()), want);
      assert.equal(log.hasNextUnstableEntries(), want.length > 0);
      const last = got[got.length - 1];
      if (last !== undefined) {
        (log.storage as MemoryStorage).append(got);
        log.stableTo(last.index, last.term);
      }
      assert.deepEqual(log.unstableEntries(), []);
      assert.equal(log.unstable.offset, 3);
    }
  });

  test('acceptUnstable hides entries and the snapshot being written from the next round', () => {
    const log = mkLog({ unstable: ents([1, 1], [2, 1]) });
    log.acceptUnstable();
    assert.deepEqual(log.nextUnstableEntries(), []);
    assert.equal(log.hasNextUnstableEntries(), false);
    assert.deepEqual(ids(log.unstableEntries()), [[1, 1], [2, 1]]);
    log.append(ents([3, 1]));
    assert.deepEqual(ids(log.nextUnstableEntries()), [[3, 1]]);
    const s = snap(10, 2);
    log.restore(s);
    assert.equal(log.hasNextUnstableSnapshot(), true);
    assert.equal(log.nextUnstableSnapshot(), s);
    log.acceptUnstable();
    assert.equal(log.hasNextUnstableSnapshot(), false);
    assert.equal(log.nextUnstableSnapshot(), undefined);
    assert.equal(log.unstableSnapshot(), s);
    assert.equal(log.hasNextOrInProgressSnapshot(), true);
    log.stableSnapTo(I(10));
    assert.equal(log.unstableSnapshot(), undefined);
    assert.equal(log.hasNextOrInProgressSnapshot(), false);
  });

  test('restore: the snapshot becomes the log start and commit point', () => {
    const log = mkLog({ snapshot: [100, 1000], stored: ents([101, 1000]) });
    log.restore(snap(200, 1001));
    assert.deepEqual([log.committed, log.firstIndex(), log.lastIndex(), log.unstable.offset], [200, 201, 200, 201]);
    assert.equal(log.lastTerm(), 1001);
    assert.deepEqual(log.allEntries(), []);
    assert.equal(log.snapshot().metadata.index, 200, 'the unstable snapshot takes precedence');
    log.stableSnapTo(I(200));
    assert.equal(log.snapshot().metadata.index, 100, 'then the storage snapshot is the latest one');
  });

  test('compaction of storage is invisible except for what it removes', () => {
    const stored: Array<[number, number]> = [];
    for (let i = 1; i <= 20; i++) stored.push([i, i]);
    const log = mkLog({ stored: ents(...stored), unstable: ents([21, 21], [22, 22]) });
    log.commitTo(I(20));
    log.appliedTo(I(20));
    (log.storage as MemoryStorage).compact(I(10));
    assert.deepEqual([log.firstIndex(), log.lastIndex()], [11, 22]);
    for (let i = 10; i <= 22; i++) assert.equal(log.matchTerm(I(i), T(i)), true, `matchTerm(${i})`);
    assert.throws(() => log.term(I(9)), CompactedError);
    assert.throws(() => log.entries(I(5), Infinity), CompactedError);
    assert.deepEqual(ids(log.unstableEntries()), [[21, 21], [22, 22]]);
    assert.equal(log.allEntries().length, 12);
  });

  test('entries / slice: across the stable-unstable boundary, with byte limits', () => {
    // snapshot 100, stored 101..149, unstable 150..199, term = index.
    const stored: Array<[number, number]> = [];
    const unstable: Array<[number, number]> = [];
    for (let i = 101; i < 150; i++) stored.push([i, i]);
    for (let i = 150; i < 200; i++) unstable.push([i, i]);
    const log = mkLog({ snapshot: [100, 100], stored: ents(...stored), unstable: ents(...unstable) });
    const sz = entrySize(ent(150, 150));
    const range = (lo: number, hi: number): Array<[number, number]> => Array.from({ length: hi - lo }, (_, k) => [lo + k, lo + k]);
    const table: Array<[number, number, number, Array<[number, number]> | typeof CompactedError | 'panic']> = [
      [99, 101, Infinity, CompactedError],
      [100, 101, Infinity, CompactedError],
      [101, 101, Infinity, []],
      [199, 201, Infinity, 'panic'],
      [200, 201, Infinity, 'panic'],
      [150, 149, Infinity, 'panic'],
      [149, 150, Infinity, range(149, 150)],
      [148, 150, Infinity, range(148, 150)],
      [149, 151, Infinity, range(149, 151)],
      [101, 200, Infinity, range(101, 200)],
      [150, 152, Infinity, range(150, 152)],
      [199, 200, Infinity, range(199, 200)],
      // Byte limits: at least one entry, then as many as fit.
      [149, 151, 0, range(149, 150)],
      [149, 151, sz, range(149, 150)],
      [149, 151, 2 * sz - 1, range(149, 150)],
      [149, 151, 2 * sz, range(149, 151)],
      [148, 152, 3 * sz, range(148, 151)],
      [148, 152, 4 * sz, range(148, 152)],
      // Storage fills the limit exactly: nothing of the unstable part.
      [148, 152, 2 * sz, range(148, 150)],
      // One unstable entry does not fit: dropped (limitSize would have kept it alone).
      [148, 152, 3 * sz - 1, range(148, 150)],
      [150, 152, 0, range(150, 151)],
      [150, 153, 2 * sz, range(150, 152)],
    ];
    for (const [lo, hi, max, want] of table) {
      const what = `slice(${lo}, ${hi}, ${max})`;
      if (want === 'panic') assert.throws(() => log.slice(I(lo), I(hi), max), RaftInvariantError, what);
      else if (want === CompactedError) assert.throws(() => log.slice(I(lo), I(hi), max), CompactedError, what);
      else assert.deepEqual(ids(log.slice(I(lo), I(hi), max)), want, what);
    }
    assert.deepEqual(ids(log.entries(I(198), Infinity)), range(198, 200));
    assert.deepEqual(log.entries(I(200), Infinity), []);
    assert.deepEqual(ids(log.entries(I(101), 0)), range(101, 102));
  });

  test('storage faults in slice and allEntries', () => {
    const ms = new FaultyStorage();
    ms.append(ents([1, 1], [2, 1]));
    const log = new RaftLog(ms);
    ms.entriesFaults = [new CompactedError(), new CompactedError()];
    assert.deepEqual(ids(log.allEntries()), [[1, 1], [2, 1]], 'allEntries retries after a racing compaction');
    ms.entriesFaults = [new UnavailableError()];
    assert.throws(() => log.slice(I(1), I(3), Infinity), RaftInvariantError);
    ms.entriesFaults = [new Error('io')];
    assert.throws(() => log.allEntries(), /io/);
  });

  test('hasNext/nextCommittedEntries: after applying, up to committed and (unless allowed) persisted', () => {
    // snapshot 3, entries 4..6 of term 1; 4 is persisted; committed 5.
    // [applied, applying, allowUnstable, pending snapshot] -> entries to apply
    const table: Array<[number, number, boolean, boolean, number[]]> = [
      [3, 3, true, false, [4, 5]],
      [3, 4, true, false, [5]],
      [3, 5, true, false, []],
      [4, 4, true, false, [5]],
      [4, 5, true, false, []],
      [5, 5, true, false, []],
      [3, 3, false, false, [4]],
      [3, 4, false, false, []],
      [3, 5, false, false, []],
      [4, 4, false, false, []],
      [5, 5, false, false, []],
      [3, 3, true, true, []],
      [4, 4, false, true, []],
    ];
    for (const [applied, applying, allowUnstable, pendingSnap, want] of table) {
      const log = mkLog({ snapshot: [3, 1], unstable: ents([4, 1], [5, 1], [6, 1]) });
      (log.storage as MemoryStorage).append(ents([4, 1]));
      log.stableTo(I(4), T(1));
      log.maybeCommit(I(5), T(1));
      log.appliedTo(I(applied));
      log.acceptApplying(I(applying), 0, allowUnstable);
      log.applyingEntsPaused = false;
      if (pendingSnap) log.restore(snap(6, 1));
      const what = `applied=${applied} applying=${applying} allowUnstable=${allowUnstable} snap=${pendingSnap}`;
      assert.equal(log.hasNextCommittedEntries(allowUnstable), want.length > 0, what);
      assert.deepEqual(log.nextCommittedEntries(allowUnstable).map((e) => e.index), want, what);
    }
  });

  test('nextCommittedEntries is bounded by maxApplyingEntsSize minus what is being applied', () => {
    const sz = entrySize(ent(4, 1));
    // [max, applyingSize] -> entries
    const table: Array<[number, number, number[]]> = [
      [Infinity, 0, [4, 5, 6]],
      [0.5 * sz, 0, [4]],
      [sz, 0, [4]],
      [2 * sz - 1, 0, [4]],
      [2 * sz, 0, [4, 5]],
      [3 * sz, 0, [4, 5, 6]],
      [3 * sz, sz, [4, 5]],
      [3 * sz, 2 * sz, [4]],
    ];
    for (const [max, applyingSize, want] of table) {
      const log = mkLog({ snapshot: [3, 1], stored: ents([4, 1], [5, 1], [6, 1]), maxApplying: max });
      log.commitTo(I(6));
      log.applyingEntsSize = applyingSize;
      assert.deepEqual(log.nextCommittedEntries(true).map((e) => e.index), want, `max=${max} applying=${applyingSize}`);
    }
  });

  test('acceptApplying pauses when over the byte limit or when not everything was taken', () => {
    const sz = entrySize(ent(4, 1));
    const log = mkLog({ snapshot: [3, 1], stored: ents([4, 1], [5, 1], [6, 1]), maxApplying: 2 * sz });
    log.commitTo(I(6));
    assert.deepEqual(log.nextCommittedEntries(false).map((e) => e.index), [4, 5]);
    log.acceptApplying(I(5), 2 * sz, false);
    assert.deepEqual([log.applying, log.applyingEntsSize, log.applyingEntsPaused], [5, 2 * sz, true]);
    assert.equal(log.hasNextCommittedEntries(false), false);
    assert.deepEqual(log.nextCommittedEntries(false), []);
    log.appliedTo(I(4), sz);
    assert.deepEqual([log.applied, log.applying, log.applyingEntsSize, log.applyingEntsPaused], [4, 5, sz, false]);
    assert.deepEqual(log.nextCommittedEntries(false).map((e) => e.index), [6]);
    log.acceptApplying(I(6), sz, false);
    assert.equal(log.applyingEntsPaused, true, 'at the limit again');
    log.appliedTo(I(6), 5 * sz);
    assert.deepEqual([log.applied, log.applyingEntsSize, log.applyingEntsPaused], [6, 0, false]);

    // Under the limit, but entries remained: pause until they are applied.
    const partial = mkLog({ snapshot: [3, 1], stored: ents([4, 1], [5, 1], [6, 1]), maxApplying: 10 * sz });
    partial.commitTo(I(6));
    partial.acceptApplying(I(5), sz, false);
    assert.equal(partial.applyingEntsPaused, true);
    partial.appliedTo(I(5), sz);
    assert.equal(partial.applyingEntsPaused, false);
    assert.throws(() => partial.acceptApplying(I(7), 0, true), RaftInvariantError);
  });

  test('nextCommittedEntries refuses a byte budget used up while not paused', () => {
    const log = mkLog({ snapshot: [3, 1], stored: ents([4, 1]), maxApplying: 10 });
    log.commitTo(I(4));
    log.applyingEntsSize = 10;
    assert.throws(() => log.nextCommittedEntries(true), RaftInvariantError);
  });

  test('appliedTo: within [applied, committed]; 0 is ignored; applying follows', () => {
    const table: Array<[number, number | 'panic']> = [
      [0, 2],
      [2, 2],
      [3, 3],
      [4, 4],
      [1, 'panic'],
      [5, 'panic'],
    ];
    for (const [i, want] of table) {
      const log = mkLog({ unstable: ents([1, 1], [2, 1], [3, 1], [4, 1], [5, 1]) });
      log.commitTo(I(4));
      log.appliedTo(I(2));
      if (want === 'panic') assert.throws(() => log.appliedTo(I(i)), RaftInvariantError, `appliedTo(${i})`);
      else {
        log.appliedTo(I(i));
        assert.deepEqual([log.applied, log.applying], [want, want], `appliedTo(${i})`);
      }
    }
  });

  test('arrays handed out stay unchanged when the log changes', () => {
    const log = mkLog({ stored: ents([1, 1]), unstable: ents([2, 1], [3, 1]) });
    const before = log.entries(I(1), Infinity);
    const unstable = log.unstableEntries();
    log.append(ents([3, 2], [4, 2]));
    assert.deepEqual(ids(before), [[1, 1], [2, 1], [3, 1]]);
    assert.deepEqual(ids(unstable), [[2, 1], [3, 1]]);
    assert.deepEqual(ids(log.allEntries()), [[1, 1], [2, 1], [3, 2], [4, 2]]);
  });
});
