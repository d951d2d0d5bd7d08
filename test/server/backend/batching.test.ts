import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Backend, Bucket } from '../../../server/src/backend/index.js';
import { revKey, tempDb, waitFor, withBackend } from './helpers.js';

describe('batched commits', () => {
  test('commit by limit: reaching batchLimit pending writes commits them in one transaction', async () => {
    await withBackend(
      async (b) => {
        for (let i = 0; i < 250; i++) b.put(Bucket.key, revKey(i), Buffer.from('x'));
        assert.equal(b.commitCount, 0);
        await waitFor(() => b.commitCount === 1, 'the limit-triggered commit');
        assert.equal(b.pendingWrites, 0);
        for (let i = 0; i < 99; i++) b.delete(Bucket.key, revKey(i));
        assert.equal(b.pendingWrites, 99);
        b.delete(Bucket.key, revKey(99));
        await waitFor(() => b.commitCount === 2, 'the second limit-triggered commit');
        assert.equal(b.count(Bucket.key), 150);
      },
      { batchLimit: 100, batchIntervalMs: 3_600_000 },
    );
  });

  test('commit by interval: pending writes commit on the timer without being asked', async () => {
    await withBackend(
      async (b) => {
        b.put(Bucket.key, revKey(1), Buffer.from('x'));
        await waitFor(() => b.commitCount === 1, 'the interval commit');
        assert.equal(b.pendingWrites, 0);
        b.setConsistentIndex(5, 1);
        await waitFor(() => b.commitCount === 2, 'the next interval commit');
        // nothing pending: the timer does not make empty commits
        await b.commit();
        assert.equal(b.commitCount, 2);
      },
      { batchLimit: 1e9, batchIntervalMs: 10 },
    );
  });

  test('commit() with nothing pending resolves without a transaction; concurrent commits each cover their writes', async () => {
    await withBackend(async (b) => {
      await b.commit();
      assert.equal(b.commitCount, 0);
      b.put(Bucket.key, revKey(1), Buffer.from('a'));
      const c1 = b.commit();
      b.put(Bucket.key, revKey(2), Buffer.from('b'));
      const c2 = b.commit();
      await c2;
      // c1 may have taken both writes (it runs after the second put); either way, by the time
      // c2 resolves nothing put before it is pending
      assert.equal(b.pendingWrites, 0);
      await c1;
      assert.ok(b.commitCount >= 1 && b.commitCount <= 2);
      b.put(Bucket.key, revKey(3), Buffer.from('c'));
      await b.commit();
      b.put(Bucket.key, revKey(4), Buffer.from('d'));
      await b.commit();
      assert.equal(b.count(Bucket.key), 4);
    });
  });

  test('data survive close and reopen, including writes still pending at close', async () => {
    const t = tempDb();
    try {
      const b = Backend.open(t.path, { batchIntervalMs: 3_600_000 });
      for (let i = 0; i < 1000; i++) b.put(Bucket.key, revKey(i), Buffer.from(`v${i}`));
      b.put(Bucket.alarm, Buffer.from('a1'), Buffer.from('NOSPACE'));
      await b.commit();
      for (let i = 0; i < 1000; i += 2) b.delete(Bucket.key, revKey(i));
      b.put(Bucket.authUsers, Buffer.from('root'), Buffer.from('user'));
      b.setConsistentIndex(77, 3);
      await b.close(); // commits the pending deletes and puts
      const again = Backend.open(t.path);
      try {
        assert.equal(again.count(Bucket.key), 500);
        assert.equal(again.get(Bucket.key, revKey(1))?.toString(), 'v1');
        assert.equal(again.get(Bucket.key, revKey(2)), undefined);
        assert.equal(again.get(Bucket.alarm, Buffer.from('a1'))?.toString(), 'NOSPACE');
        assert.equal(again.get(Bucket.authUsers, Buffer.from('root'))?.toString(), 'user');
        assert.deepEqual(again.consistentIndex(), { index: 77, term: 3 });
      } finally {
        await again.close();
      }
    } finally {
      t.cleanup();
    }
  });
});
