import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Bucket } from '../../../server/src/backend/index.js';
import { decodeLease, leaseKey } from '../../../server/src/lease/index.js';
import { withLessor } from './helpers.js';

const ON = { checkpointing: true, checkpointInterval: 60_000 };

describe('lessor: checkpoints', () => {
  test('none are due when checkpointing is off', () =>
    withLessor((f) => {
      f.lessor.promote(0);
      f.lessor.grant(1n, 3600);
      f.clock.advance(600_000);
      assert.deepEqual(f.lessor.dueCheckpoints(), []);
    }));

  test('a long lease is checkpointed every interval with its remaining ttl rounded up', () =>
    withLessor(async (f) => {
      f.lessor.promote(0);
      f.lessor.grant(1n, 300);
      f.lessor.grant(2n, 60); // not longer than the interval: never checkpointed
      f.clock.advance(59_999);
      assert.deepEqual(f.lessor.dueCheckpoints(), []);
      f.clock.advance(1);
      assert.deepEqual(f.lessor.dueCheckpoints(), [{ id: 1n, remainingTtl: 240 }]);
      assert.deepEqual(f.lessor.dueCheckpoints(), [], 'handed out once');
      f.clock.advance(500);
      f.lessor.checkpoint(1n, 240); // applied through raft
      assert.equal(f.lessor.lookup(1n)?.remainingTtl, 240);
      assert.deepEqual(decodeLease(f.backend.get(Bucket.lease, leaseKey(1n)) as Buffer), { id: 1n, ttl: 300, remainingTtl: 240 });
      f.clock.advance(60_000);
      assert.deepEqual(f.lessor.dueCheckpoints(), [{ id: 1n, remainingTtl: 180 }]);
      const after = await f.reopen();
      assert.equal(after.lookup(1n)?.remainingTtl, 240, 'persisted');
    }, ON));

  test('renew clears the checkpointed remainder through a checkpoint of 0', () =>
    withLessor((f) => {
      f.lessor.grant(1n, 300);
      f.lessor.checkpoint(1n, 100);
      f.lessor.promote(0);
      assert.equal(f.lessor.lookup(1n)?.expiry, f.clock.t + 100_000);
      f.clock.advance(10_000);
      assert.equal(f.lessor.renew(1n), 300);
      assert.equal(f.lessor.lookup(1n)?.expiry, f.clock.t + 300_000, 'the full ttl');
      assert.deepEqual(f.lessor.dueCheckpoints(), [{ id: 1n, remainingTtl: 0 }]);
      f.lessor.checkpoint(1n, 0);
      assert.deepEqual(decodeLease(f.backend.get(Bucket.lease, leaseKey(1n)) as Buffer), { id: 1n, ttl: 300, remainingTtl: 0 });
      f.lessor.renew(1n);
      assert.deepEqual(f.lessor.dueCheckpoints(), [], 'nothing to clear any more');
    }, ON));

  test('renew without checkpointing leaves the remainder alone', () =>
    withLessor((f) => {
      f.lessor.grant(1n, 300);
      f.lessor.checkpoint(1n, 100);
      f.lessor.promote(0);
      f.lessor.renew(1n);
      assert.equal(f.lessor.lookup(1n)?.remainingTtl, 100);
      assert.deepEqual(f.lessor.dueCheckpoints(), []);
    }));

  test('at most limit per call, earliest first; a renewed lease is looked at again an interval later', () =>
    withLessor((f) => {
      f.lessor.promote(0);
      for (let i = 1n; i <= 5n; i++) {
        f.lessor.grant(i, 600);
        f.clock.advance(1_000);
      }
      f.clock.advance(60_000);
      f.lessor.renew(2n);
      const first = f.lessor.dueCheckpoints(2);
      assert.deepEqual(first.map((c) => c.id), [1n, 3n], 'lease 2 was just renewed: nothing to record');
      assert.deepEqual(f.lessor.dueCheckpoints(10).map((c) => c.id), [4n, 5n]);
      f.clock.advance(60_000);
      assert.deepEqual(f.lessor.dueCheckpoints(10), [{ id: 2n, remainingTtl: 540 }]);
    }, ON));

  test('expired, revoked and unknown leases get no checkpoint; checkpoint of an unknown lease is ignored', () =>
    withLessor((f) => {
      f.lessor.promote(0);
      f.lessor.grant(1n, 61);
      f.clock.advance(61_000);
      assert.deepEqual(f.lessor.dueCheckpoints(), []);
      f.lessor.checkpoint(9n, 10);
      assert.equal(f.lessor.lookup(9n), undefined);
    }, ON));

  test('off the leader, or after demote, nothing is due', () =>
    withLessor((f) => {
      f.lessor.grant(1n, 600);
      f.clock.advance(120_000);
      assert.deepEqual(f.lessor.dueCheckpoints(), []);
      f.lessor.promote(0);
      f.lessor.demote();
      f.clock.advance(120_000);
      assert.deepEqual(f.lessor.dueCheckpoints(), []);
    }, ON));
});
