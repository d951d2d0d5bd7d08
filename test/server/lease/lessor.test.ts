import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Bucket } from '../../../server/src/backend/index.js';
import {
  FOREVER,
  FOREVER_SECONDS,
  GRPC_LEASE_ERRORS,
  LeaseExistsError,
  LeaseNotFoundError,
  LeaseTtlTooLargeError,
  Lessor,
  MAX_LEASE_TTL,
  NotPrimaryError,
  decodeLease,
  leaseKey,
} from '../../../server/src/lease/index.js';
import { b, recordingDeleter, str, withLessor } from './helpers.js';

describe('lessor: grant', () => {
  test('persists the lease in the lease bucket and raises short TTLs to the minimum', () =>
    withLessor((f) => {
      const l = f.lessor;
      assert.deepEqual(l.grant(7n, 60), { id: 7n, ttl: 60, remainingTtl: 0, expiry: FOREVER, keyCount: 0 });
      assert.equal(l.grant(8n, 2).ttl, 5);
      assert.equal(l.grant(9n, -3).ttl, 5);
      const raw = f.backend.get(Bucket.lease, leaseKey(8n));
      assert.ok(raw !== undefined);
      assert.deepEqual(decodeLease(raw), { id: 8n, ttl: 5, remainingTtl: 0 });
      assert.equal(l.lookup(7n)?.ttl, 60);
      assert.equal(l.lookup(10n), undefined);
      assert.ok(l.has(9n));
      assert.ok(!l.has(10n));
    }));

  test('refuses id 0, duplicates and TTLs above the maximum, with etcd texts', () =>
    withLessor((f) => {
      const l = f.lessor;
      assert.throws(() => l.grant(0n, 10), (e: unknown) => e instanceof LeaseNotFoundError && e.message === 'lease not found');
      l.grant(1n, 10);
      assert.throws(() => l.grant(1n, 20), (e: unknown) => e instanceof LeaseExistsError && e.message === 'lease already exists');
      assert.equal(l.lookup(1n)?.ttl, 10);
      assert.throws(() => l.grant(2n, MAX_LEASE_TTL + 1), (e: unknown) => e instanceof LeaseTtlTooLargeError && e.message === 'too large lease TTL');
      assert.ok(!l.has(2n));
      assert.equal(l.grant(3n, MAX_LEASE_TTL).ttl, MAX_LEASE_TTL);
      assert.throws(() => l.grant(1n << 63n, 10), RangeError);
    }));

  test('a lease granted off the leader has no expiry; on the leader it expires ttl from now', () =>
    withLessor((f) => {
      f.lessor.grant(1n, 10);
      assert.equal(f.lessor.lookup(1n)?.expiry, FOREVER);
      f.lessor.promote(0);
      f.lessor.grant(2n, 10);
      assert.equal(f.lessor.lookup(2n)?.expiry, f.clock.t + 10_000);
    }));

  test('leases() lists every lease by id, negative ids first', () =>
    withLessor((f) => {
      for (const id of [30n, -4n, 2n, 1000n, 17n]) f.lessor.grant(id, 10);
      assert.deepEqual(
        f.lessor.leases().map((x) => x.id),
        [-4n, 2n, 17n, 30n, 1000n],
      );
    }));
});

describe('lessor: renew', () => {
  test('only the primary renews', () =>
    withLessor((f) => {
      f.lessor.grant(1n, 10);
      assert.throws(() => f.lessor.renew(1n), (e: unknown) => e instanceof NotPrimaryError && e.message === 'not a primary lessor');
    }));

  test('resets the expiry to now + ttl and returns the ttl', () =>
    withLessor((f) => {
      f.lessor.promote(0);
      f.lessor.grant(1n, 10);
      f.clock.advance(7_000);
      assert.equal(f.lessor.renew(1n), 10);
      assert.equal(f.lessor.lookup(1n)?.expiry, f.clock.t + 10_000);
      assert.throws(() => f.lessor.renew(2n), LeaseNotFoundError);
    }));

  test('an expired lease cannot be renewed', () =>
    withLessor((f) => {
      f.lessor.promote(0);
      f.lessor.grant(1n, 10);
      f.clock.advance(9_999);
      f.lessor.renew(1n);
      f.clock.advance(10_000);
      assert.throws(() => f.lessor.renew(1n), LeaseNotFoundError);
      assert.ok(f.lessor.has(1n), 'still there until its revocation applies');
    }));
});

