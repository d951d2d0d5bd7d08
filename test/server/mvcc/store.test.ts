import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Bucket } from '../../../server/src/backend/index.js';
import {
  CompactedError,
  FutureRevisionError,
  TxnEndedError,
  WriteInProgressError,
  decodeKeyValue,
  encodeKeyValue,
  encodeRevisionKey,
} from '../../../server/src/mvcc/index.js';
import { ALL, StoreFixture, b, plain } from './store-helpers.js';

async function withStore(fn: (f: StoreFixture) => Promise<void> | void): Promise<void> {
  const f = await StoreFixture.create();
  try {
    await fn(f);
  } finally {
    await f.close();
  }
}

describe('KvStore reads and writes', () => {
  test('an empty store is at revision 1 and holds nothing', () =>
    withStore(({ store }) => {
      assert.equal(store.rev, 1);
      assert.equal(store.compactRev, 0);
      const r = store.range(b('a'), ALL);
      assert.deepEqual(r, { kvs: [], count: 0, rev: 1 });
    }));

  test('put, update, delete and recreate carry etcd create revisions and versions', () =>
    withStore((f) => {
      assert.equal(f.put('a', '1', 7n), 2);
      assert.deepEqual(plain(f.store.range(b('a')).kvs), ['a=1 c2 m2 v1 l7']);
      assert.equal(f.put('a', '2'), 3);
      assert.deepEqual(plain(f.store.range(b('a')).kvs), ['a=2 c2 m3 v2 l0']);
      assert.equal(f.del('a'), 1);
      assert.equal(f.store.rev, 4);
      assert.deepEqual(f.store.range(b('a')), { kvs: [], count: 0, rev: 4 });
      assert.equal(f.put('a', '3'), 5);
      assert.deepEqual(plain(f.store.range(b('a')).kvs), ['a=3 c5 m5 v1 l0']);
      assert.deepEqual(f.records(), ['2.0', '3.0', '4.0t', '5.0']);
      const tomb = f.backend.get(Bucket.key, encodeRevisionKey({ main: 4, sub: 0 }, true));
      assert.ok(tomb !== undefined);
      const kv = decodeKeyValue(tomb);
      assert.deepEqual([Buffer.from(kv.key).toString(), kv.modRevision, kv.version, kv.value.byteLength], ['a', 0, 0, 0]);
    }));

  test('a delete of nothing and an empty txn leave the revision alone', () =>
    withStore((f) => {
      f.put('a', '1');
      assert.equal(f.del('b'), 0);
      assert.equal(f.del('c', 'z'), 0);
      assert.deepEqual(f.store.write().end(), []);
      assert.equal(f.store.rev, 2);
      assert.deepEqual(f.records(), ['2.0']);
    }));

  test('a txn with several ops is one revision with increasing subs and sees its own writes', () =>
    withStore((f) => {
      f.put('a', '1');
      f.put('b', '1');
      const w = f.store.write();
      assert.equal(w.rev, 4);
      assert.deepEqual(plain(w.range(b('a'), ALL).kvs), ['a=1 c2 m2 v1 l0', 'b=1 c3 m3 v1 l0']);
      w.put(b('a'), b('2'));
      assert.equal(w.range(b('a'), ALL).rev, 4, 'after a change the txn reads at its own revision');
      w.put(b('a'), b('3'));
      assert.deepEqual(plain(w.deleteRange(b('b'))), ['b=1 c3 m3 v1 l0']);
      w.put(b('c'), b('1'));
      assert.equal(f.store.rev, 3, 'outside readers do not see the txn before end()');
      assert.deepEqual(plain(f.store.range(b('a'), ALL).kvs), ['a=1 c2 m2 v1 l0', 'b=1 c3 m3 v1 l0']);
      assert.deepEqual(plain(w.range(b('a'), ALL).kvs), ['a=3 c2 m4 v3 l0', 'c=1 c4 m4 v1 l0']);
      const changes = w.end();
      assert.deepEqual(
        changes.map((c) => `${c.type} ${Buffer.from(c.kv.key).toString()} m${c.kv.modRevision} v${c.kv.version}`),
        ['put a m4 v2', 'put a m4 v3', 'delete b m4 v0', 'put c m4 v1'],
      );
      assert.equal(f.store.rev, 4);
      assert.deepEqual(f.records(), ['2.0', '3.0', '4.0', '4.1', '4.2t', '4.3']);
      assert.deepEqual(plain(f.store.range(b('a'), ALL).kvs), ['a=3 c2 m4 v3 l0', 'c=1 c4 m4 v1 l0']);
    }));

  test('one write txn at a time, and none used after end()', () =>
    withStore((f) => {
      const w = f.store.write();
      assert.throws(() => f.store.write(), WriteInProgressError);
      w.end();
      assert.throws(() => w.put(b('a'), b('1')), TxnEndedError);
      assert.throws(() => w.end(), TxnEndedError);
      f.store.write().end();
    }));

  test('ranges at every past revision', () =>
    withStore((f) => {
      const expected = new Map<number, string[]>();
      expected.set(1, []);
      const steps: (() => void)[] = [
        () => f.put('a', '1'),
        () => f.put('b', '1'),
        () => f.put('a', '2'),
        () => f.del('a'),
        () => f.put('c', '1'),
        () => f.del('a', 'z'),
        () => f.put('b', '2'),
      ];
      for (const step of steps) {
        step();
        expected.set(f.store.rev, plain(f.store.range(b('a'), ALL).kvs));
      }
      assert.equal(f.store.rev, 8);
      assert.deepEqual(expected.get(4), ['a=2 c2 m4 v2 l0', 'b=1 c3 m3 v1 l0']);
      assert.deepEqual(expected.get(7), []);
      for (const [rev, kvs] of expected) {
        const r = f.store.range(b('a'), ALL, { rev });
        assert.deepEqual(plain(r.kvs), kvs, `rev ${rev}`);
        assert.equal(r.rev, 8);
      }
    }));

  test('limit, count, countOnly, keysOnly and range ends', () =>
    withStore((f) => {
      for (const k of ['a', 'b', 'c', 'd']) f.put(k, `v${k}`);
      const lim = f.store.range(b('a'), ALL, { limit: 2 });
      assert.deepEqual(plain(lim.kvs), ['a=va c2 m2 v1 l0', 'b=vb c3 m3 v1 l0']);
      assert.equal(lim.count, 4);
      assert.equal(f.store.range(b('a'), ALL, { limit: 0 }).kvs.length, 4);
      assert.equal(f.store.range(b('a'), ALL, { limit: 9 }).kvs.length, 4);
      assert.deepEqual(f.store.range(b('b'), b('d'), { countOnly: true }), { kvs: [], count: 2, rev: 5 });
      const ko = f.store.range(b('c'), ALL, { keysOnly: true });
      assert.deepEqual(plain(ko.kvs), ['c= c4 m4 v1 l0', 'd= c5 m5 v1 l0']);
      assert.equal(f.store.range(b('c')).count, 1);
      assert.equal(f.store.range(b('cc')).count, 0);
      assert.equal(f.store.range(b('b'), b('b')).count, 0);
      assert.equal(f.store.range(b('b'), ALL, { rev: 3 }).count, 1);
    }));
});

