import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { Status } from '../../../server/src/api/grpc/index.js';
import { electionService, kvService, leaseService, lockService, type v3lockpb } from '../../../server/src/pb/index.js';
import { serverStream, unary, unaryError } from '../pb/grpc-calls.js';
import { waitFor } from '../../support/wait-for.js';
import { type ApiFixture, withApi } from './fixture.js';
import { b, n, type Pending, pending, str } from './lock-election-calls.js';

interface Clients {
  lock: grpc.Client;
  el: grpc.Client;
  lease: grpc.Client;
  kv: grpc.Client;
}

function clients(f: ApiFixture): Clients {
  return { lock: f.client(lockService, 'Lock'), el: f.client(electionService, 'Election'), lease: f.client(leaseService, 'Lease'), kv: f.client(kvService, 'KV') };
}

async function grant(c: Clients, id: number, ttl = 60): Promise<number> {
  await unary(c.lease, leaseService.LeaseGrant, { ID: id, TTL: ttl });
  return id;
}

/** Keys under `name/`, oldest first. */
async function waiters(c: Clients, name: string): Promise<string[]> {
  const r = await unary(c.kv, kvService.Range, { key: b(`${name}/`), rangeEnd: b(`${name}0`), sortTarget: 1 + 1, sortOrder: 1 });
  return r.kvs.map((kv) => str(kv.key));
}

