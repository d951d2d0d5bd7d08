import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CompactedError, FutureRevisionError } from '../../../server/src/mvcc/index.js';
import { KvOps } from '../../../server/src/mvcc/kv-ops.js';
import { SortOrder, SortTarget } from '../../../server/src/mvcc/kv-requests.js';
import { RequestError } from '../../../server/src/mvcc/request-errors.js';
import { keys, kv, TestLeases, withOps } from './kv-ops-helpers.js';
import { ALL, b, plain, StoreFixture } from './store-helpers.js';

function isRequestError(message: string): (e: unknown) => boolean {
  return (e) => e instanceof RequestError && e.message === message;
}

describe('KvOps.range', () => {
  test('single key, prefix range, \\0 end, header revision', () =>
    withOps(({ f, ops }) => {
      for (const k of ['a', 'ab', 'abc', 'b', 'c']) f.put(k, k.toUpperCase());
      assert.deepEqual(kv(ops.range({ key: b('ab') }).kvs), ['ab=AB']);
      assert.deepEqual(keys(ops.range({ key: b('a'), rangeEnd: b('b') }).kvs), ['a', 'ab', 'abc']);
      assert.deepEqual(keys(ops.range({ key: b('ab'), rangeEnd: ALL }).kvs), ['ab', 'abc', 'b', 'c']);
      assert.deepEqual(keys(ops.range({ key: b('c'), rangeEnd: b('a') }).kvs), []);
      const r = ops.range({ key: b('zz') });
      assert.deepEqual(r, { header: { revision: 6 }, kvs: [], more: false, count: 0 });
    }));

  test('limit sets more and leaves count at the whole range', () =>
    withOps(({ f, ops }) => {
      for (const k of ['a', 'b', 'c', 'd', 'e']) f.put(k, k);
      const r = ops.range({ key: b('a'), rangeEnd: ALL, limit: 2 });
      assert.deepEqual([keys(r.kvs), r.more, r.count], [['a', 'b'], true, 5]);
      const exact = ops.range({ key: b('a'), rangeEnd: ALL, limit: 5 });
      assert.deepEqual([keys(exact.kvs).length, exact.more, exact.count], [5, false, 5]);
      const all = ops.range({ key: b('a'), rangeEnd: ALL, limit: 0 });
      assert.deepEqual([all.kvs.length, all.more, all.count], [5, false, 5]);
    }));

  test('limit applies after the sort: DESCEND by key with limit 2 gives the 2 greatest', () =>
    withOps(({ f, ops }) => {
      for (const k of ['a', 'b', 'c', 'd', 'e']) f.put(k, k);
      const r = ops.range({ key: b('a'), rangeEnd: ALL, limit: 2, sortOrder: SortOrder.DESCEND });
      assert.deepEqual([keys(r.kvs), r.more, r.count], [['e', 'd'], true, 5]);
      const asc = ops.range({ key: b('a'), rangeEnd: ALL, sortOrder: SortOrder.ASCEND, sortTarget: SortTarget.KEY });
      assert.deepEqual(keys(asc.kvs), ['a', 'b', 'c', 'd', 'e']);
    }));

  test('each sort target, both orders; a target without an order sorts ascending; ties keep key order', () =>
    withOps(({ f, ops }) => {
      f.put('c', 'x'); // c: create 2
      f.put('a', '\u00e9'); // a: create 3, value c3 a9 (above ASCII: unsigned byte order)
      f.put('b', 'm'); // b: create 4
      f.put('c', 'y'); // c: version 2, mod 5
      f.put('d', 'm'); // d: create 6
      const all = { key: b('a'), rangeEnd: ALL };
      const sorted = (sortTarget: number, sortOrder?: number): string[] =>
        keys(ops.range({ ...all, sortTarget, ...(sortOrder === undefined ? {} : { sortOrder }) }).kvs);
      assert.deepEqual(sorted(SortTarget.VERSION), ['a', 'b', 'd', 'c']);
      assert.deepEqual(sorted(SortTarget.VERSION, SortOrder.DESCEND), ['c', 'a', 'b', 'd']);
      assert.deepEqual(sorted(SortTarget.CREATE, SortOrder.ASCEND), ['c', 'a', 'b', 'd']);
      assert.deepEqual(sorted(SortTarget.CREATE, SortOrder.DESCEND), ['d', 'b', 'a', 'c']);
      assert.deepEqual(sorted(SortTarget.MOD), ['a', 'b', 'c', 'd']);
      assert.deepEqual(sorted(SortTarget.MOD, SortOrder.DESCEND), ['d', 'c', 'b', 'a']);
      assert.deepEqual(sorted(SortTarget.VALUE, SortOrder.NONE), ['b', 'd', 'c', 'a']);
      assert.deepEqual(sorted(SortTarget.VALUE, SortOrder.DESCEND), ['a', 'c', 'b', 'd']);
      assert.deepEqual(sorted(SortTarget.KEY, SortOrder.DESCEND), ['d', 'c', 'b', 'a']);
    }));

  test('a target with NONE still has its limit pushed to the store, as etcd does', () =>
    withOps(({ f, ops }) => {
      f.put('a', '1');
      f.put('a', '2');
      f.put('b', '1');
      f.put('c', '1');
      // limit 1 fetches limit+1 = a, b by key; sorting those by version ascending gives b first.
      const r = ops.range({ key: b('a'), rangeEnd: ALL, limit: 1, sortTarget: SortTarget.VERSION });
      assert.deepEqual([keys(r.kvs), r.more, r.count], [['b'], true, 3]);
      // With an explicit order, everything is fetched, sorted, then cut.
      const d = ops.range({ key: b('a'), rangeEnd: ALL, limit: 1, sortTarget: SortTarget.VERSION, sortOrder: SortOrder.DESCEND });
      assert.deepEqual([keys(d.kvs), d.more, d.count], [['a'], true, 3]);
    }));

  test('revision filters: count before them, more after them, with a limit', () =>
    withOps(({ f, ops }) => {
      for (const k of ['a', 'b', 'c', 'd', 'e', 'f']) f.put(k, k); // a..f created at 2..7
      f.put('b', 'B'); // b mod 8
      const all = { key: b('a'), rangeEnd: ALL };
      assert.deepEqual(keys(ops.range({ ...all, minModRevision: 5 }).kvs), ['b', 'd', 'e', 'f']);
      assert.deepEqual(keys(ops.range({ ...all, maxModRevision: 4 }).kvs), ['a', 'c']);
      assert.deepEqual(keys(ops.range({ ...all, minCreateRevision: 6 }).kvs), ['e', 'f']);
      assert.deepEqual(keys(ops.range({ ...all, maxCreateRevision: 3 }).kvs), ['a', 'b']);
      assert.deepEqual(keys(ops.range({ ...all, minCreateRevision: 3, maxModRevision: 6 }).kvs), ['c', 'd', 'e']);
      const limited = ops.range({ ...all, minModRevision: 4, limit: 2 });
      assert.deepEqual([keys(limited.kvs), limited.more, limited.count], [['b', 'c'], true, 6]);
      const fits = ops.range({ ...all, minModRevision: 7, limit: 2 });
      assert.deepEqual([keys(fits.kvs), fits.more, fits.count], [['b', 'f'], false, 6]);
    }));

  test('keysOnly drops values; countOnly returns only the count', () =>
    withOps(({ f, ops }) => {
      f.put('a', '1');
      f.put('b', '2');
      const k = ops.range({ key: b('a'), rangeEnd: ALL, keysOnly: true });
      assert.deepEqual(plain(k.kvs), ['a= c2 m2 v1 l0', 'b= c3 m3 v1 l0']);
      const c = ops.range({ key: b('a'), rangeEnd: ALL, countOnly: true, limit: 1 });
      assert.deepEqual(c, { header: { revision: 3 }, kvs: [], more: false, count: 2 });
    }));

  test('past revisions read old values; future fails; compaction point reads, below fails', () =>
    withOps(async ({ f, ops }) => {
      f.put('a', '1'); // 2
      f.put('a', '2'); // 3
      f.put('b', '1'); // 4
      f.put('a', '3'); // 5
      const old = ops.range({ key: b('a'), revision: 3 });
      assert.deepEqual([kv(old.kvs), old.header.revision], [['a=2'], 5]);
      assert.deepEqual(kv(ops.range({ key: b('a'), revision: 5 }).kvs), ['a=3']);
      assert.throws(() => ops.range({ key: b('a'), revision: 6 }), FutureRevisionError);
      await f.store.compact(4);
      assert.deepEqual(kv(ops.range({ key: b('a'), rangeEnd: ALL, revision: 4 }).kvs), ['a=2', 'b=1']);
      assert.throws(() => ops.range({ key: b('a'), revision: 3 }), CompactedError);
    }));
});

