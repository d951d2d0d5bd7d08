import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CompactedError } from '../../../server/src/mvcc/index.js';
import { ALL, StoreFixture, b, plain } from './store-helpers.js';

type WriteOp = { t: 'put'; k: string; v: string } | { t: 'del'; k: string; end: string | undefined };
type Op = WriteOp | { t: 'txn'; ops: WriteOp[] } | { t: 'compact'; frac: number } | { t: 'restart' };

interface ModelKv {
  value: string;
  create: number;
  mod: number;
  version: number;
}

/** The naive model: a full copy of the live keys at every revision. */
class Model {
  readonly snapshots: Map<string, ModelKv>[] = [new Map(), new Map()]; // index = revision; rev 1 empty
  compactRev = 0;

  get rev(): number {
    return this.snapshots.length - 1;
  }

  apply(ops: WriteOp[]): void {
    const rev = this.rev + 1;
    const next = new Map(this.snapshots[this.rev]);
    let changed = false;
    for (const op of ops) {
      if (op.t === 'put') {
        const old = next.get(op.k);
        next.set(op.k, { value: op.v, create: old?.create ?? rev, mod: rev, version: (old?.version ?? 0) + 1 });
        changed = true;
        continue;
      }
      for (const k of [...next.keys()]) {
        if (op.end === undefined ? k === op.k : k >= op.k && k < op.end) {
          next.delete(k);
          changed = true;
        }
      }
    }
    if (changed) this.snapshots.push(next);
  }

  view(rev: number): string[] {
    const snap = this.snapshots[rev] ?? new Map<string, ModelKv>();
    return [...snap.entries()].sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0)).map(([k, kv]) => `${k}=${kv.value} c${kv.create} m${kv.mod} v${kv.version} l0`);
  }
}

const key = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const writeOp: fc.Arbitrary<WriteOp> = fc.oneof(
  fc.record({ t: fc.constant('put' as const), k: key, v: fc.string({ maxLength: 3 }) }),
  fc.record({ t: fc.constant('del' as const), k: key, end: fc.option(fc.constantFrom('b', 'd', 'f'), { nil: undefined }) }),
);
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
