import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import type Long from 'long';
import { GrpcServer, Status } from '../../../server/src/api/grpc/index.js';
import { maxReceiveBytes, registerServices } from '../../../server/src/api/index.js';
import { electionService, kvService, leaseService, lockService } from '../../../server/src/pb/index.js';
import { clientFor, serverStream, unary } from '../pb/grpc-calls.js';
import { memberConfig, started, withDir } from '../etcdserver/helpers.js';
import { b, n, pending, str } from './lock-election-calls.js';

/*
 * Lock and election over a real member (raft, WAL, lessor with its real clock), so that leases
 * really expire: a lock or leadership whose lease is not kept alive passes on by itself.
 */

interface Clients {
  lock: grpc.Client;
  el: grpc.Client;
  lease: grpc.Client;
  kv: grpc.Client;
}

async function withMember(fn: (c: Clients) => Promise<void>): Promise<void> {
  await withDir(async (dir) => {
    const member = await started(memberConfig(dir));
    const server = new GrpcServer({ maxReceiveMessageLength: maxReceiveBytes({ maxRequestBytes: 1.5 * 1024 * 1024 }), closeGraceMs: 200 });
    registerServices(server, member);
    const addr = `127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
    const c: Clients = {
      lock: clientFor(lockService, 'Lock', addr),
      el: clientFor(electionService, 'Election', addr),
      lease: clientFor(leaseService, 'Lease', addr),
      kv: clientFor(kvService, 'KV', addr),
    };
    try {
      await fn(c);
    } finally {
      for (const x of Object.values(c)) x.close();
      await server.close(200);
      await member.stop();
    }
  });
}

/** A lease (the member picks 64-bit ids: kept as the decoded Long, and as a bigint for keys). */
async function grant(c: Clients, ttl: number): Promise<{ id: Long; hex: string }> {
  const id = (await unary(c.lease, leaseService.LeaseGrant, { TTL: ttl })).ID as Long;
  return { id, hex: BigInt(id.toString()).toString(16) };
}

async function count(c: Clients, name: string): Promise<number> {
  return Number((await unary(c.kv, kvService.Range, { key: b(`${name}/`), rangeEnd: b(`${name}0`), countOnly: true })).count);
}

async function until(what: string, cond: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 10_000;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('lock and election on a real member', () => {
  test('an expired lease releases the lock to the next waiter; a waiter whose lease expires fails', () =>
    withMember(async (c) => {
      const short = await grant(c, 1);
      const held = await unary(c.lock, lockService.Lock, { name: b('L'), lease: short.id });
      const long = await grant(c, 60);
      const next = pending(c.lock, lockService.Lock, { name: b('L'), lease: long.id });
      await until('the waiter to register', async () => (await count(c, 'L')) === 2);
      // Nobody keeps `short` alive: the member revokes it, deleting the holder's key.
      const got = await next.result;
      assert.equal(str(got.key), `L/${long.hex}`);
      const left = await unary(c.kv, kvService.Range, { key: held.key });
      assert.equal(left.kvs.length, 0);

      const doomed = await grant(c, 1);
      const behind = pending(c.lock, lockService.Lock, { name: b('L'), lease: doomed.id });
      await assert.rejects(behind.result, (e: grpc.ServiceError) => e.code === Status.UNKNOWN && e.details === 'etcdserver: requested lease not found');
      assert.equal(await count(c, 'L'), 1, 'only the holder is left');
    }));

  test('a leader whose lease expires hands over; observe reports it', () =>
    withMember(async (c) => {
      const first = await unary(c.el, electionService.Campaign, { name: b('E'), lease: (await grant(c, 1)).id, value: b('short') });
      const obs = serverStream(c.el, electionService.Observe, { name: b('E') });
      assert.equal(str((await obs.inbox.next()).kv?.value), 'short');
      const long = await grant(c, 60);
      const second = await unary(c.el, electionService.Campaign, { name: b('E'), lease: long.id, value: b('long') });
      assert.ok(n(second.leader?.rev) > n(first.leader?.rev));
      const seen = await obs.inbox.next();
      assert.deepEqual([str(seen.kv?.value), String(seen.kv?.lease)], ['long', long.id.toString()]);
      obs.stream.cancel();
    }));
});
