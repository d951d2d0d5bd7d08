import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeEntry } from '../../../server/src/raft/codec.js';
import { entriesSize, entrySize, limitSize } from '../../../server/src/raft/entry-size.js';
import {
  CompactedError,
  SnapshotOutOfDateError,
  SnapshotTemporarilyUnavailableError,
  UnavailableError,
} from '../../../server/src/raft/errors.js';
import { RaftInvariantError } from '../../../server/src/raft/raft-errors.js';
import { MemoryStorage } from '../../../server/src/raft/storage.js';
import { EntryType, emptyConfState, index, nodeId, term } from '../../../server/src/raft/types.js';
import { ent, ents, ids, snap } from './raft-log-helpers.js';

/** A storage whose snapshot is at (3, 3), holding entries 4..last of term = index. */
function storageFrom3(last = 5): MemoryStorage {
  const ms = new MemoryStorage();
  ms.applySnapshot(snap(3, 3));
  const xs: Array<[number, number]> = [];
  for (let i = 4; i <= last; i++) xs.push([i, i]);
  ms.append(ents(...xs));
  return ms;
}

describe('entry sizes', () => {
  test('entrySize is the exact length of the raftpb encoding', () => {
    const cases = [
      ent(0, 0),
      ent(1, 1, new Uint8Array(1)),
      ent(127, 128, new Uint8Array(127)),
      ent(2 ** 40, 2 ** 21, new Uint8Array(300)),
      { ...ent(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, new Uint8Array(20000)), type: EntryType.ConfChangeV2 },
    ];
    for (const e of cases) assert.equal(entrySize(e), encodeEntry(e).length, `entry ${e.index}`);
    assert.equal(entriesSize(cases), cases.reduce((n, e) => n + encodeEntry(e).length, 0));
    assert.equal(entriesSize([]), 0);
  });

  test('limitSize keeps the longest prefix within the limit, and never fewer than one entry', () => {
    const xs = [ent(1, 1, new Uint8Array(10)), ent(2, 1, new Uint8Array(10)), ent(3, 1, new Uint8Array(10))];
    const one = entrySize(xs[0]!);
    const table: Array<[number, number]> = [
      [0, 1],
      [one - 1, 1],
      [one, 1],
      [2 * one - 1, 1],
      [2 * one, 2],
      [3 * one - 1, 2],
      [3 * one, 3],
      [Infinity, 3],
    ];
    for (const [max, want] of table) assert.equal(limitSize(xs, max).length, want, `max ${max}`);
    assert.deepEqual(limitSize([], 0), []);
  });
});

test('storage errors carry etcd\'s messages and their own names', () => {
  const table: Array<[Error, string, string]> = [
    [new CompactedError(), 'CompactedError', 'requested index is unavailable due to compaction'],
    [new UnavailableError(), 'UnavailableError', 'requested entry at index is unavailable'],
    [new SnapshotOutOfDateError(), 'SnapshotOutOfDateError', 'requested index is older than the existing snapshot'],
    [new SnapshotTemporarilyUnavailableError(), 'SnapshotTemporarilyUnavailableError', 'snapshot is temporarily unavailable'],
  ];
  for (const [err, name, message] of table) assert.deepEqual([err.name, err.message], [name, message]);
  const cause = new Error('x');
  assert.equal(new CompactedError({ cause }).cause, cause);
});