/** Waits until `name/` holds `count` keys (a waiter has registered, or one has gone). */
async function untilWaiters(c: Clients, name: string, count: number): Promise<void> {
  let seen = -1;
  const end = Date.now() + 10_000;
  while ((seen = (await waiters(c, name)).length) !== count) {
    if (Date.now() > end) throw new Error(`expected ${count} keys under ${name}/, saw ${seen}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Lock service', () => {
  test('uncontended lock: key name/<lease hex>, reentrant for the same lease, unlock deletes', () =>
    withApi(async (f) => {
      const c = clients(f);
      const lease = await grant(c, 0x1abc);
      const l = await unary(c.lock, lockService.Lock, { name: b('m'), lease });
      assert.equal(str(l.key), 'm/1abc');
      assert.equal(n(l.header?.revision), 2);
      assert.equal(l.header?.clusterId?.toString(16), f.member.clusterId.toString(16));
      const again = await unary(c.lock, lockService.Lock, { name: b('m'), lease });
      assert.equal(str(again.key), 'm/1abc');
      assert.equal(n(again.header?.revision), 2, 'reusing the key writes nothing');
      const kv = (await unary(c.kv, kvService.Range, { key: b('m/1abc') })).kvs[0];
      assert.equal(n(kv?.lease), 0x1abc);
      const u = await unary(c.lock, lockService.Unlock, { key: l.key });
      assert.equal(n(u.header?.revision), 3);
      assert.deepEqual(await waiters(c, 'm'), []);
    }));

  test('waiters get the lock one at a time, in the order they asked', () =>
    withApi(async (f) => {
      const c = clients(f);
      const holder = await unary(c.lock, lockService.Lock, { name: b('q'), lease: await grant(c, 100) });
      const calls: Pending<v3lockpb.LockResponse>[] = [];
      for (let i = 1; i <= 4; i++) {
        calls.push(pending(c.lock, lockService.Lock, { name: b('q'), lease: await grant(c, 100 + i) }));
        await untilWaiters(c, 'q', i + 1);
      }
      assert.deepEqual(await waiters(c, 'q'), ['q/64', 'q/65', 'q/66', 'q/67', 'q/68']);
      let key: Uint8Array = holder.key;
      for (let i = 0; i < calls.length; i++) {
        assert.ok(calls.slice(i).every((x) => !x.settled()), `no waiter holds the lock before unlock ${i}`);
        await unary(c.lock, lockService.Unlock, { key });
        const got: v3lockpb.LockResponse = await (calls[i] as Pending<v3lockpb.LockResponse>).result;
        assert.equal(str(got.key), `q/${(101 + i).toString(16)}`);
        key = got.key;
      }
    }));

  test('mutual exclusion: concurrent lockers never overlap', () =>
    withApi(async (f) => {
      const c = clients(f);
      let inside = 0;
      let maxInside = 0;
      const entries: number[] = [];
      const worker = async (id: number): Promise<void> => {
        const lease = await grant(c, 500 + id);
        for (let round = 0; round < 5; round++) {
          const l = await unary(c.lock, lockService.Lock, { name: b('mx'), lease });
          inside++;
          maxInside = Math.max(maxInside, inside);
          entries.push(id);
          // The critical section does a round trip, so another locker has every chance to get in.
          await unary(c.kv, kvService.Put, { key: b('counter'), value: b(String(entries.length)) });
          inside--;
          await unary(c.lock, lockService.Unlock, { key: l.key });
        }
      };
      await Promise.all([1, 2, 3, 4, 5, 6].map(worker));
      assert.equal(maxInside, 1);
      assert.equal(entries.length, 30);
    }));

  test('a waiter whose lease is revoked fails with etcd\'s text and leaves no key; the holder keeps the lock', () =>
    withApi(async (f) => {
      const c = clients(f);
      await unary(c.lock, lockService.Lock, { name: b('r'), lease: await grant(c, 7) });
      const w = pending(c.lock, lockService.Lock, { name: b('r'), lease: await grant(c, 8) });
      await untilWaiters(c, 'r', 2);
      await unary(c.lease, leaseService.LeaseRevoke, { ID: 8 });
      await assert.rejects(w.result, (e: grpc.ServiceError) => e.code === Status.UNKNOWN && e.details === 'etcdserver: requested lease not found');
      assert.deepEqual(await waiters(c, 'r'), ['r/7']);
    }));

  test('the holder\'s lease ending hands the lock to the next waiter', () =>
    withApi(async (f) => {
      const c = clients(f);
      await unary(c.lock, lockService.Lock, { name: b('h'), lease: await grant(c, 9) });
      const w = pending(c.lock, lockService.Lock, { name: b('h'), lease: await grant(c, 10) });
      await untilWaiters(c, 'h', 2);
      assert.equal(w.settled(), false);
      const revoked = await unary(c.lease, leaseService.LeaseRevoke, { ID: 9 });
      const got = await w.result;
      assert.equal(str(got.key), 'h/a');
      assert.ok(n(got.header?.revision) >= n(revoked.header?.revision));
    }));

  test('a waiter whose key someone else deleted fails ("session expired")', () =>
    withApi(async (f) => {
      const c = clients(f);
      await unary(c.lock, lockService.Lock, { name: b('s'), lease: await grant(c, 11) });
      const w = pending(c.lock, lockService.Lock, { name: b('s'), lease: await grant(c, 12) });
      await untilWaiters(c, 's', 2);
      await unary(c.lock, lockService.Unlock, { key: b('s/c') });
      await assert.rejects(w.result, (e: grpc.ServiceError) => e.code === Status.UNKNOWN && e.details === 'session expired');
    }));

  test('a cancelled Lock deletes its key, and the waiter behind it moves up', () =>
    withApi(async (f) => {
      const c = clients(f);
      const holder = await unary(c.lock, lockService.Lock, { name: b('c'), lease: await grant(c, 20) });
      const gone = pending(c.lock, lockService.Lock, { name: b('c'), lease: await grant(c, 21) });
      await untilWaiters(c, 'c', 2);
      const next = pending(c.lock, lockService.Lock, { name: b('c'), lease: await grant(c, 22) });
      await untilWaiters(c, 'c', 3);
      gone.cancel();
      await assert.rejects(gone.result, (e: grpc.ServiceError) => e.code === Status.CANCELLED);
      await untilWaiters(c, 'c', 2);
      assert.deepEqual(await waiters(c, 'c'), ['c/14', 'c/16']);
      assert.equal(next.settled(), false);
      await unary(c.lock, lockService.Unlock, { key: holder.key });
      assert.equal(str((await next.result).key), 'c/16');
    }));

  test('errors: unknown lease, empty unlock key; lease 0 gets a 60 s session lease', () =>
    withApi(async (f) => {
      const c = clients(f);
      const e = await unaryError(c.lock, lockService.Lock, { name: b('x'), lease: 404 });
      assert.equal(e.code, Status.UNKNOWN);
      assert.equal(e.details, 'etcdserver: requested lease not found');
      const u = await unaryError(c.lock, lockService.Unlock, {});
      assert.equal(u.code, Status.UNKNOWN);
      assert.equal(u.details, 'etcdserver: key is not provided');
      const l = await unary(c.lock, lockService.Lock, { name: b('z') });
      const hex = str(l.key).slice(2);
      const ttl = await unary(c.lease, leaseService.LeaseTimeToLive, { ID: Number.parseInt(hex, 16) });
      assert.equal(n(ttl.grantedTTL), 60);
    }));
});

describe('Election service', () => {
  test('campaign order, leader(), resign hands over, lease revoke hands over', () =>
    withApi(async (f) => {
      const c = clients(f);
      const none = await unaryError(c.el, electionService.Leader, { name: b('e') });
      assert.equal(none.code, Status.UNKNOWN);
      assert.equal(none.details, 'election: no leader');
      const first = await unary(c.el, electionService.Campaign, { name: b('e'), lease: await grant(c, 31), value: b('one') });
      assert.deepEqual([str(first.leader?.name), str(first.leader?.key), n(first.leader?.rev), n(first.leader?.lease)], ['e', 'e/1f', 2, 31]);
      assert.equal(n(first.header?.revision), 2);
      const second = pending(c.el, electionService.Campaign, { name: b('e'), lease: await grant(c, 32), value: b('two') });
      await untilWaiters(c, 'e', 2);
      const third = pending(c.el, electionService.Campaign, { name: b('e'), lease: await grant(c, 33), value: b('three') });
      await untilWaiters(c, 'e', 3);
      const l = await unary(c.el, electionService.Leader, { name: b('e') });
      assert.equal(str(l.kv?.value), 'one');
      assert.equal(n(l.header?.revision), 4);
      await unary(c.el, electionService.Resign, { leader: first.leader ?? null });
      const s = await second.result;
      assert.deepEqual([str(s.leader?.key), n(s.leader?.rev)], ['e/20', 3]);
      assert.equal(n(s.header?.revision), 3, 'the header is the joining txn\'s');
      assert.equal(third.settled(), false);
      await unary(c.lease, leaseService.LeaseRevoke, { ID: 32 });
      assert.equal(str((await third.result).leader?.key), 'e/21');
      assert.equal(str((await unary(c.el, electionService.Leader, { name: b('e') })).kv?.value), 'three');
    }));

  test('proclaim by the leader, by a resigned leader, with a stale revision, without a leader key', () =>
    withApi(async (f) => {
      const c = clients(f);
      const lease = await grant(c, 40);
      const won = await unary(c.el, electionService.Campaign, { name: b('p'), lease, value: b('v1') });
      const p = await unary(c.el, electionService.Proclaim, { leader: won.leader ?? null, value: b('v2') });
      assert.equal(n(p.header?.revision), 3);
      const kv = (await unary(c.el, electionService.Leader, { name: b('p') })).kv;
      assert.deepEqual([str(kv?.value), n(kv?.createRevision), n(kv?.modRevision), n(kv?.lease)], ['v2', 2, 3, 40]);
      const stale = await unaryError(c.el, electionService.Proclaim, { leader: { ...won.leader, rev: 99 }, value: b('no') });
      assert.deepEqual([stale.code, stale.details], [Status.UNKNOWN, 'election: not leader']);
      const r = await unary(c.el, electionService.Resign, { leader: won.leader ?? null });
      assert.equal(n(r.header?.revision), 4);
      const late = await unaryError(c.el, electionService.Proclaim, { leader: won.leader ?? null, value: b('v3') });
      assert.deepEqual([late.code, late.details], [Status.UNKNOWN, 'election: not leader']);
      const again = await unary(c.el, electionService.Resign, { leader: won.leader ?? null });
      assert.equal(n(again.header?.revision), 4, 'resigning twice is not an error and writes nothing');
      for (const m of [electionService.Proclaim, electionService.Resign] as const) {
        const e = await unaryError(c.el, m, {});
        assert.deepEqual([e.code, e.details], [Status.UNKNOWN, '"leader" field must be provided']);
      }
      const badLease = await unaryError(c.el, electionService.Campaign, { name: b('p'), lease: 77, value: b('x') });
      assert.deepEqual([badLease.code, badLease.details], [Status.UNKNOWN, 'etcdserver: requested lease not found']);
    }));

  test('campaigning again with the same lease keeps the place and proclaims the new value', () =>
    withApi(async (f) => {
      const c = clients(f);
      const lease = await grant(c, 41);
      const a = await unary(c.el, electionService.Campaign, { name: b('k'), lease, value: b('a') });
      const again = await unary(c.el, electionService.Campaign, { name: b('k'), lease, value: b('b') });
      assert.equal(n(again.leader?.rev), n(a.leader?.rev));
      assert.equal(n(again.header?.revision), 2);
      assert.equal(str((await unary(c.el, electionService.Leader, { name: b('k') })).kv?.value), 'b');
    }));

  test('observe: the current leader, each proclaimed value, then the next leader, in order', () =>
    withApi(async (f) => {
      const c = clients(f);
      const one = await unary(c.el, electionService.Campaign, { name: b('o'), lease: await grant(c, 50), value: b('a') });
      const obs = serverStream(c.el, electionService.Observe, { name: b('o') });
      const first = await obs.inbox.next();
      assert.deepEqual([str(first.kv?.value), n(first.header?.revision)], ['a', 2]);
      const two = pending(c.el, electionService.Campaign, { name: b('o'), lease: await grant(c, 51), value: b('x') });
      await untilWaiters(c, 'o', 2);
      await unary(c.el, electionService.Proclaim, { leader: one.leader ?? null, value: b('b') });
      await unary(c.el, electionService.Proclaim, { leader: one.leader ?? null, value: b('c') });
      await unary(c.el, electionService.Resign, { leader: one.leader ?? null });
      await two.result;
      const seen = [await obs.inbox.next(), await obs.inbox.next(), await obs.inbox.next()];
      assert.deepEqual(seen.map((r) => [str(r.kv?.key), str(r.kv?.value), n(r.header?.revision)]), [
        ['o/32', 'b', 4],
        ['o/32', 'c', 5],
        ['o/33', 'x', 6],
      ]);
      obs.stream.cancel();
    }));

  test('observe an election without candidates: the first one to join', () =>
    withApi(async (f) => {
      const c = clients(f);
      const obs = serverStream(c.el, electionService.Observe, { name: b('empty') });
      // The observer must be watching before the campaign: it is, once a later write reaches it.
      await unary(c.kv, kvService.Put, { key: b('unrelated'), value: b('1') });
      await waitFor(() => f.member.store.rev === 2, 'the put');
      await unary(c.el, electionService.Campaign, { name: b('empty'), lease: await grant(c, 52), value: b('v') });
      const r = await obs.inbox.next();
      assert.deepEqual([str(r.kv?.key), str(r.kv?.value), n(r.header?.revision)], ['empty/34', 'v', 3]);
      obs.stream.cancel();
    }));

  test('a cancelled campaign withdraws its key', () =>
    withApi(async (f) => {
      const c = clients(f);
      await unary(c.el, electionService.Campaign, { name: b('w'), lease: await grant(c, 60), value: b('a') });
      const w = pending(c.el, electionService.Campaign, { name: b('w'), lease: await grant(c, 61), value: b('b') });
      await untilWaiters(c, 'w', 2);
      w.cancel();
      await assert.rejects(w.result, (e: grpc.ServiceError) => e.code === Status.CANCELLED);
      await untilWaiters(c, 'w', 1);
      assert.deepEqual(await waiters(c, 'w'), ['w/3c']);
    }));
});
