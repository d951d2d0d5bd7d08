import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Status } from '../../../server/src/api/grpc/index.js';
import { kvService } from '../../../server/src/pb/index.js';
import { toSafeNumber, toUint64 } from '../../../server/src/util/index.js';
import { unary, unaryError } from '../pb/grpc-calls.js';
import { CLUSTER_ID, MEMBER_ID, RAFT_TERM, withApi } from './fixture.js';

const b = (s: string): Buffer => Buffer.from(s);
const str = (u: Uint8Array | null | undefined): string => Buffer.from(u ?? []).toString();

describe('KV service', () => {
  test('put then range: full header, kvs with revisions, count', () =>
    withApi(async (f) => {
      const kv = f.client(kvService, 'KV');
      const put = await unary(kv, kvService.Put, { key: b('a'), value: b('1') });
      const h = put.header!;
      assert.equal(toUint64(h.clusterId), CLUSTER_ID);
      assert.equal(toUint64(h.memberId), MEMBER_ID);
      assert.equal(toSafeNumber(h.revision, 'rev'), 2);
      assert.equal(toSafeNumber(h.raftTerm, 'term'), RAFT_TERM);
      await unary(kv, kvService.Put, { key: b('b'), value: b('2') });
      const r = await unary(kv, kvService.Range, { key: b('a'), rangeEnd: b('c') });
      assert.deepEqual(r.kvs.map((x) => `${str(x.key)}=${str(x.value)}@${toSafeNumber(x.modRevision, 'm')}`), ['a=1@2', 'b=2@3']);
      assert.equal(toSafeNumber(r.count, 'count'), 2);
      assert.equal(toSafeNumber(r.header!.revision, 'rev'), 3);
      assert.equal(r.more, false);
    }));

  test('range options: limit/more, sort descend, count only, keys only, past revision', () =>
    withApi(async (f) => {
      const kv = f.client(kvService, 'KV');
      for (const k of ['k1', 'k2', 'k3']) await unary(kv, kvService.Put, { key: b(k), value: b(`v-${k}`) });
      const limited = await unary(kv, kvService.Range, { key: b('k'), rangeEnd: b('l'), limit: 2, sortOrder: 2 });
      assert.deepEqual(limited.kvs.map((x) => str(x.key)), ['k3', 'k2']);
      assert.equal(limited.more, true);
      assert.equal(toSafeNumber(limited.count, 'c'), 3);
      const countOnly = await unary(kv, kvService.Range, { key: b('k'), rangeEnd: b('l'), countOnly: true });
      assert.equal(countOnly.kvs.length, 0);
      assert.equal(toSafeNumber(countOnly.count, 'c'), 3);
      const keysOnly = await unary(kv, kvService.Range, { key: b('k1'), keysOnly: true });
      assert.equal(str(keysOnly.kvs[0]!.value), '');
      const past = await unary(kv, kvService.Range, { key: b('\0'), rangeEnd: b('\0'), revision: 2 });
      assert.deepEqual(past.kvs.map((x) => str(x.key)), ['k1']);
      // The header speaks for the store's current revision, as etcd's, whatever revision was read.
      assert.equal(toSafeNumber(past.header!.revision, 'rev'), 4);
    }));

  test('put with prev_kv and lease; unknown lease is NOT_FOUND', () =>
    withApi(async (f) => {
      const kv = f.client(kvService, 'KV');
      await unary(kv, kvService.Put, { key: b('a'), value: b('old') });
      const put = await unary(kv, kvService.Put, { key: b('a'), value: b('new'), prevKv: true });
      assert.equal(str(put.prevKv!.value), 'old');
      f.member.lessor.grant(77n, 100);
      await unary(kv, kvService.Put, { key: b('l'), value: b('x'), lease: 77 });
      const r = await unary(kv, kvService.Range, { key: b('l') });
      assert.equal(toSafeNumber(r.kvs[0]!.lease, 'lease'), 77);
      const err = await unaryError(kv, kvService.Put, { key: b('l'), value: b('x'), lease: 78 });
      assert.equal(err.code, Status.NOT_FOUND);
      assert.equal(err.details, 'etcdserver: requested lease not found');
    }));

  test('delete range with prev_kvs; deleted count', () =>
    withApi(async (f) => {
      const kv = f.client(kvService, 'KV');
      for (const k of ['a', 'b', 'c']) await unary(kv, kvService.Put, { key: b(k), value: b(k) });
      const d = await unary(kv, kvService.DeleteRange, { key: b('a'), rangeEnd: b('c'), prevKv: true });
      assert.equal(toSafeNumber(d.deleted, 'd'), 2);
      assert.deepEqual(d.prevKvs.map((x) => str(x.key)), ['a', 'b']);
      assert.equal(toSafeNumber(d.header!.revision, 'rev'), 5);
      const all = await unary(kv, kvService.Range, { key: b('\0'), rangeEnd: b('\0') });
      assert.deepEqual(all.kvs.map((x) => str(x.key)), ['c']);
    }));

  test('txn: compare, branches, nested txn; inner headers carry only the revision', () =>
    withApi(async (f) => {
      const kv = f.client(kvService, 'KV');
      await unary(kv, kvService.Put, { key: b('x'), value: b('1') });
      const t = await unary(kv, kvService.Txn, {
        compare: [{ key: b('x'), target: 3, result: 0, value: b('1') }],
        success: [
          { requestPut: { key: b('y'), value: b('2') } },
          { requestRange: { key: b('x') } },
          { requestTxn: { compare: [], success: [{ requestPut: { key: b('z'), value: b('3') } }], failure: [] } },
        ],
        failure: [{ requestDeleteRange: { key: b('x') } }],
      });
      assert.equal(t.succeeded, true);
      assert.equal(toSafeNumber(t.header!.revision, 'rev'), 3);
      assert.equal(toUint64(t.header!.clusterId), CLUSTER_ID);
      const [put, range, nested] = t.responses;
      assert.equal(toSafeNumber(put!.responsePut!.header!.revision, 'rev'), 3);
      assert.equal(toUint64(put!.responsePut!.header!.clusterId), 0n);
      assert.equal(toSafeNumber(put!.responsePut!.header!.raftTerm, 'term'), 0);
      assert.equal(str(range!.responseRange!.kvs![0]!.value), '1');
      // etcd leaves a nested txn's own header empty.
      assert.ok(nested!.responseTxn!.header);
      assert.equal(toSafeNumber(nested!.responseTxn!.header!.revision, 'rev'), 0);
      assert.equal(nested!.responseTxn!.responses!.length, 1);
      const failed = await unary(kv, kvService.Txn, { compare: [{ key: b('x'), target: 3, result: 0, value: b('9') }], success: [], failure: [{ requestRange: { key: b('z') } }] });
      assert.equal(failed.succeeded, false);
      assert.equal(str(failed.responses[0]!.responseRange!.kvs![0]!.value), '3');
    }));

  test('validation errors: empty key, sort option, too many ops, duplicate key, value/lease provided, empty op', () =>
    withApi(
      async (f) => {
        const kv = f.client(kvService, 'KV');
        const cases: [Promise<{ code: number; details: string }>, string][] = [
          [unaryError(kv, kvService.Range, { key: b('') }), 'etcdserver: key is not provided'],
          [unaryError(kv, kvService.Put, { key: b('') }), 'etcdserver: key is not provided'],
          [unaryError(kv, kvService.DeleteRange, { key: b('') }), 'etcdserver: key is not provided'],
          [unaryError(kv, kvService.Range, { key: b('a'), sortOrder: 7 as never }), 'etcdserver: invalid sort option'],
          [unaryError(kv, kvService.Put, { key: b('a'), value: b('v'), ignoreValue: true }), 'etcdserver: value is provided'],
          [unaryError(kv, kvService.Put, { key: b('a'), lease: 5, ignoreLease: true }), 'etcdserver: lease is provided'],
          [unaryError(kv, kvService.Txn, { success: [1, 2, 3, 4].map((i) => ({ requestPut: { key: b(`k${i}`) } })) }), 'etcdserver: too many operations in txn request'],
          [unaryError(kv, kvService.Txn, { success: [{ requestPut: { key: b('d') } }, { requestPut: { key: b('d') } }] }), 'etcdserver: duplicate key given in txn request'],
          [unaryError(kv, kvService.Txn, { success: [{}] }), 'etcdserver: key not found'],
        ];
        for (const [p, text] of cases) {
          const err = await p;
          assert.equal(err.code, Status.INVALID_ARGUMENT, text);
          assert.equal(err.details, text);
        }
        // Nothing was written by a refused request.
        const r = await unary(kv, kvService.Range, { key: b('\0'), rangeEnd: b('\0') });
        assert.equal(r.kvs.length, 0);
      },
      { maxTxnOps: 3 },
    ));

  test('compact: future and compacted revisions are OUT_OF_RANGE; reads below it fail', () =>
    withApi(async (f) => {
      const kv = f.client(kvService, 'KV');
      for (let i = 0; i < 4; i++) await unary(kv, kvService.Put, { key: b('c'), value: b(`${i}`) });
      const future = await unaryError(kv, kvService.Compact, { revision: 99 });
      assert.equal(future.code, Status.OUT_OF_RANGE);
      assert.equal(future.details, 'etcdserver: mvcc: required revision is a future revision');
      const c = await unary(kv, kvService.Compact, { revision: 3, physical: true });
      assert.equal(toSafeNumber(c.header!.revision, 'rev'), 5);
      const again = await unaryError(kv, kvService.Compact, { revision: 3 });
      assert.equal(again.code, Status.OUT_OF_RANGE);
      assert.equal(again.details, 'etcdserver: mvcc: required revision has been compacted');
      const old = await unaryError(kv, kvService.Range, { key: b('c'), revision: 2 });
      assert.equal(old.details, 'etcdserver: mvcc: required revision has been compacted');
      const ahead = await unaryError(kv, kvService.Range, { key: b('c'), revision: 50 });
      assert.equal(ahead.details, 'etcdserver: mvcc: required revision is a future revision');
    }));

  test('requests over the transport limit (max request bytes + 512 KiB) are refused by gRPC', () =>
    withApi(
      async (f) => {
        const kv = f.client(kvService, 'KV');
        await unary(kv, kvService.Put, { key: b('ok'), value: Buffer.alloc(1024 + 100 * 1024) });
        const err = await unaryError(kv, kvService.Put, { key: b('big'), value: Buffer.alloc(1024 + 512 * 1024 + 10) });
        assert.equal(err.code, Status.RESOURCE_EXHAUSTED);
      },
      { maxRequestBytes: 1024 },
    ));
});