describe('KvOps.put', () => {
  test('writes one revision and returns the response with the changes', () =>
    withOps(({ f, ops }) => {
      const { response, changes } = ops.put({ key: b('a'), value: b('1') });
      assert.deepEqual(response, { header: { revision: 2 } });
      assert.deepEqual(changes.map((c) => [c.type, ...plain([c.kv])]), [['put', 'a=1 c2 m2 v1 l0']]);
      assert.equal(f.store.rev, 2);
    }));

  test('prevKv returns the key as it was, and nothing for a new key', () =>
    withOps(({ ops }) => {
      assert.equal(ops.put({ key: b('a'), value: b('1'), prevKv: true }).response.prevKv, undefined);
      const r = ops.put({ key: b('a'), value: b('2'), prevKv: true }).response;
      assert.deepEqual([r.header.revision, ...plain(r.prevKv === undefined ? [] : [r.prevKv])], [3, 'a=1 c2 m2 v1 l0']);
      assert.equal(ops.put({ key: b('a'), value: b('3') }).response.prevKv, undefined);
    }));

  test('ignoreValue keeps the value, ignoreLease keeps the lease', () =>
    withOps(({ f, ops }) => {
      ops.put({ key: b('a'), value: b('1'), lease: 5n });
      ops.put({ key: b('a'), ignoreValue: true, lease: 6n });
      assert.deepEqual(plain(f.store.range(b('a')).kvs), ['a=1 c2 m3 v2 l6']);
      ops.put({ key: b('a'), value: b('2'), ignoreLease: true });
      assert.deepEqual(plain(f.store.range(b('a')).kvs), ['a=2 c2 m4 v3 l6']);
      ops.put({ key: b('a'), ignoreValue: true, ignoreLease: true });
      assert.deepEqual(plain(f.store.range(b('a')).kvs), ['a=2 c2 m5 v4 l6']);
    }));

  test('ignoreValue/ignoreLease on a missing key: keyNotFound, nothing written, store usable', () =>
    withOps(({ f, ops }) => {
      f.put('b', '1');
      f.del('a'); // nothing to delete: revision stays 2
      for (const req of [{ key: b('a'), ignoreValue: true }, { key: b('a'), value: b('x'), ignoreLease: true }]) {
        assert.throws(() => ops.put(req), isRequestError('etcdserver: key not found'));
        assert.equal(f.store.rev, 2);
      }
      assert.deepEqual(f.records(), ['2.0']);
      assert.equal(ops.put({ key: b('a'), value: b('1') }).response.header.revision, 3);
    }));

  test('a lease that does not exist: leaseNotFound, nothing written, revision unchanged', () =>
    withOps(({ f, ops, leases }) => {
      assert.throws(() => ops.put({ key: b('a'), value: b('1'), lease: 99n }), isRequestError('etcdserver: requested lease not found'));
      assert.equal(f.store.rev, 1);
      assert.deepEqual(f.records(), []);
      assert.deepEqual(leases.calls, []);
    }));

  test('without a lessor, lease ids are not checked', async () => {
    const f = await StoreFixture.create();
    try {
      const ops = new KvOps(f.store, undefined);
      ops.put({ key: b('a'), value: b('1'), lease: 42n });
      assert.deepEqual(plain(f.store.range(b('a')).kvs), ['a=1 c2 m2 v1 l42']);
    } finally {
      await f.close();
    }
  });

  test('leases: put attaches, a new lease detaches the old, delete detaches, reopen re-attaches', () =>
    withOps(async ({ f, ops, leases }) => {
      ops.put({ key: b('a'), value: b('1'), lease: 5n });
      ops.put({ key: b('b'), value: b('1'), lease: 5n });
      ops.put({ key: b('a'), value: b('2'), lease: 6n });
      ops.put({ key: b('a'), value: b('3'), ignoreLease: true });
      ops.deleteRange({ key: b('b') });
      ops.put({ key: b('c'), value: b('1'), lease: 6n });
      ops.put({ key: b('c'), value: b('2') });
      assert.deepEqual(leases.calls, ['attach 5 a', 'attach 5 b', 'detach 5 a', 'attach 6 a', 'detach 5 b', 'attach 6 c', 'detach 6 c']);
      leases.calls.length = 0;
      await f.reopen();
      assert.deepEqual(leases.calls, ['attach 6 a']);
    }));
});

