import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Backend, Bucket, InvalidKeyError } from '../../../server/src/backend/index.js';
import { revKey, withBackend } from './helpers.js';

describe('backend bulk load', () => {
  test('lands after pending writes, is durable at once, and is seen by reads and reopen', async () => {
    await withBackend(async (b, path) => {
      b.put(Bucket.key, revKey(1), Buffer.from('pending'));
      const pairs = function* (): Generator<[Buffer, Buffer]> {
        for (let i = 2; i < 1_002; i++) yield [revKey(i), Buffer.from(`v${i}`)];
      };
      assert.equal(await b.load(Bucket.key, pairs(), 100), 1_000);
      assert.equal(b.pendingWrites, 0, 'the pending put was committed before the load');
      assert.equal(b.count(Bucket.key), 1_001);
      assert.equal(b.get(Bucket.key, revKey(500))?.toString(), 'v500');
      await b.close();
      const again = Backend.open(path);
      try {
        assert.equal(again.count(Bucket.key), 1_001);
        assert.equal(again.get(Bucket.key, revKey(1))?.toString(), 'pending');
      } finally {
        await again.close();
      }
    });
  });

  test('a bad key stops the load with the backend still usable', async () => {
    await withBackend(async (b) => {
      const pairs: Array<[Buffer, Buffer]> = [[revKey(2), Buffer.from('a')], [Buffer.alloc(0), Buffer.from('b')]];
      await assert.rejects(b.load(Bucket.key, pairs), InvalidKeyError);
      b.put(Bucket.key, revKey(3), Buffer.from('c'));
      await b.commit();
      assert.equal(b.get(Bucket.key, revKey(3))?.toString(), 'c');
    });
  });
});
