import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FOREVER, NotPrimaryError } from '../../../server/src/lease/index.js';
import { recordingDeleter, withLessor } from './helpers.js';

describe('lessor: promote and demote', () => {
  test('promote gives every lease its ttl plus the extension from now', () =>
    withLessor((f) => {
      f.lessor.grant(1n, 10);
      f.lessor.grant(2n, 30);
      f.clock.advance(60_000);
      f.lessor.promote(1_500);
      const t = f.clock.t;
      assert.equal(f.lessor.lookup(1n)?.expiry, t + 11_500);
      assert.equal(f.lessor.lookup(2n)?.expiry, t + 31_500);
      f.clock.advance(11_499);
      assert.deepEqual(f.lessor.expiredLeases(), []);
      f.clock.advance(1);
      assert.deepEqual(f.lessor.expiredLeases(), [1n]);
    }));

  test('demote stops expiry: nothing comes out, renew is refused, expiries are forever', () =>
    withLessor((f) => {
      f.lessor.promote(0);
      f.lessor.grant(1n, 10);
      f.lessor.demote();
      assert.ok(!f.lessor.isPrimary);
      assert.equal(f.lessor.lookup(1n)?.expiry, FOREVER);
      f.clock.advance(3_600_000);
      assert.deepEqual(f.lessor.expiredLeases(), []);
      assert.throws(() => f.lessor.renew(1n), NotPrimaryError);
      f.lessor.promote(0);
      assert.deepEqual(f.lessor.expiredLeases(), [], 'a new term starts the clock again');
      f.clock.advance(10_000);
      assert.deepEqual(f.lessor.expiredLeases(), [1n]);
    }));

  test('without enough leases to pile up, promote does not spread', () =>
    withLessor(
      (f) => {
        for (let i = 1n; i <= 7n; i++) f.lessor.grant(i, 10);
        f.lessor.promote(0);
        for (const l of f.lessor.leases()) assert.equal(l.expiry, f.clock.t + 10_000);
      },
      { leaseRevokeRate: 8 },
    ));

  test('promote spreads a pile-up: the leases past 3/4 of the rate in a second are pushed back', () =>
    withLessor(
      (f) => {
        for (let i = 1n; i <= 20n; i++) f.lessor.grant(i, 10);
        f.lessor.promote(2_000);
        const base = f.clock.t + 12_000;
        const expiries = f.lessor.leases().map((l) => l.expiry - base);
        const target = 6; // 3/4 of 8
        // The first `target` keep their expiry; the k-th after them waits k/target seconds.
        assert.deepEqual(expiries.slice(0, target), new Array<number>(target).fill(0));
        for (let k = target + 1; k <= 20; k++) assert.equal(expiries[k - 1], Math.trunc((1000 * k) / target), `lease ${k}`);
        // No second holds more than the target.
        const sorted = [...expiries].sort((a, c) => a - c);
        for (const e of sorted) assert.ok(sorted.filter((x) => x >= e && x < e + 1000).length <= target);
      },
      { leaseRevokeRate: 8 },
    ));

  test('leases expiring a while apart are not delayed', () =>
    withLessor(
      (f) => {
        for (let i = 1n; i <= 8n; i++) f.lessor.grant(i, 10 + Number(i) * 5);
        f.lessor.promote(0);
        for (const l of f.lessor.leases()) assert.equal(l.expiry, f.clock.t + l.ttl * 1000);
      },
      { leaseRevokeRate: 8 },
    ));
});

describe('lessor: expired leases', () => {
  test('come out in expiry order, at most limit per call', () =>
    withLessor((f) => {
      f.lessor.promote(0);
      const ttls: [bigint, number][] = [[1n, 40], [2n, 10], [3n, 30], [4n, 20], [5n, 10], [6n, 50]];
      for (const [id, ttl] of ttls) f.lessor.grant(id, ttl);
      f.clock.advance(45_000);
      assert.deepEqual(f.lessor.expiredLeases(2), [2n, 5n]);
      assert.deepEqual(f.lessor.expiredLeases(2), [4n, 3n]);
      assert.deepEqual(f.lessor.expiredLeases(2), [1n]);
      assert.deepEqual(f.lessor.expiredLeases(2), []);
    }));

  test('are not handed out again within the retry interval, and are after it unless revoked', () =>
    withLessor(
      (f) => {
        f.lessor.promote(0);
        f.lessor.grant(1n, 10);
        f.lessor.grant(2n, 10);
        f.clock.advance(10_000);
        assert.deepEqual(f.lessor.expiredLeases(), [1n, 2n]);
        f.clock.advance(2_999);
        assert.deepEqual(f.lessor.expiredLeases(), []);
        f.lessor.revoke(2n, recordingDeleter().deleter);
        f.clock.advance(1);
        assert.deepEqual(f.lessor.expiredLeases(), [1n], 'the lost revocation is retried');
        assert.deepEqual(f.lessor.expiredLeases(), []);
      },
      { expiredLeasesRetryInterval: 3_000 },
    ));

  test('a renewed lease does not come out at its old expiry', () =>
    withLessor((f) => {
      f.lessor.promote(0);
      f.lessor.grant(1n, 10);
      f.lessor.grant(2n, 10);
      f.clock.advance(6_000);
      f.lessor.renew(1n);
      f.clock.advance(4_000);
      assert.deepEqual(f.lessor.expiredLeases(), [2n]);
      f.lessor.revoke(2n, recordingDeleter().deleter);
      f.clock.advance(5_999);
      assert.deepEqual(f.lessor.expiredLeases(), []);
      f.clock.advance(1);
      assert.deepEqual(f.lessor.expiredLeases(), [1n]);
    }));

  test('nothing comes out of a lessor that was never promoted', () =>
    withLessor((f) => {
      f.lessor.grant(1n, 5);
      f.clock.advance(1e9);
      assert.deepEqual(f.lessor.expiredLeases(), []);
    }));

  test('the default limit is half the revoke rate', () =>
    withLessor((f) => {
      f.lessor.promote(0);
      for (let i = 1n; i <= 600n; i++) f.lessor.grant(i, 5 + Number(i % 7n));
      f.clock.advance(60_000);
      const first = f.lessor.expiredLeases();
      assert.equal(first.length, 500);
      const second = f.lessor.expiredLeases();
      assert.equal(second.length, 100);
      assert.equal(new Set([...first, ...second]).size, 600);
    }));
});
