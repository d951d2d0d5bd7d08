import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Backend, Bucket } from '../../../server/src/backend/index.js';
import { Lessor, leaseKey } from '../../../server/src/lease/index.js';
import { type Change, KvStore } from '../../../server/src/mvcc/index.js';
import { tempDb } from '../backend/helpers.js';
import { FakeClock, b, str } from './helpers.js';

const ALL = Buffer.from([0]);

/** A backend with a lessor and a store opened in the member's order: lessor, then store. */
class Member {
  static async open(path: string, clock: FakeClock, log: string[][]): Promise<Member> {
    const backend = Backend.open(path, { batchIntervalMs: 3_600_000, batchLimit: 1e9 });
    const lessor = Lessor.open(backend, { minLeaseTTL: 5, clock: clock.now });
    const observer = (_rev: number, changes: readonly Change[]): void => {
      log.push(changes.map((c) => `${c.type} ${str(c.kv.key)}`));
    };
    const store = await KvStore.open(backend, { leases: lessor, observer });
    return new Member(backend, lessor, store);
  }

  private constructor(
    readonly backend: Backend,
    readonly lessor: Lessor,
    readonly store: KvStore,
  ) {}

  put(key: string, lease = 0n): void {
    const w = this.store.write();
    w.put(b(key), b('v'), lease);
    w.end();
  }

  del(key: string): void {
    const w = this.store.write();
    w.deleteRange(b(key));
    w.end();
  }

  keysOf(id: bigint): string[] {
    return this.lessor.timeToLive(id).keys.map(str);
  }
}

async function withMember(fn: (m: Member, reopen: () => Promise<Member>, log: string[][]) => Promise<void>): Promise<void> {
  const t = tempDb();
  const clock = new FakeClock();
  const log: string[][] = [];
  let m = await Member.open(t.path, clock, log);
  try {
    await fn(m, async () => {
      await m.backend.close();
      m = await Member.open(t.path, clock, log);
      return m;
    }, log);
  } finally {
    await m.backend.close();
    t.cleanup();
  }
}

describe('lessor with a real KvStore', () => {
  test('puts attach keys, re-puts move them, deletes and lease-less puts detach them', () =>
    withMember(async (m) => {
      m.lessor.grant(1n, 30);
      m.lessor.grant(2n, 30);
      m.put('a', 1n);
      m.put('b', 1n);
      m.put('c', 2n);
      assert.deepEqual(m.keysOf(1n), ['a', 'b']);
      m.put('b', 2n);
      assert.deepEqual(m.keysOf(1n), ['a']);
      assert.deepEqual(m.keysOf(2n), ['b', 'c']);
      m.put('c');
      m.del('a');
      assert.deepEqual(m.keysOf(1n), []);
      assert.deepEqual(m.keysOf(2n), ['b']);
    }));

  test('a restart re-attaches the live keys of each lease', () =>
    withMember(async (m, reopen) => {
      m.lessor.grant(1n, 30);
      m.lessor.grant(2n, 30);
      m.put('x', 1n);
      m.put('y', 1n);
      m.put('z', 2n);
      m.put('y', 2n);
      m.put('gone', 1n);
      m.del('gone');
      const after = await reopen();
      assert.deepEqual(after.keysOf(1n), ['x']);
      assert.deepEqual(after.keysOf(2n), ['y', 'z']);
    }));

  test('revoke deletes every key of the lease in one revision, in key order, with the lease record', () =>
    withMember(async (m, reopen, log) => {
      m.lessor.grant(7n, 30);
      for (const k of ['q', 'd', 'm', 'a']) m.put(k, 7n);
      m.put('keep');
      const rev = m.store.rev;
      log.length = 0;
      m.lessor.revoke(7n, () => m.store.write());
      assert.equal(m.store.rev, rev + 1);
      assert.deepEqual(log, [['delete a', 'delete d', 'delete m', 'delete q']]);
      assert.deepEqual(
        m.store.range(b('\x00'), ALL).kvs.map((kv) => str(kv.key)),
        ['keep'],
      );
      assert.equal(m.backend.get(Bucket.lease, leaseKey(7n)), undefined);
      const after = await reopen();
      assert.ok(!after.lessor.has(7n));
      assert.deepEqual(
        after.store.range(b('\x00'), ALL).kvs.map((kv) => str(kv.key)),
        ['keep'],
      );
    }));

  test('revoking a lease without keys ends an empty txn and leaves the revision', () =>
    withMember(async (m) => {
      m.lessor.grant(3n, 30);
      const rev = m.store.rev;
      m.lessor.revoke(3n, () => m.store.write());
      assert.equal(m.store.rev, rev);
      assert.ok(!m.lessor.has(3n));
      m.put('after'); // the store accepts writes again: the txn was ended
      assert.equal(m.store.rev, rev + 1);
    }));
});
