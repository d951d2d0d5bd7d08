import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { KvOps } from '../../../server/src/mvcc/kv-ops.js';
import { type Compare, CompareTarget, type RangeRequest, type RequestOp, SortOrder, SortTarget } from '../../../server/src/mvcc/kv-requests.js';
import { RequestError } from '../../../server/src/mvcc/request-errors.js';
import { checkTxnRequest } from '../../../server/src/mvcc/txn-check.js';
import { keys } from './kv-ops-helpers.js';
import { key, Model, type ModelKv, type WriteOp, writeOp } from './model.js';
import { ALL, b, StoreFixture } from './store-helpers.js';

/*
 * KvOps against the naive model of model.ts: random txns (compares on one key or a range,
 * write branches) must take the branch the model's compares pick and end at the model's
 * revision; random range requests (limit, sort, filters) must return what a plain sort and
 * filter of the model's keys gives, with etcd's limit push-down.
 */

interface CompareSpec {
  k: string;
  end: string | undefined;
  target: number;
  result: number;
  n: number;
  v: string;
}

const compareSpec: fc.Arbitrary<CompareSpec> = fc.record({
  k: key,
  end: fc.option(fc.constantFrom('c', 'f'), { nil: undefined }),
  target: fc.constantFrom(CompareTarget.VERSION, CompareTarget.CREATE, CompareTarget.MOD, CompareTarget.VALUE),
  result: fc.integer({ min: 0, max: 3 }),
  n: fc.integer({ min: 0, max: 8 }),
  v: fc.string({ maxLength: 2 }),
});

// Mostly puts, so that ranges often hold more keys than their limit.
const write: fc.Arbitrary<WriteOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('put' as const), k: key, v: fc.string({ maxLength: 2 }) }) },
  { weight: 1, arbitrary: writeOp },
);

const txnStep = fc.record({
  compare: fc.array(compareSpec, { maxLength: 2 }),
  success: fc.array(write, { maxLength: 3 }),
  failure: fc.array(write, { maxLength: 3 }),
});

const rangeStep = fc.record({
  k: key,
  end: fc.option(fc.constantFrom('c', 'f', '\0'), { nil: undefined }),
  limit: fc.integer({ min: 0, max: 4 }),
  sortOrder: fc.constantFrom(SortOrder.NONE, SortOrder.ASCEND, SortOrder.DESCEND),
  sortTarget: fc.constantFrom(SortTarget.KEY, SortTarget.VERSION, SortTarget.CREATE, SortTarget.MOD, SortTarget.VALUE),
  minMod: fc.constantFrom(0, 0, 0, 0, 3, 5),
  maxCreate: fc.constantFrom(0, 0, 0, 0, 3, 6),
});
type RangeStep = typeof rangeStep extends fc.Arbitrary<infer T> ? T : never;

function toOp(w: WriteOp): RequestOp {
  if (w.t === 'put') return { put: { key: b(w.k), value: b(w.v) } };
  return { deleteRange: w.end === undefined ? { key: b(w.k) } : { key: b(w.k), rangeEnd: b(w.end) } };
}

function toCompare(c: CompareSpec): Compare {
  const base = { key: b(c.k), target: c.target, result: c.result, ...(c.end === undefined ? {} : { rangeEnd: b(c.end) }) };
  switch (c.target) {
    case CompareTarget.VERSION:
      return { ...base, version: c.n };
    case CompareTarget.CREATE:
      return { ...base, createRevision: c.n };
    case CompareTarget.MOD:
      return { ...base, modRevision: c.n };
    default:
      return { ...base, value: b(c.v) };
  }
}

function inRange(k: string, from: string, end: string | undefined): boolean {
  if (end === undefined) return k === from;
  return k >= from && (end === '\0' || k < end);
}

function sortedEntries(snap: Map<string, ModelKv>, from: string, end: string | undefined): [string, ModelKv][] {
  return [...snap.entries()].filter(([k]) => inRange(k, from, end)).sort(([a], [c]) => Buffer.compare(b(a), b(c)));
}

function field(kv: ModelKv, target: number): number | Buffer {
  if (target === SortTarget.VERSION) return kv.version;
  if (target === SortTarget.CREATE) return kv.create;
  if (target === SortTarget.MOD) return kv.mod;
  return b(kv.value);
}

