import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Backend, Bucket } from '../../../server/src/backend/index.js';
import { FOREVER, LeaseCorruptError, Lessor, decodeLease, encodeLease, leaseKey } from '../../../server/src/lease/index.js';
import { tempDb } from '../backend/helpers.js';
import { FakeClock, recordingDeleter, withLessor } from './helpers.js';

describe('lease records', () => {
  test('are encoded as etcd encodes leasepb.Lease, keyed by the id as 8 bytes big-endian', () => {
    assert.deepEqual([...encodeLease({ id: 1n, ttl: 10, remainingTtl: 0 })], [0x08, 0x01, 0x10, 0x0a]);
    assert.deepEqual([...encodeLease({ id: 300n, ttl: 5, remainingTtl: 4 })], [0x08, 0xac, 0x02, 0x10, 0x05, 0x18, 0x04]);
    assert.deepEqual([...leaseKey(0x0102030405060708n)], [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual([...leaseKey(-1n)], [255, 255, 255, 255, 255, 255, 255, 255]);
    for (const r of [
      { id: 0x7fffffffffffffffn, ttl: 9_000_000_000, remainingTtl: 1 },
      { id: -5n, ttl: 60, remainingTtl: 0 },
    ]) {
      assert.deepEqual(decodeLease(encodeLease(r)), r);
    }
  });
});

describe('lessor: restore from the backend', () => {
  test('reopening brings back every lease with its ttl and checkpointed remainder, without expiry', () =>
    withLessor(async (f) => {
      f.lessor.promote(0);
      f.lessor.grant(1n, 60);
      f.lessor.grant(2n, 1);
      f.lessor.grant(3n, 600);
      f.lessor.grant(-9n, 30);
      f.lessor.checkpoint(3n, 420);
      f.lessor.revoke(1n, recordingDeleter().deleter);
      const lessor = await f.reopen();
      assert.ok(!lessor.isPrimary);
      assert.deepEqual(lessor.leases(), [
        { id: -9n, ttl: 30, remainingTtl: 0, expiry: FOREVER, keyCount: 0 },
        { id: 2n, ttl: 5, remainingTtl: 0, expiry: FOREVER, keyCount: 0 },
        { id: 3n, ttl: 600, remainingTtl: 420, expiry: FOREVER, keyCount: 0 },
      ]);
      lessor.promote(1_000);
      assert.equal(lessor.lookup(3n)?.expiry, f.clock.t + 421_000, 'the remainder, not the full ttl');
      assert.equal(lessor.lookup(-9n)?.expiry, f.clock.t + 31_000);
    }));

  test('a larger minimum TTL raises restored leases too', () =>
    withLessor(async (f) => {
      f.lessor.grant(1n, 6);
      f.lessor.grant(2n, 60);
      const lessor = await f.reopen({ minLeaseTTL: 10 });
      assert.equal(lessor.lookup(1n)?.ttl, 10);
      assert.equal(lessor.lookup(2n)?.ttl, 60);
    }));

  test('a record that is not a lease stops the open with LeaseCorruptError', async () => {
    const t = tempDb();
    const backend = Backend.open(t.path);
    try {
      backend.put(Bucket.lease, leaseKey(1n), Buffer.from([0x08, 0xff]));
      assert.throws(() => Lessor.open(backend, { minLeaseTTL: 5, clock: new FakeClock().now }), LeaseCorruptError);
    } finally {
      await backend.close();
      t.cleanup();
    }
  });

  test('recover() replaces every lease with those of another backend', () =>
    withLessor(async (f) => {
      const other = tempDb();
      const b2 = Backend.open(other.path);
      try {
        const l2 = Lessor.open(b2, { minLeaseTTL: 5, clock: f.clock.now });
        l2.grant(50n, 20);
        l2.grant(51n, 40);
        f.lessor.grant(1n, 10);
        f.lessor.attach(1n, Buffer.from('k'));
        f.lessor.promote(0);
        f.lessor.recover(b2);
        assert.deepEqual(
          f.lessor.leases().map((l) => [l.id, l.expiry - f.clock.t]),
          [
            [50n, 20_000],
            [51n, 40_000],
          ],
        );
        f.clock.advance(20_000);
        assert.deepEqual(f.lessor.expiredLeases(), [50n]);
        f.lessor.grant(52n, 10);
        assert.ok(b2.get(Bucket.lease, leaseKey(52n)) !== undefined, 'writes go to the new backend');
        assert.equal(f.backend.get(Bucket.lease, leaseKey(52n)), undefined);
      } finally {
        await b2.close();
        other.cleanup();
      }
    }));
});
