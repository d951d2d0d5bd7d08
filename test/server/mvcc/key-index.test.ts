import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  KeyIndex,
  type Revision,
  RevisionNotFoundError,
  RevisionOrderError,
  RevisionSet,
} from '../../../server/src/mvcc/index.js';

const r = (main: number, sub = 0): Revision => ({ main, sub });

/**
 * The key's life used throughout (three generations, the last one written twice in one txn):
 *   put 2, put 4, delete 6 | put 8, put 10, delete 12 | put 14.0, put 14.1, delete 16 | (empty)
 */
function threeLives(): KeyIndex {
  const ki = new KeyIndex(r(2));
  ki.put(r(4));
  ki.tombstone(r(6));
  ki.put(r(8));
  ki.put(r(10));
  ki.tombstone(r(12));
  ki.put(r(14));
  ki.put(r(14, 1));
  ki.tombstone(r(16));
  return ki;
}

describe('KeyIndex writes', () => {
  test('create, update, delete, recreate: generations, versions and create revisions', () => {
    const ki = threeLives();
    assert.deepEqual(ki.generations(), [
      { ver: 3, created: r(2), revs: [r(2), r(4), r(6)] },
      { ver: 3, created: r(8), revs: [r(8), r(10), r(12)] },
      { ver: 3, created: r(14), revs: [r(14), r(14, 1), r(16)] },
      { ver: 0, created: r(0), revs: [] },
    ]);
    assert.equal(ki.isEmpty(), false);
  });

  test('a key written once holds one generation of one revision', () => {
    const ki = new KeyIndex(r(5, 3));
    assert.deepEqual(ki.generations(), [{ ver: 1, created: r(5, 3), revs: [r(5, 3)] }]);
  });

  test('tombstoning a deleted key is RevisionNotFoundError and changes nothing', () => {
    const ki = new KeyIndex(r(1));
    ki.tombstone(r(2));
    assert.throws(() => ki.tombstone(r(3)), RevisionNotFoundError);
    assert.equal(ki.generations().length, 2);
    ki.put(r(3)); // recreation is fine
    assert.deepEqual(ki.get(3), { modified: r(3), created: r(3), version: 1 });
  });

  test('a revision not after the last one is refused', () => {
    const ki = new KeyIndex(r(5, 1));
    assert.throws(() => ki.put(r(5, 1)), RevisionOrderError);
    assert.throws(() => ki.put(r(5, 0)), RevisionOrderError);
    assert.throws(() => ki.tombstone(r(4)), RevisionOrderError);
    ki.put(r(5, 2));
    assert.deepEqual(ki.get(5), { modified: r(5, 2), created: r(5, 1), version: 2 });
  });

  test('many revisions on one key (past the exact-copy size) keep versions right', () => {
    const ki = new KeyIndex(r(1));
    for (let i = 2; i <= 500; i++) ki.put(r(i));
    assert.deepEqual(ki.get(500), { modified: r(500), created: r(1), version: 500 });
    assert.deepEqual(ki.get(77), { modified: r(77), created: r(1), version: 77 });
    ki.tombstone(r(501));
    ki.put(r(502));
    assert.deepEqual(ki.get(502), { modified: r(502), created: r(502), version: 1 });
    assert.equal(ki.get(501), undefined);
  });
});