function order(x: number | Buffer, y: number | Buffer): number {
  return typeof x === 'number' && typeof y === 'number' ? Math.sign(x - y) : Buffer.compare(x as Buffer, y as Buffer);
}

function modelCompare(snap: Map<string, ModelKv>, c: CompareSpec): boolean {
  const kvs = sortedEntries(snap, c.k, c.end).map(([, kv]) => kv);
  if (kvs.length === 0 && c.target === CompareTarget.VALUE) return false;
  const zero: ModelKv = { value: '', create: 0, mod: 0, version: 0 };
  const want = c.target === CompareTarget.VALUE ? b(c.v) : c.n;
  const field2target = [SortTarget.VERSION, SortTarget.CREATE, SortTarget.MOD, SortTarget.VALUE][c.target] as number;
  return (kvs.length === 0 ? [zero] : kvs).every((kv) => {
    const o = order(field(kv, field2target), want);
    return [o === 0, o > 0, o < 0, o !== 0][c.result] as boolean;
  });
}

function modelRange(snap: Map<string, ModelKv>, q: RangeStep): { keys: string[]; more: boolean; count: number } {
  let entries = sortedEntries(snap, q.k, q.end);
  const count = entries.length;
  const filtered = q.minMod !== 0 || q.maxCreate !== 0;
  if (q.sortOrder === SortOrder.NONE && !filtered && q.limit > 0) entries = entries.slice(0, q.limit + 1);
  entries = entries.filter(([, kv]) => (q.minMod === 0 || kv.mod >= q.minMod) && (q.maxCreate === 0 || kv.create <= q.maxCreate));
  const dir = q.sortOrder === SortOrder.DESCEND ? -1 : q.sortOrder === SortOrder.ASCEND || q.sortTarget !== SortTarget.KEY ? 1 : 0;
  if (dir !== 0) {
    const target = q.sortTarget === SortTarget.KEY ? -1 : q.sortTarget;
    const fieldOf = ([k, kv]: [string, ModelKv]): number | Buffer => (target === -1 ? b(k) : field(kv, target));
    entries = entries.map((e, i) => ({ e, i })).sort((x, y) => dir * order(fieldOf(x.e), fieldOf(y.e)) || x.i - y.i).map(({ e }) => e);
  }
  const more = q.limit > 0 && entries.length > q.limit;
  return { keys: entries.slice(0, more ? q.limit : undefined).map(([k]) => k), more, count };
}

function toRangeRequest(q: RangeStep): RangeRequest {
  const end = q.end === undefined ? {} : { rangeEnd: q.end === '\0' ? ALL : b(q.end) };
  return { key: b(q.k), ...end, limit: q.limit, sortOrder: q.sortOrder, sortTarget: q.sortTarget, minModRevision: q.minMod, maxCreateRevision: q.maxCreate };
}

test('KvOps txns and ranges agree with the naive model', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(txnStep, rangeStep), { minLength: 1, maxLength: 12 }), async (steps) => {
      const f = await StoreFixture.create();
      const ops = new KvOps(f.store, undefined);
      const model = new Model();
      try {
        for (const [t, q] of steps) {
          const req = { compare: t.compare.map(toCompare), success: t.success.map(toOp), failure: t.failure.map(toOp) };
          try {
            checkTxnRequest(req);
          } catch (err) {
            assert.ok(err instanceof RequestError && err.code === 'InvalidArgument');
            continue;
          }
          const snap = model.snapshots[model.rev] as Map<string, ModelKv>;
          const succeeded = t.compare.every((c) => modelCompare(snap, c));
          const { response } = ops.txn(req);
          model.apply(succeeded ? t.success : t.failure);
          assert.deepEqual([response.succeeded, response.header.revision], [succeeded, model.rev]);
          const got = ops.range(toRangeRequest(q));
          const want = modelRange(model.snapshots[model.rev] as Map<string, ModelKv>, q);
          assert.deepEqual({ keys: keys(got.kvs), more: got.more, count: got.count }, want, JSON.stringify(q));
        }
      } finally {
        await f.close();
      }
    }),
    { numRuns: 100 },
  );
});
