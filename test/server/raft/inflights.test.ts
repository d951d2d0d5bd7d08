import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Inflights } from '../../../server/src/raft/tracker/inflights.js';
import { ProgressStateError } from '../../../server/src/raft/tracker/errors.js';
import { index } from '../../../server/src/raft/types.js';

const fill = (inf: Inflights, from: number, to: number, bytes = 0) => {
  for (let i = from; i <= to; i++) inf.add(index(i), bytes);
};

describe('Inflights', () => {
  test('counts up to its size, then is full and refuses more', () => {
    const inf = new Inflights(5);
    assert.equal(inf.full(), false);
    fill(inf, 1, 4);
    assert.equal(inf.count(), 4);
    assert.equal(inf.full(), false);
    inf.add(index(5));
    assert.equal(inf.full(), true);
    assert.throws(() => inf.add(index(6)), ProgressStateError);
    assert.deepEqual(inf.toArray(), [1, 2, 3, 4, 5]);
  });

  test('freeLE frees the acknowledged prefix, and wraps around the ring', () => {
    const inf = new Inflights(10);
    fill(inf, 0, 9);
    inf.freeLE(index(4));
    assert.equal(inf.count(), 5);
    assert.deepEqual(inf.toArray(), [5, 6, 7, 8, 9]);
    fill(inf, 10, 14); // these wrap to the front of the buffer
    assert.equal(inf.full(), true);
    assert.deepEqual(inf.toArray(), [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    inf.freeLE(index(8));
    assert.deepEqual(inf.toArray(), [9, 10, 11, 12, 13, 14]);
    inf.freeLE(index(12));
    assert.deepEqual(inf.toArray(), [13, 14]);
    inf.freeLE(index(14));
    assert.equal(inf.count(), 0);
    fill(inf, 15, 24);
    assert.deepEqual(inf.toArray(), [15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
  });

  test('freeLE below the oldest append, or on an empty window, changes nothing', () => {
    const inf = new Inflights(4);
    inf.freeLE(index(100));
    assert.equal(inf.count(), 0);
    fill(inf, 5, 7, 10);
    inf.freeLE(index(4));
    assert.deepEqual(inf.toArray(), [5, 6, 7]);
    assert.equal(inf.bytes(), 30);
    // An index between two appends frees only those at or below it.
    inf.freeLE(index(5));
    assert.deepEqual(inf.toArray(), [6, 7]);
  });

  test('freeFirstOne frees exactly the oldest append', () => {
    const inf = new Inflights(3);
    inf.freeFirstOne();
    assert.equal(inf.count(), 0);
    inf.add(index(10), 1);
    inf.add(index(20), 2);
    inf.add(index(30), 3);
    inf.freeFirstOne();
    assert.deepEqual(inf.toArray(), [20, 30]);
    assert.equal(inf.bytes(), 5);
    assert.equal(inf.full(), false);
  });

  test('a byte budget makes the window full before its count is reached', () => {
    const inf = new Inflights(10, 100);
    inf.add(index(1), 50);
    inf.add(index(2), 49);
    assert.equal(inf.full(), false);
    inf.add(index(3), 1);
    assert.equal(inf.bytes(), 100);
    assert.equal(inf.full(), true);
    assert.throws(() => inf.add(index(4), 0), /cannot add into a full inflights/);
    inf.freeLE(index(1));
    assert.equal(inf.bytes(), 50);
    assert.equal(inf.full(), false);
    // One large append may exceed the budget (it is never split); it then fills the window alone.
    inf.add(index(4), 500);
    assert.equal(inf.full(), true);
  });

  test('a byte budget of 0 or Infinity means no byte limit', () => {
    for (const max of [0, Infinity]) {
      const inf = new Inflights(3, max);
      inf.add(index(1), 1e12);
      inf.add(index(2), 1e12);
      assert.equal(inf.full(), false);
      inf.add(index(3), 0);
      assert.equal(inf.full(), true);
    }
  });

  test('reset empties the window; clone is independent', () => {
    const inf = new Inflights(4, 1000);
    fill(inf, 1, 3, 7);
    const c = inf.clone();
    inf.reset();
    assert.equal(inf.count(), 0);
    assert.equal(inf.bytes(), 0);
    assert.deepEqual(c.toArray(), [1, 2, 3]);
    assert.equal(c.bytes(), 21);
    c.add(index(4), 1);
    assert.equal(c.full(), true);
    assert.equal(inf.count(), 0);
    assert.equal(c.maxBytes, 1000);
  });

  test('a size below 1 is refused', () => {
    assert.throws(() => new Inflights(0), ProgressStateError);
  });

  test('matches a plain array model under random add / freeLE / freeFirstOne / reset (fast-check)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), gap: fc.integer({ min: 1, max: 3 }), bytes: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('free' as const), back: fc.integer({ min: -2, max: 12 }) }),
      fc.record({ kind: fc.constant('first' as const) }),
      fc.record({ kind: fc.constant('reset' as const) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 150 }), fc.array(op, { maxLength: 80 }), (size, maxBytes, ops) => {
        const inf = new Inflights(size, maxBytes);
        let model: { i: number; b: number }[] = [];
        let last = 0;
        const modelFull = () => model.length === size || (maxBytes > 0 && model.reduce((s, x) => s + x.b, 0) >= maxBytes);
        for (const o of ops) {
          if (o.kind === 'add') {
            if (modelFull()) {
              assert.throws(() => inf.add(index(last + o.gap), o.bytes));
              continue;
            }
            last += o.gap;
            inf.add(index(last), o.bytes);
            model.push({ i: last, b: o.bytes });
          } else if (o.kind === 'free') {
            const to = last - o.back;
            inf.freeLE(index(to));
            model = model.filter((x) => x.i > to);
          } else if (o.kind === 'first') {
            inf.freeFirstOne();
            model = model.slice(1);
          } else {
            inf.reset();
            model = [];
          }
          assert.deepEqual(inf.toArray(), model.map((x) => x.i));
          assert.equal(inf.count(), model.length);
          assert.equal(inf.bytes(), model.reduce((s, x) => s + x.b, 0));
          assert.equal(inf.full(), modelFull());
        }
      }),
      { numRuns: 300 },
    );
  });
});
