import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CompactedError } from '../../../server/src/mvcc/index.js';
import { Model, type WriteOp, writeOp } from './model.js';
import { ALL, StoreFixture, b, plain } from './store-helpers.js';

type Op = WriteOp | { t: 'txn'; ops: WriteOp[] } | { t: 'compact'; frac: number } | { t: 'restart' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: writeOp },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('txn' as const), ops: fc.array(writeOp, { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('compact' as const), frac: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restart' as const) }) },
);

async function step(f: StoreFixture, model: Model, o: Op): Promise<void> {
  switch (o.t) {
    case 'put':
    case 'del':
    case 'txn': {
      const ops = o.t === 'txn' ? o.ops : [o];
      const w = f.store.write();
      for (const x of ops) {
        if (x.t === 'put') w.put(b(x.k), b(x.v));
        else w.deleteRange(b(x.k), x.end === undefined ? undefined : b(x.end));
      }
      w.end();
      model.apply(ops);
      return;
    }
    case 'compact': {
      if (model.rev <= model.compactRev) return;
      const rev = Math.min(model.rev, model.compactRev + 1 + Math.floor(o.frac * (model.rev - model.compactRev)));
      await f.store.compact(rev);
      model.compactRev = rev;
      return;
    }
    case 'restart':
      await f.reopen();
      return;
  }
}

function check(f: StoreFixture, model: Model): void {
  assert.equal(f.store.rev, model.rev);
  assert.equal(f.store.compactRev, model.compactRev);
  for (let rev = Math.max(1, model.compactRev); rev <= model.rev; rev++) {
    assert.deepEqual(plain(f.store.range(b(''), ALL, { rev }).kvs), model.view(rev), `rev ${rev}`);
  }
  for (let rev = 1; rev < model.compactRev; rev++) assert.throws(() => f.store.range(b('a'), ALL, { rev }), CompactedError);
}

test('the store matches a snapshot-per-revision model through writes, compactions and restarts', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
      const f = await StoreFixture.create({ compactionBatchLimit: 2 });
      try {
        const model = new Model();
        for (const o of ops) {
          await step(f, model, o);
          check(f, model);
        }
        await f.reopen();
        check(f, model);
      } finally {
        await f.close();
      }
    }),
    { numRuns: 60 },
  );
});