describe('KvStore revision errors', () => {
  test('future and compacted revisions fail with etcd messages; the compact point itself reads', () =>
    withStore(async (f) => {
      for (let i = 0; i < 5; i++) f.put('a', `${i}`); // revs 2..6
      assert.throws(() => f.store.range(b('a'), undefined, { rev: 7 }), (e: unknown) => {
        assert.ok(e instanceof FutureRevisionError);
        assert.equal(e.message, 'mvcc: required revision is a future revision');
        return true;
      });
      assert.equal(f.store.range(b('a'), undefined, { rev: 6 }).count, 1);
      await f.store.compact(4);
      assert.equal(f.store.compactRev, 4);
      assert.throws(() => f.store.range(b('a'), undefined, { rev: 3 }), (e: unknown) => {
        assert.ok(e instanceof CompactedError);
        assert.equal(e.message, 'mvcc: required revision has been compacted');
        return true;
      });
      assert.deepEqual(plain(f.store.range(b('a'), undefined, { rev: 4 }).kvs), ['a=2 c2 m4 v3 l0']);
      assert.deepEqual(plain(f.store.range(b('a'), undefined, { rev: 5 }).kvs), ['a=3 c2 m5 v4 l0']);
      await assert.rejects(f.store.compact(4), CompactedError);
      await assert.rejects(f.store.compact(3), CompactedError);
      await assert.rejects(f.store.compact(7), FutureRevisionError);
      assert.throws(() => f.store.hashKV(4), CompactedError);
      assert.throws(() => f.store.hashKV(7), FutureRevisionError);
    }));

  test('reads below a compaction fail from the moment it is called', () =>
    withStore(async (f) => {
      for (let i = 0; i < 5; i++) f.put(`k${i}`, 'v');
      const done = f.store.compact(5);
      assert.throws(() => f.store.range(b('k'), ALL, { rev: 4 }), CompactedError);
      await done;
      assert.equal(f.store.range(b('k'), ALL, { rev: 5 }).count, 4);
    }));
});