describe('MemoryStorage', () => {
  test('a new storage is empty: a placeholder at index 0, term 0', () => {
    const ms = new MemoryStorage();
    assert.equal(ms.firstIndex(), 1);
    assert.equal(ms.lastIndex(), 0);
    assert.equal(ms.term(index(0)), 0);
    assert.throws(() => ms.term(index(1)), UnavailableError);
    assert.throws(() => ms.entries(index(1), index(1), Infinity), UnavailableError);
    assert.deepEqual(ms.initialState().hardState, { term: 0, vote: 0n, commit: 0 });
    assert.deepEqual(ms.initialState().confState, emptyConfState());
    assert.equal(ms.snapshot().metadata.index, 0);
  });

  test('term: compacted below the placeholder, unavailable past the end', () => {
    const ms = storageFrom3();
    const table: Array<[number, number | typeof CompactedError | typeof UnavailableError]> = [
      [2, CompactedError],
      [3, 3],
      [4, 4],
      [5, 5],
      [6, UnavailableError],
    ];
    for (const [i, want] of table) {
      if (typeof want === 'number') assert.equal(ms.term(index(i)), want, `term(${i})`);
      else assert.throws(() => ms.term(index(i)), want, `term(${i})`);
    }
  });

  test('entries: bounds and the byte limit', () => {
    const ms = storageFrom3(6);
    const sz = entrySize(ent(4, 4));
    assert.throws(() => ms.entries(index(2), index(6), Infinity), CompactedError);
    assert.throws(() => ms.entries(index(3), index(4), Infinity), CompactedError);
    const table: Array<[number, number, number, Array<[number, number]>]> = [
      [4, 5, Infinity, [[4, 4]]],
      [4, 6, Infinity, [[4, 4], [5, 5]]],
      [4, 7, Infinity, [[4, 4], [5, 5], [6, 6]]],
      [4, 7, 0, [[4, 4]]],
      [4, 7, 2 * sz, [[4, 4], [5, 5]]],
      [4, 7, 3 * sz - 1, [[4, 4], [5, 5]]],
      [4, 7, 3 * sz, [[4, 4], [5, 5], [6, 6]]],
      [5, 5, Infinity, []],
    ];
    for (const [lo, hi, max, want] of table) {
      assert.deepEqual(ids(ms.entries(index(lo), index(hi), max)), want, `[${lo},${hi}) max ${max}`);
    }
    assert.throws(() => ms.entries(index(4), index(8), Infinity), RaftInvariantError);
  });

  test('first and last index follow appends and compaction', () => {
    const ms = storageFrom3();
    assert.equal(ms.firstIndex(), 4);
    assert.equal(ms.lastIndex(), 5);
    ms.append([ent(6, 5)]);
    assert.equal(ms.lastIndex(), 6);
    ms.compact(index(4));
    assert.equal(ms.firstIndex(), 5);
    assert.equal(ms.lastIndex(), 6);
  });

  test('compact keeps the term of the compacted index and refuses what is gone or absent', () => {
    const table: Array<[number, 'compacted' | 'panic' | [number, number]]> = [
      [2, 'compacted'],
      [3, 'compacted'],
      [4, [5, 4]],
      [5, [6, 5]],
      [6, 'panic'],
    ];
    for (const [i, want] of table) {
      const ms = storageFrom3();
      if (want === 'compacted') assert.throws(() => ms.compact(index(i)), CompactedError);
      else if (want === 'panic') assert.throws(() => ms.compact(index(i)), RaftInvariantError);
      else {
        ms.compact(index(i));
        assert.equal(ms.firstIndex(), want[0]);
        assert.equal(ms.term(index(i)), want[1]);
        assert.throws(() => ms.term(index(i - 1)), CompactedError);
        assert.equal(ms.lastIndex(), 5);
      }
    }
  });

  test('createSnapshot records index, term, conf state and data', () => {
    const cs = { ...emptyConfState(), voters: [nodeId(1), nodeId(2)], learners: [nodeId(9)] };
    const data = new Uint8Array([7, 7]);
    const ms = storageFrom3();
    const s = ms.createSnapshot(index(4), cs, data);
    assert.deepEqual(s, { data, metadata: { index: 4, term: 4, confState: cs } });
    assert.equal(ms.snapshot(), s);
    assert.deepEqual(ms.initialState().confState, cs);
    // Without a conf state the previous one stays.
    const s2 = ms.createSnapshot(index(5), undefined, new Uint8Array([1]));
    assert.deepEqual(s2.metadata, { index: 5, term: 5, confState: cs });
    assert.throws(() => ms.createSnapshot(index(5), cs, data), SnapshotOutOfDateError);
    assert.throws(() => ms.createSnapshot(index(3), cs, data), SnapshotOutOfDateError);
    assert.throws(() => ms.createSnapshot(index(6), cs, data), RaftInvariantError);
    // Creating a snapshot does not compact.
    assert.equal(ms.firstIndex(), 4);
  });

  test('append: skips compacted entries, replaces a conflicting tail, refuses a gap', () => {
    const table: Array<[Array<[number, number]>, Array<[number, number]> | 'panic']> = [
      [[], [[4, 4], [5, 5]]],
      [[[4, 4], [5, 5]], [[4, 4], [5, 5]]],
      [[[3, 3], [4, 6], [5, 6]], [[4, 6], [5, 6]]],
      [[[3, 3], [4, 4], [5, 5], [6, 5]], [[4, 4], [5, 5], [6, 5]]],
      // Partly compacted: the compacted part is dropped, the rest replaces the tail.
      [[[2, 3], [3, 3], [4, 5]], [[4, 5]]],
      [[[4, 5]], [[4, 5]]],
      [[[6, 5]], [[4, 4], [5, 5], [6, 5]]],
      // Entirely compacted: nothing happens.
      [[[1, 1], [2, 2], [3, 3]], [[4, 4], [5, 5]]],
      [[[7, 5]], 'panic'],
    ];
    for (const [input, want] of table) {
      const ms = storageFrom3();
      if (want === 'panic') {
        assert.throws(() => ms.append(ents(...input)), RaftInvariantError);
        continue;
      }
      ms.append(ents(...input));
      assert.deepEqual(ids(ms.entries(ms.firstIndex(), index(ms.lastIndex() + 1), Infinity)), want, JSON.stringify(input));
      assert.equal(ms.term(index(3)), 3);
    }
  });

  test('arrays handed out are not changed by later appends, and changing them does not change the storage', () => {
    const ms = storageFrom3();
    const before = ms.entries(index(4), index(6), Infinity);
    ms.append([ent(5, 9), ent(6, 9)]);
    assert.deepEqual(ids(before), [[4, 4], [5, 5]]);
    before.pop();
    assert.deepEqual(ids(ms.entries(index(4), index(7), Infinity)), [[4, 4], [5, 9], [6, 9]]);
  });

  test('applySnapshot replaces everything, and refuses a snapshot not newer', () => {
    const ms = storageFrom3();
    assert.throws(() => ms.applySnapshot(snap(3, 3)), SnapshotOutOfDateError);
    assert.throws(() => ms.applySnapshot(snap(2, 9)), SnapshotOutOfDateError);
    const s = snap(10, 6);
    ms.applySnapshot(s);
    assert.equal(ms.snapshot(), s);
    assert.equal(ms.firstIndex(), 11);
    assert.equal(ms.lastIndex(), 10);
    assert.equal(ms.term(index(10)), 6);
    assert.throws(() => ms.term(index(9)), CompactedError);
    assert.deepEqual(ms.initialState().confState, s.metadata.confState);
  });

  test('setHardState is returned by initialState', () => {
    const ms = new MemoryStorage();
    const hs = { term: term(5), vote: nodeId(0xffffffffffffffffn), commit: index(3) };
    ms.setHardState(hs);
    assert.deepEqual(ms.initialState().hardState, hs);
  });
});
