import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UnstableLog } from '../../../server/src/raft/log-unstable.js';
import { RaftInvariantError } from '../../../server/src/raft/raft-errors.js';
import { type Entry, type Snapshot, index, term } from '../../../server/src/raft/types.js';
import { ents, ids, snap } from './raft-log-helpers.js';

interface Shape {
  offset: number;
  entries?: Entry[];
  snapshot?: Snapshot;
  offsetInProgress?: number;
  snapshotInProgress?: boolean;
}

/** A shape for assertion messages. */
function show(s: Shape): string {
  const snapAt = s.snapshot === undefined ? '-' : `${s.snapshot.metadata.index}/${s.snapshot.metadata.term}`;
  return `offset=${s.offset} ents=${JSON.stringify(ids(s.entries ?? []))} snap=${snapAt} inProgress=${s.offsetInProgress ?? '-'}`;
}

/** An unstable tail in a given state. */
function mk(s: Shape): UnstableLog {
  const u = new UnstableLog(index(s.offset));
  if (s.snapshot !== undefined) u.snapshot = s.snapshot;
  u.truncateAndAppend(s.entries ?? []);
  u.offsetInProgress = index(s.offsetInProgress ?? s.offset);
  u.snapshotInProgress = s.snapshotInProgress ?? false;
  return u;
}

