import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { LeaseHeap } from '../../../server/src/lease/index.js';

describe('LeaseHeap', () => {
  test('pops in time order, equal times by id, one entry per id', () => {
    const h = new LeaseHeap();
    h.set(5n, 30);
    h.set(2n, 10);
    h.set(9n, 10);
    h.set(1n, 20);
    h.set(2n, 40); // reschedule, not a second entry
    assert.equal(h.size, 4);
    assert.equal(h.timeOf(2n), 40);
    const out: [bigint, number][] = [];
    for (let e = h.pop(); e !== undefined; e = h.pop()) out.push([e.id, e.time]);
    assert.deepEqual(out, [
      [9n, 10],
      [1n, 20],
      [5n, 30],
      [2n, 40],
    ]);
    assert.equal(h.peek(), undefined);
  });

  test('matches a sorted list under random set/delete/pop', () => {
    type Op = { op: 'set'; id: number; time: number } | { op: 'delete'; id: number } | { op: 'pop' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('set' as const), id: fc.integer({ min: 0, max: 20 }), time: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ op: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ op: fc.constant('pop' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const h = new LeaseHeap();
        const model = new Map<bigint, number>();
        const first = (): [bigint, number] | undefined =>
          [...model.entries()].sort(([ia, a], [ib, b]) => a - b || (ia < ib ? -1 : 1))[0];
        for (const o of ops) {
          if (o.op === 'set') {
            h.set(BigInt(o.id), o.time);
            model.set(BigInt(o.id), o.time);
          } else if (o.op === 'delete') {
            assert.equal(h.delete(BigInt(o.id)), model.delete(BigInt(o.id)));
          } else {
            const want = first();
            const got = h.pop();
            assert.deepEqual(got === undefined ? undefined : [got.id, got.time], want);
            if (want !== undefined) model.delete(want[0]);
          }
          assert.equal(h.size, model.size);
          const top = h.peek();
          assert.deepEqual(top === undefined ? undefined : [top.id, top.time], first());
        }
      }),
      { numRuns: 300 },
    );
  });
});
