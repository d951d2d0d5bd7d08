import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Bucket } from '../../../server/src/backend/index.js';
import { CompactedError, FutureRevisionError } from '../../../server/src/mvcc/index.js';
import { crc32c, disableFailpoint, enableFailpoint, FailpointError } from '../../../server/src/util/index.js';
import { ALL, StoreFixture, b, plain } from './store-helpers.js';

async function withStore(fn: (f: StoreFixture) => Promise<void>, batch?: number): Promise<void> {
  const f = await StoreFixture.create(batch === undefined ? {} : { compactionBatchLimit: batch });
  try {
    await fn(f);
  } finally {
    await f.close();
  }
}

/** a@2 a@3 b@4 del a@5 b@6 c@7 */
function history(f: StoreFixture): void {
  f.put('a', '1');
  f.put('a', '2');
  f.put('b', '1');
  f.del('a');
  f.put('b', '2');
  f.put('c', '1');
}

describe('KvStore compaction', () => {
  test('drops exactly the superseded revisions from the backend', () =>
    withStore(async (f) => {
      history(f);
      assert.deepEqual(f.records(), ['2.0', '3.0', '4.0', '5.0t', '6.0', '7.0']);
      await f.store.compact(3);
      assert.deepEqual(f.records(), ['3.0', '4.0', '5.0t', '6.0', '7.0']);
      await f.store.compact(5);
      // a's life ended at the compact point (tombstone dropped too); b keeps its value at 5.
      assert.deepEqual(f.records(), ['4.0', '6.0', '7.0']);
      assert.deepEqual(plain(f.store.range(b('a'), ALL, { rev: 5 }).kvs), ['b=1 c4 m4 v1 l0']);
      await f.store.compact(7);
      assert.deepEqual(f.records(), ['6.0', '7.0']);
      const meta = (k: string): number | undefined => f.backend.get(Bucket.meta, b(k))?.readUInt32BE(4);
      assert.equal(meta('scheduledCompactRev'), 7);
      assert.equal(meta('finishedCompactRev'), 7);
    }));

  test('multi-op txns: only the revisions a compaction supersedes go', () =>
    withStore(async (f) => {
      const w = f.store.write();
      w.put(b('a'), b('1'));
      w.put(b('b'), b('1'));
      w.put(b('a'), b('2'));
      w.end(); // 2.0 2.1 2.2
      f.put('b', '2'); // 3
      await f.store.compact(2);
      assert.deepEqual(f.records(), ['2.1', '2.2', '3.0']);
      assert.deepEqual(plain(f.store.range(b('a'), ALL, { rev: 2 }).kvs), ['a=2 c2 m2 v2 l0', 'b=1 c2 m2 v1 l0']);
    }));

  test('writes and reads interleave with a compaction in small batches', () =>
    withStore(async (f) => {
      for (let i = 0; i < 60; i++) f.put(`k${i % 20}`, `${i}`); // revs 2..61
      const done = f.store.compact(61);
      let writesDuring = 0;
      let finished = false;
      void done.then(() => (finished = true));
      while (!finished) {
        f.put('late', `${writesDuring++}`);
        assert.equal(f.store.range(b('k'), ALL, { rev: 61 }).count, 20);
        await new Promise((r) => setImmediate(r));
      }
      await done;
      assert.ok(writesDuring > 1, `writes ran during the compaction (${writesDuring})`);
      assert.equal(f.records().length, 20 + writesDuring);
      assert.deepEqual(plain(f.store.range(b('late')).kvs), [`late=${writesDuring - 1} c62 m${61 + writesDuring} v${writesDuring} l0`]);
    }, 3));

  test('a crash before the end of a compaction is finished by the next open', () =>
    withStore(async (f) => {
      history(f);
      enableFailpoint('compactBeforeFinish', 'throw');
      try {
        await assert.rejects(f.store.compact(5), FailpointError);
      } finally {
        disableFailpoint('compactBeforeFinish');
      }
      assert.equal(f.backend.get(Bucket.meta, b('finishedCompactRev')), undefined);
      assert.equal(f.backend.get(Bucket.meta, b('scheduledCompactRev'))?.readUInt32BE(4), 5);
      const store = await f.reopen();
      assert.equal(store.compactRev, 5);
      assert.equal(store.rev, 7);
      assert.equal(f.backend.get(Bucket.meta, b('finishedCompactRev'))?.readUInt32BE(4), 5);
      assert.deepEqual(f.records(), ['4.0', '6.0', '7.0']);
      assert.throws(() => store.range(b('a'), ALL, { rev: 4 }), CompactedError);
      assert.deepEqual(plain(store.range(b('a'), ALL, { rev: 6 }).kvs), ['b=2 c4 m6 v2 l0']);
    }));

  test('a compaction scheduled but never started (crash right after the plan) is run on open', () =>
    withStore(async (f) => {
      history(f);
      f.backend.put(Bucket.meta, b('scheduledCompactRev'), Buffer.from('00000000000000035f0000000000000000', 'hex'));
      const store = await f.reopen();
      assert.equal(store.compactRev, 3);
      assert.deepEqual(f.records(), ['3.0', '4.0', '5.0t', '6.0', '7.0']);
    }));
});