describe('KeyIndex storage forms', () => {
  test('single, then simple while every sub is 0, general once a sub, delete or compaction needs it', () => {
    const ki = new KeyIndex(r(3));
    assert.equal(ki.form, 'single');
    ki.put(r(5));
    ki.put(r(9));
    assert.equal(ki.form, 'simple');
    assert.deepEqual(ki.generations(), [{ ver: 3, created: r(3), revs: [r(3), r(5), r(9)] }]);
    assert.deepEqual(ki.get(8), { modified: r(5), created: r(3), version: 2 });
    assert.equal(ki.get(2), undefined);
    ki.compact(2, new RevisionSet()); // nothing to drop: the form stays
    assert.equal(ki.form, 'simple');
    ki.put(r(10, 1));
    assert.equal(ki.form, 'general');
    assert.deepEqual(ki.get(10), { modified: r(10, 1), created: r(3), version: 4 });
    assert.deepEqual(ki.get(9), { modified: r(9), created: r(3), version: 3 });
  });

  test('a first revision with a sub, or a later one, goes general and stays right', () => {
    const a = new KeyIndex(r(4, 2));
    a.put(r(6));
    assert.equal(a.form, 'general');
    assert.deepEqual(a.get(6), { modified: r(6), created: r(4, 2), version: 2 });
    const b = new KeyIndex(r(4));
    b.put(r(4, 1));
    assert.deepEqual(b.get(4), { modified: r(4, 1), created: r(4), version: 2 });
    assert.deepEqual(b.since(0), [r(4, 1)]);
  });

  test('compaction leaves a one-generation key in the simple form, versions and creation kept', () => {
    const ki = new KeyIndex(r(3));
    for (const m of [5, 7, 9]) ki.put(r(m));
    ki.compact(8, new RevisionSet());
    assert.equal(ki.form, 'simple');
    assert.deepEqual(ki.generations(), [{ ver: 4, created: r(3), revs: [r(7), r(9)] }]);
    assert.deepEqual(ki.get(8), { modified: r(7), created: r(3), version: 3 });
    assert.equal(ki.get(6), undefined); // compacted away
    ki.put(r(11));
    assert.equal(ki.form, 'simple');
    assert.deepEqual(ki.get(11), { modified: r(11), created: r(3), version: 5 });
    ki.put(r(12, 1));
    assert.equal(ki.form, 'general');
    assert.deepEqual(ki.generations(), [{ ver: 6, created: r(3), revs: [r(7), r(9), r(11), r(12, 1)] }]);
  });

  test('a compacted key whose last revision has a sub stays exact', () => {
    const ki = new KeyIndex(r(3));
    ki.put(r(5, 1));
    ki.compact(6, new RevisionSet());
    assert.equal(ki.form, 'simple');
    assert.deepEqual(ki.get(6), { modified: r(5, 1), created: r(3), version: 2 });
    ki.put(r(7));
    assert.deepEqual(ki.generations(), [{ ver: 3, created: r(3), revs: [r(5, 1), r(7)] }]);
    assert.deepEqual(ki.get(7), { modified: r(7), created: r(3), version: 3 });
  });

  test('a key created at a sub, or with a sub inside, stays general after compaction', () => {
    const a = new KeyIndex(r(3, 1));
    a.put(r(4));
    a.put(r(5));
    a.compact(4, new RevisionSet());
    assert.equal(a.form, 'general');
    assert.deepEqual(a.get(5), { modified: r(5), created: r(3, 1), version: 3 });
    const b = new KeyIndex(r(3));
    b.put(r(4, 1));
    b.put(r(5));
    b.put(r(6));
    b.compact(4, new RevisionSet());
    assert.equal(b.form, 'general');
    assert.deepEqual(b.get(4), { modified: r(4, 1), created: r(3), version: 2 });
  });

  test('a simple key deleted goes general', () => {
    const ki = new KeyIndex(r(1));
    ki.put(r(2));
    ki.tombstone(r(3));
    assert.equal(ki.form, 'general');
    assert.deepEqual(ki.generations().map((g) => g.revs), [[r(1), r(2), r(3)], []]);
    assert.throws(() => ki.tombstone(r(4)), RevisionNotFoundError);
  });
});

describe('KeyIndex reads', () => {
  test('get at every revision of three lives', () => {
    const ki = threeLives();
    const want: Record<number, [Revision, Revision, number] | undefined> = {
      1: undefined,
      2: [r(2), r(2), 1],
      3: [r(2), r(2), 1],
      4: [r(4), r(2), 2],
      5: [r(4), r(2), 2],
      6: undefined,
      7: undefined,
      8: [r(8), r(8), 1],
      9: [r(8), r(8), 1],
      10: [r(10), r(8), 2],
      11: [r(10), r(8), 2],
      12: undefined,
      13: undefined,
      14: [r(14, 1), r(14), 2],
      15: [r(14, 1), r(14), 2],
      16: undefined,
      17: undefined,
    };
    for (const [at, w] of Object.entries(want)) {
      const expected = w === undefined ? undefined : { modified: w[0], created: w[1], version: w[2] };
      assert.deepEqual(ki.get(Number(at)), expected, `get(${at})`);
    }
  });

  test('since: revisions from a main revision on, one per main (the highest sub)', () => {
    const ki = threeLives();
    assert.deepEqual(ki.since(1), [r(2), r(4), r(6), r(8), r(10), r(12), r(14, 1), r(16)]);
    assert.deepEqual(ki.since(10), [r(10), r(12), r(14, 1), r(16)]);
    assert.deepEqual(ki.since(14), [r(14, 1), r(16)]);
    assert.deepEqual(ki.since(17), []);
    assert.deepEqual(new KeyIndex(r(3)).since(3), [r(3)]);
    assert.deepEqual(new KeyIndex(r(3)).since(4), []);
  });
});