describe('KvStore restart', () => {
  test('reopening rebuilds index and revisions; writes continue the histories', () =>
    withStore(async (f) => {
      f.put('a', '1');
      f.put('b', '1');
      f.put('a', '2');
      f.del('b');
      const w = f.store.write();
      w.put(b('c'), b('1'));
      w.put(b('a'), b('3'));
      w.end();
      f.del('z');
      const before = new Map<number, string[]>();
      for (let rev = 1; rev <= f.store.rev; rev++) before.set(rev, plain(f.store.range(b('a'), ALL, { rev }).kvs));
      const store = await f.reopen();
      assert.equal(store.rev, 6);
      for (const [rev, kvs] of before) assert.deepEqual(plain(store.range(b('a'), ALL, { rev }).kvs), kvs, `rev ${rev}`);
      f.put('a', '4');
      f.put('b', '2');
      assert.deepEqual(plain(store.range(b('a'), ALL).kvs), ['a=4 c2 m7 v4 l0', 'b=2 c8 m8 v1 l0', 'c=1 c6 m6 v1 l0']);
    }));

  test('reopening after a compaction keeps the compact revision and exact versions', () =>
    withStore(async (f) => {
      f.put('a', '1');
      f.put('a', '2');
      f.put('b', '1');
      f.put('a', '3'); // 5
      f.del('b'); // 6
      await f.store.compact(5);
      const store = await f.reopen();
      assert.equal(store.rev, 6);
      assert.equal(store.compactRev, 5);
      assert.throws(() => store.range(b('a'), ALL, { rev: 4 }), CompactedError);
      assert.deepEqual(plain(store.range(b('a'), ALL, { rev: 5 }).kvs), ['a=3 c2 m5 v3 l0', 'b=1 c4 m4 v1 l0']);
      f.put('a', '4');
      assert.deepEqual(plain(store.range(b('a'), ALL).kvs), ['a=4 c2 m7 v4 l0']);
    }));

  test('a store whose newest records were all compacted away keeps its revision', () =>
    withStore(async (f) => {
      f.put('a', '1');
      f.del('a'); // 3
      await f.store.compact(3);
      assert.deepEqual(f.records(), []);
      const store = await f.reopen();
      assert.equal(store.rev, 3);
      assert.equal(store.compactRev, 3);
      assert.equal(f.put('a', '2'), 4);
    }));
});

describe('KeyValue records', () => {
  test('encode as etcd marshals them: zero and empty fields left out', () => {
    const kv = { key: b('a'), createRevision: 2, modRevision: 3, version: 2, value: b('1'), lease: 0n };
    assert.equal(Buffer.from(encodeKeyValue(kv)).toString('hex'), '0a0161100218032002' + '2a0131');
    const tomb = { key: b('a'), createRevision: 0, modRevision: 0, version: 0, value: new Uint8Array(0), lease: 0n };
    assert.equal(Buffer.from(encodeKeyValue(tomb)).toString('hex'), '0a0161');
  });

  test('round-trip 64-bit lease ids exactly', () => {
    for (const lease of [1n, 0x694d77a3c5b2e10fn, 2n ** 63n - 1n]) {
      const kv = { key: b('k'), createRevision: 5, modRevision: 9, version: 3, value: b('v'), lease };
      const back = decodeKeyValue(encodeKeyValue(kv));
      assert.equal(back.lease, lease);
      assert.deepEqual(plain([back]), plain([kv]));
    }
  });
});
