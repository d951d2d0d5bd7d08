import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ALL_BUCKETS,
  Bucket,
  type BucketName,
  InvalidKeyError,
  MAX_KEY_BYTES,
  UnknownBucketError,
} from '../../../server/src/backend/index.js';
import { bytes, hex, revKey, withBackend } from './helpers.js';

describe('backend put/get/delete/range', () => {
  test('keys come back in memcmp order, bytes untouched, including 0x00 and 0xff bytes', async () => {
    const keys = [
      bytes(0xff, 0x00),
      bytes(0x00),
      bytes(0x61, 0x00),
      bytes(0xff),
      bytes(0x00, 0x00),
      bytes(0x7f, 0x80),
      bytes(0x00, 0xff),
      bytes(0x61),
      bytes(0x01),
    ];
    const sorted = [...keys].sort(Buffer.compare).map((k) => k.toString('hex'));
    assert.deepEqual(sorted, ['00', '0000', '00ff', '01', '61', '6100', '7f80', 'ff', 'ff00']);
    await withBackend(async (b) => {
      keys.forEach((k, i) => b.put(Bucket.key, k, bytes(i, 0x00, 0xff)));
      const check = (): void => {
        const got = b.range(Bucket.key, bytes());
        assert.deepEqual(
          got.map(([k]) => k.toString('hex')),
          sorted,
        );
        for (const [k, v] of got) assert.deepEqual(v, bytes(keys.findIndex((x) => x.equals(k)), 0x00, 0xff));
      };
      check(); // from the pending buffer
      await b.commit();
      assert.equal(b.pendingWrites, 0);
      check(); // from LMDB
    });
  });

  test('range: end exclusive, end undefined = to the end of the bucket, limit, empty start = from the first key', async () => {
    await withBackend(async (b) => {
      for (let i = 1; i <= 9; i++) b.put(Bucket.key, revKey(i), bytes(i));
      await b.commit();
      const mains = (e: [Buffer, Buffer][]): number[] => e.map(([k]) => Number(k.readBigUInt64BE(0)));
      assert.deepEqual(mains(b.range(Bucket.key, revKey(3), revKey(6))), [3, 4, 5]);
      assert.deepEqual(mains(b.range(Bucket.key, revKey(7))), [7, 8, 9]);
      assert.deepEqual(mains(b.range(Bucket.key, revKey(2), undefined, 3)), [2, 3, 4]);
      assert.deepEqual(mains(b.range(Bucket.key, revKey(2), revKey(9), 0)), [2, 3, 4, 5, 6, 7, 8]);
      assert.deepEqual(mains(b.range(Bucket.key, bytes(), revKey(3))), [1, 2]);
      assert.deepEqual(b.range(Bucket.key, revKey(6), revKey(6)), []);
      assert.deepEqual(b.range(Bucket.key, revKey(6), revKey(2)), []);
      assert.equal(b.count(Bucket.key), 9);
      assert.equal(b.count(Bucket.key, revKey(3), revKey(6)), 3);
    });
  });

  test('pending writes merge over committed ones: a pending put replaces, a pending delete hides', async () => {
    await withBackend(async (b) => {
      for (const k of ['a', 'b', 'c', 'd']) b.put(Bucket.lease, Buffer.from(k), Buffer.from(`old-${k}`));
      await b.commit();
      b.put(Bucket.lease, Buffer.from('b'), Buffer.from('new-b'));
      b.delete(Bucket.lease, Buffer.from('c'));
      b.put(Bucket.lease, Buffer.from('e'), Buffer.from('new-e'));
      b.delete(Bucket.lease, Buffer.from('zz')); // deleting a missing key is a no-op
      const expect = ['a=old-a', 'b=new-b', 'd=old-d', 'e=new-e'];
      const show = (): string[] => b.range(Bucket.lease, bytes()).map(([k, v]) => `${k}=${v}`);
      assert.deepEqual(show(), expect);
      assert.equal(b.get(Bucket.lease, Buffer.from('c')), undefined);
      assert.equal(b.count(Bucket.lease), 4);
      await b.commit();
      assert.deepEqual(show(), expect);
      assert.equal(b.count(Bucket.lease), 4);
      // a put after a delete of the same key in one batch wins, and the reverse
      b.delete(Bucket.lease, Buffer.from('a'));
      b.put(Bucket.lease, Buffer.from('a'), Buffer.from('again'));
      b.put(Bucket.lease, Buffer.from('d'), Buffer.from('x'));
      b.delete(Bucket.lease, Buffer.from('d'));
      await b.commit();
      assert.deepEqual(show(), ['a=again', 'b=new-b', 'e=new-e']);
    });
  });

  test('buckets are separate namespaces; every bucket name of etcd exists', async () => {
    assert.deepEqual([...ALL_BUCKETS].sort(), [
      'alarm',
      'auth',
      'authRoles',
      'authUsers',
      'cluster',
      'key',
      'lease',
      'members',
      'members_removed',
      'meta',
    ]);
    await withBackend(async (b) => {
      ALL_BUCKETS.forEach((bucket, i) => b.put(bucket, Buffer.from('same'), bytes(i)));
      await b.commit();
      ALL_BUCKETS.forEach((bucket, i) => {
        assert.deepEqual(b.get(bucket, Buffer.from('same')), bytes(i));
        assert.equal(b.count(bucket), 1);
      });
    });
  });

  test('the backend copies the bytes it is given; empty values are stored', async () => {
    await withBackend(async (b) => {
      const k = Buffer.from('key');
      const v = Buffer.from('value');
      b.put(Bucket.auth, k, v);
      k.fill(0x21);
      v.fill(0x21);
      b.put(Bucket.auth, Buffer.from('empty'), bytes());
      assert.deepEqual(b.get(Bucket.auth, Buffer.from('key')), Buffer.from('value'));
      await b.commit();
      assert.deepEqual(b.get(Bucket.auth, Buffer.from('key')), Buffer.from('value'));
      assert.deepEqual(b.get(Bucket.auth, Buffer.from('empty')), bytes());
      // plain Uint8Array works as well as Buffer
      b.put(Bucket.auth, new Uint8Array([1, 2]), new Uint8Array([3]));
      assert.deepEqual(b.get(Bucket.auth, new Uint8Array([1, 2])), bytes(3));
    });
  });

  test('bad buckets and keys are refused clearly', async () => {
    await withBackend(async (b) => {
      assert.throws(() => b.put('nope' as BucketName, bytes(1), bytes(1)), UnknownBucketError);
      assert.throws(() => b.get('nope' as BucketName, bytes(1)), UnknownBucketError);
      assert.throws(() => b.put(Bucket.key, bytes(), bytes(1)), InvalidKeyError);
      assert.throws(() => b.put(Bucket.key, Buffer.alloc(MAX_KEY_BYTES + 1), bytes(1)), InvalidKeyError);
      assert.equal(b.get(Bucket.key, bytes()), undefined);
      b.put(Bucket.key, Buffer.alloc(MAX_KEY_BYTES, 7), bytes(9));
      await b.commit();
      assert.deepEqual(b.get(Bucket.key, Buffer.alloc(MAX_KEY_BYTES, 7)), bytes(9));
    });
  });

  test('large values (overflow pages) round-trip', async () => {
    await withBackend(async (b) => {
      const big = Buffer.alloc(1_500_000);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
      b.put(Bucket.key, revKey(1), big);
      await b.commit();
      assert.ok(b.get(Bucket.key, revKey(1))?.equals(big));
      assert.deepEqual(hex(b.range(Bucket.key, revKey(2))), []);
    });
  });
});