describe('KeyIndex compaction', () => {
  // For each compaction revision: what is kept in `available`, and the generations left.
  const cases: { at: number; available: Revision[]; gens: Revision[][] }[] = [
    { at: 1, available: [], gens: [[r(2), r(4), r(6)], [r(8), r(10), r(12)], [r(14), r(14, 1), r(16)], []] },
    { at: 2, available: [r(2)], gens: [[r(2), r(4), r(6)], [r(8), r(10), r(12)], [r(14), r(14, 1), r(16)], []] },
    { at: 3, available: [r(2)], gens: [[r(2), r(4), r(6)], [r(8), r(10), r(12)], [r(14), r(14, 1), r(16)], []] },
    { at: 4, available: [r(4)], gens: [[r(4), r(6)], [r(8), r(10), r(12)], [r(14), r(14, 1), r(16)], []] },
    { at: 5, available: [r(4)], gens: [[r(4), r(6)], [r(8), r(10), r(12)], [r(14), r(14, 1), r(16)], []] },
    { at: 6, available: [], gens: [[r(8), r(10), r(12)], [r(14), r(14, 1), r(16)], []] },
    { at: 7, available: [], gens: [[r(8), r(10), r(12)], [r(14), r(14, 1), r(16)], []] },
    { at: 8, available: [r(8)], gens: [[r(8), r(10), r(12)], [r(14), r(14, 1), r(16)], []] },
    { at: 10, available: [r(10)], gens: [[r(10), r(12)], [r(14), r(14, 1), r(16)], []] },
    { at: 12, available: [], gens: [[r(14), r(14, 1), r(16)], []] },
    { at: 14, available: [r(14, 1)], gens: [[r(14, 1), r(16)], []] },
    { at: 15, available: [r(14, 1)], gens: [[r(14, 1), r(16)], []] },
    { at: 16, available: [], gens: [[]] },
    { at: 100, available: [], gens: [[]] },
  ];

  test('from scratch at each revision: keeps the latest revision ≤ at; tombstoned lives vanish', () => {
    for (const c of cases) {
      const ki = threeLives();
      const kept = new RevisionSet();
      ki.keep(c.at, kept);
      const available = new RevisionSet();
      ki.compact(c.at, available);
      assert.deepEqual(available.sorted(), c.available, `available at ${c.at}`);
      assert.deepEqual(kept.sorted(), c.available, `keep at ${c.at}`);
      assert.deepEqual(ki.generations().map((g) => g.revs), c.gens, `generations at ${c.at}`);
      assert.equal(ki.isEmpty(), c.at >= 16);
    }
  });

  test('incrementally, one compaction after another, gives the same result', () => {
    const ki = threeLives();
    for (const c of cases) {
      const available = new RevisionSet();
      ki.compact(c.at, available);
      assert.deepEqual(available.sorted(), c.available, `available at ${c.at}`);
      assert.deepEqual(ki.generations().map((g) => g.revs), c.gens, `generations at ${c.at}`);
    }
  });

  test('keep changes nothing', () => {
    const ki = threeLives();
    const before = ki.generations();
    ki.keep(10, new RevisionSet());
    assert.deepEqual(ki.generations(), before);
  });

  test('reads at or after the compaction revision are unchanged, versions included', () => {
    const ki = new KeyIndex(r(2));
    ki.put(r(4));
    ki.put(r(6));
    ki.put(r(8));
    ki.compact(5, new RevisionSet());
    assert.deepEqual(ki.generations(), [{ ver: 4, created: r(2), revs: [r(4), r(6), r(8)] }]);
    assert.deepEqual(ki.get(5), { modified: r(4), created: r(2), version: 2 });
    assert.deepEqual(ki.get(8), { modified: r(8), created: r(2), version: 4 });
    ki.put(r(9));
    assert.deepEqual(ki.get(9), { modified: r(9), created: r(2), version: 5 });
  });

  test('a single-revision key compacted past its revision keeps it', () => {
    const ki = new KeyIndex(r(3, 2));
    const available = new RevisionSet();
    ki.compact(10, available);
    assert.deepEqual(available.sorted(), [r(3, 2)]);
    assert.equal(ki.isEmpty(), false);
    assert.deepEqual(ki.get(10), { modified: r(3, 2), created: r(3, 2), version: 1 });
  });

  test('a key created after the compaction revision keeps all and adds nothing', () => {
    const ki = new KeyIndex(r(20));
    ki.tombstone(r(21));
    const available = new RevisionSet();
    ki.compact(10, available);
    assert.equal(available.size, 0);
    assert.deepEqual(ki.generations().map((g) => g.revs), [[r(20), r(21)], []]);
  });
});
