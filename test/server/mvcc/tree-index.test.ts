import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Revision, RevisionNotFoundError, TreeIndex } from '../../../server/src/mvcc/index.js';

const r = (main: number, sub = 0): Revision => ({ main, sub });
const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const s = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const hexes = (keys: Uint8Array[]): string[] => keys.map((k) => Buffer.from(k).toString('hex'));

/** a@1, a\0@2, b@3, c@4, \xff@5, b deleted @6, a@7 */
function sample(): TreeIndex {
  const ti = new TreeIndex();
  ti.put(s('a'), r(1));
  ti.put(b(0x61, 0x00), r(2));
  ti.put(s('b'), r(3));
  ti.put(s('c'), r(4));
  ti.put(b(0xff), r(5));
  ti.tombstone(s('b'), r(6));
  ti.put(s('a'), r(7));
  return ti;
}

describe('TreeIndex', () => {
  test('range end: undefined or empty = one key; 0x00 = every key ≥ key; else [key, end)', () => {
    const ti = sample();
    assert.deepEqual(hexes(ti.range(s('a'), undefined, 7).keys), ['61']);
    assert.deepEqual(hexes(ti.range(s('a'), b(), 7).keys), ['61']);
    assert.deepEqual(hexes(ti.range(s('a'), b(0x00), 7).keys), ['61', '6100', '63', 'ff']);
    assert.deepEqual(hexes(ti.range(b(0x00), b(0x00), 5).keys), ['61', '6100', '62', '63', 'ff']);
    assert.deepEqual(hexes(ti.range(s('a'), s('c'), 5).keys), ['61', '6100', '62']);
    assert.deepEqual(hexes(ti.range(s('a'), b(0x61, 0x00), 5).keys), ['61']);
    assert.deepEqual(hexes(ti.range(s('c'), s('a'), 5).keys), []);
    assert.deepEqual(hexes(ti.range(s('a'), s('a'), 5).keys), []);
    assert.deepEqual(hexes(ti.range(s('zz'), undefined, 5).keys), []);
  });

  test('range returns the revision holding each key at the revision asked', () => {
    const ti = sample();
    assert.deepEqual(ti.range(b(0x00), b(0x00), 6).revs, [r(1), r(2), r(4), r(5)]);
    assert.deepEqual(ti.range(b(0x00), b(0x00), 7).revs, [r(7), r(2), r(4), r(5)]);
    assert.deepEqual(ti.range(b(0x00), b(0x00), 2).revs, [r(1), r(2)]);
    assert.deepEqual(ti.range(b(0x00), b(0x00), 0).revs, []);
  });

  test('revisions with a limit still count every match; countRevisions agrees', () => {
    const ti = sample();
    assert.deepEqual(ti.revisions(b(0x00), b(0x00), 5, 2), { revs: [r(1), r(2)], total: 5 });
    assert.deepEqual(ti.revisions(b(0x00), b(0x00), 7, 0), { revs: [r(7), r(2), r(4), r(5)], total: 4 });
    assert.deepEqual(ti.revisions(s('b'), undefined, 6, 1), { revs: [], total: 0 });
    assert.deepEqual(ti.revisions(s('b'), undefined, 5, 1), { revs: [r(3)], total: 1 });
    assert.equal(ti.countRevisions(b(0x00), b(0x00), 5), 5);
    assert.equal(ti.countRevisions(s('a'), s('c'), 7), 2);
  });

  test('get reports versions and create revisions', () => {
    const ti = sample();
    assert.deepEqual(ti.get(s('a'), 7), { modified: r(7), created: r(1), version: 2 });
    assert.deepEqual(ti.get(s('a'), 6), { modified: r(1), created: r(1), version: 1 });
    assert.equal(ti.get(s('b'), 6), undefined);
    assert.equal(ti.get(s('nope'), 6), undefined);
  });

  test('tombstone of an absent or deleted key is RevisionNotFoundError', () => {
    const ti = sample();
    assert.throws(() => ti.tombstone(s('nope'), r(8)), RevisionNotFoundError);
    assert.throws(() => ti.tombstone(s('b'), r(8)), RevisionNotFoundError);
  });

  test('rangeSince merges keys in revision order', () => {
    const ti = sample();
    assert.deepEqual(ti.rangeSince(b(0x00), b(0x00), 3), [r(3), r(4), r(5), r(6), r(7)]);
    assert.deepEqual(ti.rangeSince(s('a'), undefined, 1), [r(1), r(7)]);
    assert.deepEqual(ti.rangeSince(s('b'), s('c'), 1), [r(3), r(6)]);
  });

  test('compact drops deleted keys and returns what the backend keeps; keep agrees first', () => {
    const ti = sample();
    assert.deepEqual(ti.keep(6).sorted(), [r(1), r(2), r(4), r(5)]);
    assert.equal(ti.size, 5);
    assert.deepEqual(ti.compact(6).sorted(), [r(1), r(2), r(4), r(5)]);
    assert.equal(ti.size, 4);
    assert.deepEqual(ti.compact(7).sorted(), [r(2), r(4), r(5), r(7)]);
    assert.deepEqual(hexes(ti.range(b(0x00), b(0x00), 7).keys), ['61', '6100', '63', 'ff']);
  });

  test('compaction in steps, with writes between steps, equals compaction in one go', () => {
    const build = (): TreeIndex => {
      const ti = new TreeIndex();
      for (let i = 0; i < 100; i++) ti.put(s(`k${String(i).padStart(3, '0')}`), r(i + 1));
      for (let i = 0; i < 100; i += 3) ti.tombstone(s(`k${String(i).padStart(3, '0')}`), r(101 + i));
      return ti;
    };
    const whole = build();
    const expected = whole.compact(150).sorted();
    const stepped = build();
    const c = stepped.startCompaction(150);
    let steps = 0;
    while (!c.step(7)) {
      steps++;
      stepped.put(s(`new${steps}`), r(1000 + steps)); // writes interleave, after the compaction revision
      stepped.put(s('k001'), r(2000 + steps));
    }
    assert.ok(c.done);
    assert.ok(steps >= 14, `took ${steps} steps`);
    assert.deepEqual(c.available.sorted(), expected);
    assert.equal(stepped.size, whole.size + steps);
    assert.deepEqual(stepped.get(s('k001'), 150), whole.get(s('k001'), 150));
  });
});