describe('UnstableLog', () => {
  test('maybeFirstIndex is decided only by a snapshot', () => {
    assert.equal(mk({ offset: 5, entries: ents([5, 1]) }).maybeFirstIndex(), undefined);
    assert.equal(mk({ offset: 0 }).maybeFirstIndex(), undefined);
    assert.equal(mk({ offset: 5, entries: ents([5, 1]), snapshot: snap(4, 1) }).maybeFirstIndex(), 5);
    assert.equal(mk({ offset: 5, snapshot: snap(4, 1) }).maybeFirstIndex(), 5);
  });

  test('maybeLastIndex: the last entry, else the snapshot', () => {
    assert.equal(mk({ offset: 5, entries: ents([5, 1]) }).maybeLastIndex(), 5);
    assert.equal(mk({ offset: 5, entries: ents([5, 1]), snapshot: snap(4, 1) }).maybeLastIndex(), 5);
    assert.equal(mk({ offset: 5, snapshot: snap(4, 1) }).maybeLastIndex(), 4);
    assert.equal(mk({ offset: 0 }).maybeLastIndex(), undefined);
  });

  test('maybeTerm: entries and the snapshot index are known, the rest is not', () => {
    const table: Array<[Shape, number, number | undefined]> = [
      [{ offset: 5, entries: ents([5, 1]) }, 5, 1],
      [{ offset: 5, entries: ents([5, 1]) }, 6, undefined],
      [{ offset: 5, entries: ents([5, 1]) }, 4, undefined],
      [{ offset: 5, entries: ents([5, 1]), snapshot: snap(4, 1) }, 5, 1],
      [{ offset: 5, entries: ents([5, 1]), snapshot: snap(4, 1) }, 6, undefined],
      [{ offset: 5, entries: ents([5, 1]), snapshot: snap(4, 1) }, 4, 1],
      [{ offset: 5, entries: ents([5, 1]), snapshot: snap(4, 1) }, 3, undefined],
      [{ offset: 5, snapshot: snap(4, 1) }, 5, undefined],
      [{ offset: 5, snapshot: snap(4, 1) }, 4, 1],
      [{ offset: 0 }, 5, undefined],
    ];
    for (const [shape, i, want] of table) assert.equal(mk(shape).maybeTerm(index(i)), want, `${show(shape)} ${i}`);
  });

  test('restore replaces entries and snapshot and resets progress marks', () => {
    const u = mk({ offset: 5, entries: ents([5, 1]), snapshot: snap(4, 1), offsetInProgress: 6, snapshotInProgress: true });
    const s = snap(6, 2);
    u.restore(s);
    assert.equal(u.offset, 7);
    assert.equal(u.offsetInProgress, 7);
    assert.equal(u.length, 0);
    assert.equal(u.snapshot, s);
    assert.equal(u.snapshotInProgress, false);
  });

  test('nextEntries / nextSnapshot hand out only what is not in progress', () => {
    const table: Array<[Shape, Array<[number, number]>]> = [
      [{ offset: 5 }, []],
      [{ offset: 5, entries: ents([5, 1], [6, 1]), offsetInProgress: 5 }, [[5, 1], [6, 1]]],
      [{ offset: 5, entries: ents([5, 1], [6, 1]), offsetInProgress: 6 }, [[6, 1]]],
      [{ offset: 5, entries: ents([5, 1], [6, 1]), offsetInProgress: 7 }, []],
    ];
    for (const [shape, want] of table) assert.deepEqual(ids(mk(shape).nextEntries()), want);
    assert.equal(mk({ offset: 5 }).nextSnapshot(), undefined);
    const s = snap(4, 1);
    assert.equal(mk({ offset: 5, snapshot: s }).nextSnapshot(), s);
    assert.equal(mk({ offset: 5, snapshot: s, snapshotInProgress: true }).nextSnapshot(), undefined);
  });

  test('acceptInProgress marks all entries and the snapshot', () => {
    const table: Array<[Shape, number, boolean]> = [
      [{ offset: 5 }, 5, false],
      [{ offset: 5, entries: ents([5, 1]) }, 6, false],
      [{ offset: 5, entries: ents([5, 1], [6, 1]) }, 7, false],
      [{ offset: 5, entries: ents([5, 1], [6, 1]), offsetInProgress: 6 }, 7, false],
      [{ offset: 5, snapshot: snap(4, 1) }, 5, true],
      [{ offset: 5, entries: ents([5, 1]), snapshot: snap(4, 1), snapshotInProgress: true }, 6, true],
    ];
    for (const [shape, wantOffset, wantSnap] of table) {
      const u = mk(shape);
      u.acceptInProgress();
      assert.equal(u.offsetInProgress, wantOffset, show(shape));
      assert.equal(u.snapshotInProgress, wantSnap, show(shape));
    }
  });

  test('stableTo drops acknowledged entries and ignores stale acknowledgements', () => {
    // [shape, index, term] -> [offset, offsetInProgress, length]
    const table: Array<[Shape, number, number, [number, number, number]]> = [
      [{ offset: 0 }, 5, 1, [0, 0, 0]],
      [{ offset: 5, entries: ents([5, 1]), offsetInProgress: 6 }, 5, 1, [6, 6, 0]],
      [{ offset: 5, entries: ents([5, 1], [6, 1]), offsetInProgress: 6 }, 5, 1, [6, 6, 1]],
      [{ offset: 5, entries: ents([5, 1], [6, 1]), offsetInProgress: 7 }, 5, 1, [6, 7, 1]],
      // Acknowledged beyond what was in progress (a synchronous caller): in progress follows.
      [{ offset: 5, entries: ents([5, 1], [6, 1]), offsetInProgress: 5 }, 6, 1, [7, 7, 0]],
      // The entry at 6 is now of term 2: the ack for term 1 is stale.
      [{ offset: 6, entries: ents([6, 2]), offsetInProgress: 7 }, 6, 1, [6, 7, 1]],
      // Below the tail (already stable).
      [{ offset: 5, entries: ents([5, 1]), offsetInProgress: 6 }, 4, 1, [5, 6, 1]],
      [{ offset: 5, entries: ents([5, 1]), offsetInProgress: 6 }, 4, 2, [5, 6, 1]],
      // Beyond the tail.
      [{ offset: 5, entries: ents([5, 1]), offsetInProgress: 6 }, 6, 1, [5, 6, 1]],
      // With a snapshot: an entry ack works; the snapshot's own index is not an entry.
      [{ offset: 5, entries: ents([5, 1]), snapshot: snap(4, 1), offsetInProgress: 6 }, 5, 1, [6, 6, 0]],
      [{ offset: 5, entries: ents([5, 1]), snapshot: snap(4, 1), offsetInProgress: 6 }, 4, 1, [5, 6, 1]],
      [{ offset: 6, entries: ents([6, 2]), snapshot: snap(5, 1), offsetInProgress: 7 }, 6, 1, [6, 7, 1]],
      [{ offset: 5, snapshot: snap(4, 1) }, 4, 1, [5, 5, 0]],
    ];
    for (const [shape, i, t, [wo, wip, wlen]] of table) {
      const u = mk(shape);
      u.stableTo(index(i), term(t));
      assert.deepEqual([u.offset, u.offsetInProgress, u.length], [wo, wip, wlen], `${show(shape)} stableTo(${i},${t})`);
    }
  });

  test('stableTo shrinks the backing array once most of it is persisted', () => {
    const xs: Array<[number, number]> = [];
    for (let i = 1; i <= 10; i++) xs.push([i, 1]);
    const u = mk({ offset: 1, entries: ents(...xs) });
    assert.equal(u.capacity, 10);
    u.stableTo(index(3), term(1)); // 7 live of 10: kept
    assert.deepEqual([u.length, u.capacity], [7, 10]);
    u.stableTo(index(5), term(1)); // 5 live of 10: kept (not less than half)
    assert.deepEqual([u.length, u.capacity], [5, 10]);
    u.stableTo(index(6), term(1)); // 4 live of 10: copied down
    assert.deepEqual([u.length, u.capacity], [4, 4]);
    assert.deepEqual(ids(u.entries()), [[7, 1], [8, 1], [9, 1], [10, 1]]);
    assert.equal(u.maybeTerm(index(8)), 1);
    u.stableTo(index(10), term(1)); // nothing live: released
    assert.deepEqual([u.length, u.capacity], [0, 0]);
    assert.equal(u.offset, 11);
  });

  test('stableSnapTo drops the snapshot only at its index', () => {
    const s = snap(4, 1);
    const a = mk({ offset: 5, snapshot: s, snapshotInProgress: true });
    a.stableSnapTo(index(3));
    assert.equal(a.snapshot, s);
    a.stableSnapTo(index(4));
    assert.equal(a.snapshot, undefined);
    assert.equal(a.snapshotInProgress, false);
    const b = mk({ offset: 5 });
    b.stableSnapTo(index(4));
    assert.equal(b.snapshot, undefined);
  });

  test('truncateAndAppend: append, replace all, or truncate then append', () => {
    // [shape, entries] -> [offset, offsetInProgress, entries]
    const table: Array<[Shape, Entry[], [number, number, Array<[number, number]>]]> = [
      [{ offset: 5, entries: ents([5, 1]) }, [], [5, 5, [[5, 1]]]],
      // Append to the end.
      [{ offset: 5, entries: ents([5, 1]), offsetInProgress: 5 }, ents([6, 1], [7, 1]), [5, 5, [[5, 1], [6, 1], [7, 1]]]],
      [{ offset: 5, entries: ents([5, 1]), offsetInProgress: 6 }, ents([6, 1], [7, 1]), [5, 6, [[5, 1], [6, 1], [7, 1]]]],
      // Replace all unstable entries.
      [{ offset: 5, entries: ents([5, 1]), offsetInProgress: 5 }, ents([5, 2], [6, 2]), [5, 5, [[5, 2], [6, 2]]]],
      [{ offset: 5, entries: ents([5, 1]), offsetInProgress: 5 }, ents([4, 2], [5, 2], [6, 2]), [4, 4, [[4, 2], [5, 2], [6, 2]]]],
      [{ offset: 5, entries: ents([5, 1]), offsetInProgress: 6 }, ents([5, 2], [6, 2]), [5, 5, [[5, 2], [6, 2]]]],
      // Truncate the tail, then append.
      [{ offset: 5, entries: ents([5, 1], [6, 1], [7, 1]), offsetInProgress: 5 }, ents([6, 2]), [5, 5, [[5, 1], [6, 2]]]],
      [{ offset: 5, entries: ents([5, 1], [6, 1], [7, 1]), offsetInProgress: 5 }, ents([7, 2], [8, 2]), [5, 5, [[5, 1], [6, 1], [7, 2], [8, 2]]]],
      [{ offset: 5, entries: ents([5, 1], [6, 1], [7, 1]), offsetInProgress: 6 }, ents([6, 2]), [5, 6, [[5, 1], [6, 2]]]],
      [{ offset: 5, entries: ents([5, 1], [6, 1], [7, 1]), offsetInProgress: 7 }, ents([6, 2]), [5, 6, [[5, 1], [6, 2]]]],
    ];
    for (const [shape, input, [wo, wip, want]] of table) {
      const u = mk(shape);
      u.truncateAndAppend(input);
      assert.deepEqual([u.offset, u.offsetInProgress, ids(u.entries())], [wo, wip, want], `${show(shape)} + ${JSON.stringify(ids(input))}`);
    }
  });

  test('truncateAndAppend after a partial ack works on the live part of the backing array', () => {
    const u = mk({ offset: 1, entries: ents([1, 1], [2, 1], [3, 1], [4, 1]) });
    u.stableTo(index(1), term(1));
    u.truncateAndAppend(ents([4, 2]));
    assert.deepEqual(ids(u.entries()), [[2, 1], [3, 1], [4, 2]]);
    assert.equal(u.offset, 2);
  });

  test('truncateAndAppend refuses a gap', () => {
    const u = mk({ offset: 5, entries: ents([5, 1]) });
    assert.throws(() => u.truncateAndAppend(ents([7, 1])), RaftInvariantError);
  });

  test('slice returns a copy of a range inside the tail, and refuses others', () => {
    const u = mk({ offset: 5, entries: ents([5, 1], [6, 1], [7, 2]) });
    assert.deepEqual(ids(u.slice(index(5), index(8))), [[5, 1], [6, 1], [7, 2]]);
    assert.deepEqual(ids(u.slice(index(6), index(7))), [[6, 1]]);
    assert.deepEqual(ids(u.slice(index(8), index(8))), []);
    const got = u.slice(index(5), index(6));
    got.push(ents([99, 9])[0]!);
    assert.equal(u.length, 3);
    assert.throws(() => u.slice(index(6), index(5)), RaftInvariantError);
    assert.throws(() => u.slice(index(4), index(6)), RaftInvariantError);
    assert.throws(() => u.slice(index(5), index(9)), RaftInvariantError);
  });
});
