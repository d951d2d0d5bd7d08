import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Status } from '../../../server/src/api/grpc/index.js';
import { kvService, leaseService } from '../../../server/src/pb/index.js';
import { toSafeNumber } from '../../../server/src/util/index.js';
import { bidi, unary, unaryError } from '../pb/grpc-calls.js';
import { withApi } from './fixture.js';

const b = (s: string): Buffer => Buffer.from(s);
const n = (v: unknown): number => toSafeNumber(v as number, 'field');

describe('Lease service', () => {
  test('grant (server-picked and chosen ids), time-to-live with keys, leases, revoke deletes keys', () =>
    withApi(async (f) => {
      const lease = f.client(leaseService, 'Lease');
      const kv = f.client(kvService, 'KV');
      const g = await unary(lease, leaseService.LeaseGrant, { TTL: 30 });
      assert.equal(n(g.ID), 0x1000);
      assert.equal(n(g.TTL), 30);
      assert.equal(n(g.header?.revision), 1);
      const chosen = await unary(lease, leaseService.LeaseGrant, { ID: 555, TTL: 60 });
      assert.equal(n(chosen.ID), 555);
      await unary(kv, kvService.Put, { key: b('a'), value: b('1'), lease: 555 });
      await unary(kv, kvService.Put, { key: b('b'), value: b('2'), lease: 555 });
      f.member.clock.t += 10_500;
      const ttl = await unary(lease, leaseService.LeaseTimeToLive, { ID: 555, keys: true });
      assert.equal(n(ttl.TTL), 49);
      assert.equal(n(ttl.grantedTTL), 60);
      assert.deepEqual(ttl.keys.map((k) => Buffer.from(k).toString()), ['a', 'b']);
      const noKeys = await unary(lease, leaseService.LeaseTimeToLive, { ID: 555 });
      assert.equal(noKeys.keys.length, 0);
      const list = await unary(lease, leaseService.LeaseLeases, {});
      assert.deepEqual(list.leases.map((l) => n(l.ID)), [555, 0x1000]);
      const rev = await unary(lease, leaseService.LeaseRevoke, { ID: 555 });
      assert.equal(n(rev.header?.revision), 4);
      const r = await unary(kv, kvService.Range, { key: b('a'), rangeEnd: b('c') });
      assert.equal(r.kvs.length, 0);
    }));

  test('time-to-live of an unknown lease is TTL -1, not an error', () =>
    withApi(async (f) => {
      const lease = f.client(leaseService, 'Lease');
      const ttl = await unary(lease, leaseService.LeaseTimeToLive, { ID: 404, keys: true });
      assert.equal(n(ttl.ID), 404);
      assert.equal(n(ttl.TTL), -1);
      assert.equal(n(ttl.grantedTTL), 0);
    }));

  test('errors: revoke unknown, grant existing, ttl too large', () =>
    withApi(async (f) => {
      const lease = f.client(leaseService, 'Lease');
      const unknown = await unaryError(lease, leaseService.LeaseRevoke, { ID: 9 });
      assert.equal(unknown.code, Status.NOT_FOUND);
      assert.equal(unknown.details, 'etcdserver: requested lease not found');
      await unary(lease, leaseService.LeaseGrant, { ID: 9, TTL: 5 });
      const exists = await unaryError(lease, leaseService.LeaseGrant, { ID: 9, TTL: 5 });
      assert.equal(exists.code, Status.FAILED_PRECONDITION);
      assert.equal(exists.details, 'etcdserver: lease already exists');
      const big = await unaryError(lease, leaseService.LeaseGrant, { TTL: 9_000_000_001 });
      assert.equal(big.code, Status.OUT_OF_RANGE);
      assert.equal(big.details, 'etcdserver: too large lease TTL');
    }));

  test('keep-alive stream: renews in order, unknown or expired lease answers TTL 0, stream stays open', () =>
    withApi(async (f) => {
      const lease = f.client(leaseService, 'Lease');
      await unary(lease, leaseService.LeaseGrant, { ID: 1, TTL: 10 });
      await unary(lease, leaseService.LeaseGrant, { ID: 2, TTL: 3 });
      const { stream, inbox } = bidi(lease, leaseService.LeaseKeepAlive);
      f.member.clock.t += 8_000;
      stream.write({ ID: 1 });
      const r1 = await inbox.next();
      assert.equal(n(r1.ID), 1);
      assert.equal(n(r1.TTL), 10);
      assert.equal(n(r1.header?.revision), 1);
      // Lease 1 was renewed at +8 s: 9 whole seconds are left 0.5 s later.
      f.member.clock.t += 500;
      assert.equal(n((await unary(lease, leaseService.LeaseTimeToLive, { ID: 1 })).TTL), 9);
      stream.write({ ID: 2 });
      stream.write({ ID: 77 });
      stream.write({ ID: 1 });
      const [r2, r3, r4] = [await inbox.next(), await inbox.next(), await inbox.next()];
      assert.deepEqual([n(r2.ID), n(r2.TTL)], [2, 0]);
      assert.deepEqual([n(r3.ID), n(r3.TTL)], [77, 0]);
      assert.deepEqual([n(r4.ID), n(r4.TTL)], [1, 10]);
      stream.end();
      assert.deepEqual(await inbox.drain(), []);
    }));
});