describe('KvStore hashKV', () => {
  test('is CRC-32C over "key" and the records, and equal for equal histories', async () => {
    const f1 = await StoreFixture.create();
    const f2 = await StoreFixture.create();
    try {
      let expected = crc32c(b('key'));
      for (const [k, v] of f1.backend.range(Bucket.key, new Uint8Array(0))) expected = crc32c(v, crc32c(k, expected));
      assert.deepEqual(f1.store.hashKV(), { hash: expected, compactRevision: -1, revision: 1 });
      history(f1);
      history(f2);
      const h1 = f1.store.hashKV();
      assert.deepEqual(h1, f2.store.hashKV());
      assert.equal(h1.revision, 7);
      for (let rev = 1; rev <= 7; rev++) assert.equal(f1.store.hashKV(rev).hash, f2.store.hashKV(rev).hash);
      assert.notEqual(f1.store.hashKV(6).hash, h1.hash);
      await f1.store.compact(4);
      await f2.store.compact(4);
      assert.deepEqual(f1.store.hashKV(), f2.store.hashKV());
      assert.equal(f1.store.hashKV().compactRevision, 4);
      f2.put('c', 'other');
      f1.put('c', 'other!');
      assert.notEqual(f1.store.hashKV().hash, f2.store.hashKV().hash);
    } finally {
      await f1.close();
      await f2.close();
    }
  });

  test('leaves out what a compaction at the revision would drop, and is stable across restart', () =>
    withStore(async (f) => {
      history(f);
      const at7 = f.store.hashKV(7);
      const at6 = f.store.hashKV(6);
      await f.store.compact(5);
      // With compactRev 5, records ≤ 5 that Keep(rev) would not keep are out of the hash.
      const after = f.store.hashKV(7);
      assert.equal(after.compactRevision, 5);
      // Records left: 4 (b, kept by compaction at 5), 6, 7. Keep(7) holds only b@6 and c@7, so
      // b@4 (≤ compactRev, not kept at 7) is out, as etcd's HashByRev leaves it out.
      assert.deepEqual(f.records(), ['4.0', '6.0', '7.0']);
      let expected = crc32c(b('key'));
      for (const [k, v] of f.backend.range(Bucket.key, new Uint8Array(0))) {
        if (k.readUInt32BE(4) > 4) expected = crc32c(v, crc32c(k, expected));
      }
      assert.equal(after.hash, expected);
      assert.notEqual(after.hash, at7.hash);
      assert.notEqual(at6.hash, at7.hash);
      const h6 = f.store.hashKV(6);
      await f.reopen();
      assert.deepEqual(f.store.hashKV(7), after);
      assert.deepEqual(f.store.hashKV(6), h6);
      assert.deepEqual(f.store.hashKV(), after);
      assert.throws(() => f.store.hashKV(8), FutureRevisionError);
      assert.throws(() => f.store.hashKV(5), CompactedError);
    }));
});

describe('KvStore hash (whole backend)', () => {
  test('covers every bucket in name order but the consistent index and term; equal for equal contents', async () => {
    const f1 = await StoreFixture.create();
    const f2 = await StoreFixture.create();
    try {
      history(f1);
      history(f2);
      f1.backend.setConsistentIndex(10, 2);
      f2.backend.setConsistentIndex(99, 7);
      assert.deepEqual(f1.store.hash(), f2.store.hash(), 'the apply bookkeeping is left out');
      assert.equal(f1.store.hash().revision, 7);
      const names = ['alarm', 'auth', 'authRoles', 'authUsers', 'cluster', 'key', 'lease', 'members', 'members_removed', 'meta'];
      let expected = 0;
      for (const name of names) {
        expected = crc32c(b(name), expected);
        for (const [k, v] of f1.backend.range(name as Parameters<typeof f1.backend.range>[0], new Uint8Array(0))) {
          if (name === 'meta' && (k.toString() === 'consistent_index' || k.toString() === 'term')) continue;
          expected = crc32c(v, crc32c(k, expected));
        }
      }
      assert.equal(f1.store.hash().hash, expected);
      f2.backend.put(Bucket.lease, b('\x00\x00\x00\x00\x00\x00\x00\x01'), b('x'));
      assert.notEqual(f1.store.hash().hash, f2.store.hash().hash, 'other buckets count');
    } finally {
      await f1.close();
      await f2.close();
    }
  });
});