describe('KvOps.deleteRange', () => {
  test('deletes a range, counts it, and returns prevKvs only when asked', () =>
    withOps(({ f, ops }) => {
      for (const k of ['a', 'b', 'c']) f.put(k, k);
      const r = ops.deleteRange({ key: b('a'), rangeEnd: b('c'), prevKv: true });
      assert.deepEqual([r.response.header.revision, r.response.deleted, plain(r.response.prevKvs)], [5, 2, ['a=a c2 m2 v1 l0', 'b=b c3 m3 v1 l0']]);
      assert.deepEqual(r.changes.map((c) => `${c.type} ${Buffer.from(c.kv.key).toString()}`), ['delete a', 'delete b']);
      const all = ops.deleteRange({ key: b('a'), rangeEnd: ALL });
      assert.deepEqual([all.response.header.revision, all.response.deleted, all.response.prevKvs], [6, 1, []]);
      assert.equal(f.store.rev, 6);
    }));

  test('deleting nothing: header at the current revision, no change, revision kept', () =>
    withOps(({ f, ops }) => {
      f.put('a', '1');
      const r = ops.deleteRange({ key: b('x'), prevKv: true });
      assert.deepEqual(r, { response: { header: { revision: 2 }, deleted: 0, prevKvs: [] }, changes: [] });
      assert.equal(f.store.rev, 2);
    }));

  test('inside a write txn that already changed something, an empty delete reports the txn revision', () =>
    withOps(({ f, ops }) => {
      const txn = f.store.write();
      assert.equal(ops.deleteRangeIn(txn, { key: b('x') }).header.revision, 1);
      ops.putIn(txn, { key: b('a'), value: b('1') });
      assert.equal(ops.deleteRangeIn(txn, { key: b('x') }).header.revision, 2);
      assert.equal(txn.end().length, 1);
    }));

  test('reopen with the same Leases after deletes attaches only live keys', async () => {
    const leases = new TestLeases();
    leases.live.add(5n);
    const f = await StoreFixture.create({ leases });
    try {
      const ops = new KvOps(f.store, leases);
      ops.put({ key: b('a'), value: b('1'), lease: 5n });
      ops.put({ key: b('b'), value: b('1'), lease: 5n });
      ops.deleteRange({ key: b('a') });
      leases.calls.length = 0;
      await f.reopen();
      assert.deepEqual(leases.calls, ['attach 5 b']);
    } finally {
      await f.close();
    }
  });
});