describe('lessor: timeToLive', () => {
  test('reports whole seconds left, truncated, and the granted ttl', () =>
    withLessor((f) => {
      f.lessor.promote(0);
      f.lessor.grant(1n, 10);
      assert.deepEqual(f.lessor.timeToLive(1n), { id: 1n, grantedTtl: 10, ttl: 10, keys: [] });
      f.clock.advance(1);
      assert.equal(f.lessor.timeToLive(1n).ttl, 9);
      f.clock.advance(8_999);
      assert.equal(f.lessor.timeToLive(1n).ttl, 1);
      f.clock.advance(500);
      assert.equal(f.lessor.timeToLive(1n).ttl, 0);
      f.clock.advance(500);
      assert.equal(f.lessor.timeToLive(1n).ttl, 0);
      f.clock.advance(1_000);
      assert.equal(f.lessor.timeToLive(1n).ttl, -1, 'expired, not yet revoked');
      assert.throws(() => f.lessor.timeToLive(5n), LeaseNotFoundError);
    }));

  test('off the leader a lease shows the forever remainder', () =>
    withLessor((f) => {
      f.lessor.grant(1n, 10);
      assert.equal(f.lessor.timeToLive(1n).ttl, FOREVER_SECONDS);
    }));

  test('lists attached keys in byte order', () =>
    withLessor((f) => {
      f.lessor.grant(1n, 10);
      for (const k of ['b', 'a\xff', 'a', '\x00z', 'ab']) f.lessor.attach(1n, b(k));
      assert.deepEqual(f.lessor.timeToLive(1n).keys.map(str), ['\x00z', 'a', 'ab', 'a\xff', 'b']);
    }));
});

describe('lessor: attach and detach', () => {
  test('keeps the set of keys per lease', () =>
    withLessor((f) => {
      f.lessor.grant(1n, 10);
      f.lessor.grant(2n, 10);
      f.lessor.attach(1n, b('x'));
      f.lessor.attach(1n, b('x'));
      f.lessor.attach(1n, b('y'));
      f.lessor.attach(2n, b('z'));
      assert.equal(f.lessor.lookup(1n)?.keyCount, 2);
      f.lessor.detach(1n, b('x'));
      f.lessor.detach(1n, b('nope'));
      assert.deepEqual(f.lessor.timeToLive(1n).keys.map(str), ['y']);
      assert.deepEqual(f.lessor.timeToLive(2n).keys.map(str), ['z']);
    }));

  test('attach to an unknown lease throws; detach from one is ignored', () =>
    withLessor((f) => {
      assert.throws(() => f.lessor.attach(3n, b('k')), LeaseNotFoundError);
      f.lessor.detach(3n, b('k'));
    }));

  test('attached keys are copies: changing the caller buffer changes nothing', () =>
    withLessor((f) => {
      f.lessor.grant(1n, 10);
      const k = b('abc');
      f.lessor.attach(1n, k);
      k[0] = 0x7a;
      assert.deepEqual(f.lessor.timeToLive(1n).keys.map(str), ['abc']);
    }));
});

describe('lessor: revoke', () => {
  test('deletes the keys in sorted order in one txn and removes the lease record', () =>
    withLessor((f) => {
      f.lessor.grant(1n, 10);
      f.lessor.grant(2n, 10);
      for (const k of ['m', 'c', 'x', 'a']) f.lessor.attach(1n, b(k));
      f.lessor.attach(2n, b('other'));
      const { deleter, log } = recordingDeleter();
      f.lessor.revoke(1n, deleter);
      assert.deepEqual(log, ['begin', 'delete a', 'delete c', 'delete m', 'delete x', 'end']);
      assert.ok(!f.lessor.has(1n));
      assert.equal(f.lessor.lookup(1n), undefined);
      assert.equal(f.backend.get(Bucket.lease, leaseKey(1n)), undefined);
      assert.ok(f.backend.get(Bucket.lease, leaseKey(2n)) !== undefined);
      assert.throws(() => f.lessor.revoke(1n, deleter), LeaseNotFoundError);
    }));

  test('a revoked lease no longer expires and cannot be renewed', () =>
    withLessor((f) => {
      f.lessor.promote(0);
      f.lessor.grant(1n, 10);
      f.lessor.revoke(1n, recordingDeleter().deleter);
      f.clock.advance(20_000);
      assert.deepEqual(f.lessor.expiredLeases(), []);
      assert.throws(() => f.lessor.renew(1n), LeaseNotFoundError);
    }));
});

describe('lease errors: the client-facing table', () => {
  test('holds etcd 3.4 rpctypes texts and codes', () => {
    assert.deepEqual(GRPC_LEASE_ERRORS[new LeaseNotFoundError().name as 'LeaseNotFoundError'], { code: 5, message: 'etcdserver: requested lease not found' });
    assert.deepEqual(GRPC_LEASE_ERRORS[new LeaseExistsError().name as 'LeaseExistsError'], { code: 9, message: 'etcdserver: lease already exists' });
    assert.deepEqual(GRPC_LEASE_ERRORS[new LeaseTtlTooLargeError().name as 'LeaseTtlTooLargeError'], { code: 11, message: 'etcdserver: too large lease TTL' });
  });
});

describe('lessor: options', () => {
  test('0 means the default interval; a negative one is refused', async () => {
    await withLessor((f) => {
      f.lessor.promote(0);
      f.lessor.grant(1n, 10);
      f.clock.advance(10_000);
      assert.deepEqual(f.lessor.expiredLeases(), [1n]);
      f.clock.advance(2_999);
      assert.deepEqual(f.lessor.expiredLeases(), [], 'the default 3 s retry interval');
      f.clock.advance(1);
      assert.deepEqual(f.lessor.expiredLeases(), [1n]);
    }, { expiredLeasesRetryInterval: 0 });
    await withLessor((f) => {
      assert.throws(() => Lessor.open(f.backend, { minLeaseTTL: 5, clock: f.clock.now, checkpointInterval: -1 }), RangeError);
    });
  });
});
