import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CompactedError, FutureRevisionError } from '../../../server/src/mvcc/index.js';
import { type Compare, CompareResult, CompareTarget, type RequestOp, type ResponseOp, type TxnRequest } from '../../../server/src/mvcc/kv-requests.js';
import { RequestError } from '../../../server/src/mvcc/request-errors.js';
import { kv, withOps } from './kv-ops-helpers.js';
import { ALL, b } from './store-helpers.js';

function put(key: string, value: string, extra: { lease?: bigint; ignoreValue?: boolean; prevKv?: boolean } = {}): RequestOp {
  return { put: { key: b(key), value: b(value), ...extra } };
}
function get(key: string, extra: { rangeEnd?: Uint8Array; revision?: number } = {}): RequestOp {
  return { range: { key: b(key), ...extra } };
}
function del(key: string, rangeEnd?: Uint8Array): RequestOp {
  return { deleteRange: rangeEnd === undefined ? { key: b(key) } : { key: b(key), rangeEnd } };
}
function cmp(key: string, target: number, result: number, field: Partial<Compare> = {}): Compare {
  return { key: b(key), target, result, ...field };
}
function txn(compare: Compare[], success: RequestOp[], failure: RequestOp[] = []): TxnRequest {
  return { compare, success, failure };
}
/** A compare that holds / fails on any store (CREATE of a missing key equals 0). */
const TRUE = cmp('\u0001never', CompareTarget.CREATE, CompareResult.EQUAL, { createRevision: 0 });
const FALSE = cmp('\u0001never', CompareTarget.CREATE, CompareResult.NOT_EQUAL, { createRevision: 0 });

function rangeKvs(r: ResponseOp | undefined): string[] {
  assert.ok(r?.range !== undefined, 'not a range response');
  return kv(r.range.kvs);
}

describe('KvOps.txn compares', () => {
  test('every target × result against a key (version 2, create 2, mod 3, value "m", lease 5)', () =>
    withOps(({ f, ops }) => {
      f.put('k', 'a', 5n);
      f.put('k', 'm', 5n);
      const fields: [number, (d: -1 | 0 | 1) => Partial<Compare>][] = [
        [CompareTarget.VERSION, (d) => ({ version: 2 - d })],
        [CompareTarget.CREATE, (d) => ({ createRevision: 2 - d })],
        [CompareTarget.MOD, (d) => ({ modRevision: 3 - d })],
        [CompareTarget.VALUE, (d) => ({ value: b(d === 0 ? 'm' : d > 0 ? 'l' : 'mm') })],
        [CompareTarget.LEASE, (d) => ({ lease: 5n - BigInt(d) })],
      ];
      // d: how the key's field relates to the compare's (1: greater).
      const expect = (result: number, d: -1 | 0 | 1): boolean =>
        [d === 0, d > 0, d < 0, d !== 0][result] as boolean;
      for (const [target, field] of fields) {
        for (const result of [CompareResult.EQUAL, CompareResult.GREATER, CompareResult.LESS, CompareResult.NOT_EQUAL]) {
          for (const d of [-1, 0, 1] as const) {
            const r = ops.txn(txn([cmp('k', target, result, field(d))], [], [])).response;
            assert.equal(r.succeeded, expect(result, d), `target ${target} result ${result} d ${d}`);
          }
        }
      }
    }));

  test('a missing field compares as zero / empty; lease compares signed', () =>
    withOps(({ f, ops }) => {
      f.put('k', '', 0n);
      f.put('n', 'x', -5n);
      const holds = (c: Compare): boolean => ops.txn(txn([c], [])).response.succeeded;
      assert.equal(holds(cmp('k', CompareTarget.VALUE, CompareResult.EQUAL)), true);
      assert.equal(holds(cmp('k', CompareTarget.LEASE, CompareResult.EQUAL)), true);
      assert.equal(holds(cmp('k', CompareTarget.VERSION, CompareResult.GREATER)), true);
      assert.equal(holds(cmp('n', CompareTarget.LEASE, CompareResult.LESS, { lease: 0n })), true);
      assert.equal(holds(cmp('n', CompareTarget.LEASE, CompareResult.GREATER, { lease: -6n })), true);
      // Only the field matching the target counts.
      assert.equal(holds(cmp('k', CompareTarget.VERSION, CompareResult.EQUAL, { version: 1, modRevision: 99 })), true);
    }));

  test('on a missing key VALUE always fails and the others see zeros', () =>
    withOps(({ ops }) => {
      const holds = (c: Compare): boolean => ops.txn(txn([c], [])).response.succeeded;
      assert.equal(holds(cmp('x', CompareTarget.VALUE, CompareResult.EQUAL)), false);
      assert.equal(holds(cmp('x', CompareTarget.VALUE, CompareResult.NOT_EQUAL, { value: b('v') })), false);
      assert.equal(holds(cmp('x', CompareTarget.CREATE, CompareResult.EQUAL, { createRevision: 0 })), true);
      assert.equal(holds(cmp('x', CompareTarget.VERSION, CompareResult.LESS, { version: 1 })), true);
      assert.equal(holds(cmp('x', CompareTarget.MOD, CompareResult.GREATER, { modRevision: 0 })), false);
      assert.equal(holds(cmp('x', CompareTarget.LEASE, CompareResult.EQUAL, { lease: 0n })), true);
    }));

  test('over a range, a compare must hold for every key; all compares must hold', () =>
    withOps(({ f, ops }) => {
      f.put('a1', 'x');
      f.put('a2', 'x');
      f.put('a3', 'y');
      const holds = (...cs: Compare[]): boolean => ops.txn(txn(cs, [])).response.succeeded;
      const valueX = (end: string | Uint8Array): Compare =>
        cmp('a1', CompareTarget.VALUE, CompareResult.EQUAL, { value: b('x'), rangeEnd: typeof end === 'string' ? b(end) : end });
      assert.equal(holds(valueX('a3')), true);
      assert.equal(holds(valueX('a4')), false);
      assert.equal(holds(valueX(ALL)), false);
      assert.equal(holds(cmp('a', CompareTarget.CREATE, CompareResult.GREATER, { rangeEnd: b('b') })), true);
      assert.equal(holds(cmp('b', CompareTarget.CREATE, CompareResult.GREATER, { rangeEnd: ALL })), false);
      assert.equal(holds(valueX('a3'), cmp('a3', CompareTarget.VALUE, CompareResult.EQUAL, { value: b('y') })), true);
      assert.equal(holds(valueX('a3'), cmp('a3', CompareTarget.VALUE, CompareResult.EQUAL, { value: b('x') })), false);
      assert.equal(holds(), true);
    }));
});

describe('KvOps.txn application', () => {
  test('success and failure branches, one revision for all writes, per-op headers', () =>
    withOps(({ f, ops }) => {
      f.put('a', '0'); // 2
      const t = txn([TRUE], [get('a'), put('a', '1'), get('a'), put('b', '1', { prevKv: true }), del('zz'), del('a', b('b'))], [put('x', '1')]);
      const { response, changes } = ops.txn(t);
      assert.equal(response.succeeded, true);
      assert.equal(response.header.revision, 3);
      const [r0, p1, r2, p3, d4, d5] = response.responses;
      assert.deepEqual([rangeKvs(r0), r0?.range?.header.revision], [['a=0'], 2]);
      assert.deepEqual(p1, { put: { header: { revision: 3 } } });
      assert.deepEqual([rangeKvs(r2), r2?.range?.header.revision], [['a=1'], 3]);
      assert.deepEqual(p3, { put: { header: { revision: 3 } } });
      assert.deepEqual(d4, { deleteRange: { header: { revision: 3 }, deleted: 0, prevKvs: [] } });
      assert.deepEqual([d5?.deleteRange?.deleted, d5?.deleteRange?.header.revision], [1, 3]);
      assert.deepEqual(changes.map((c) => `${c.type} ${Buffer.from(c.kv.key).toString()} ${c.kv.modRevision}`), ['put a 3', 'put b 3', 'delete a 3']);
      assert.equal(f.store.rev, 3);
      assert.deepEqual(f.records(), ['2.0', '3.0', '3.1', '3.2t']);
      const failed = ops.txn(txn([FALSE], [put('y', '1')], [put('x', '1'), get('x')])).response;
      assert.deepEqual([failed.succeeded, failed.header.revision, rangeKvs(failed.responses[1])], [false, 4, ['x=1']]);
      assert.deepEqual(kv(f.store.range(b('y')).kvs), []);
    }));

  test('a write txn that changes nothing keeps the revision; its ops report the begin revision', () =>
    withOps(({ f, ops }) => {
      f.put('a', '1');
      const r = ops.txn(txn([], [del('zz'), get('a')])).response;
      assert.deepEqual([r.header.revision, r.responses[0]?.deleteRange?.header.revision, r.responses[1]?.range?.header.revision], [2, 2, 2]);
      assert.equal(f.store.rev, 2);
    }));

  test('nested txns: path decided on the pre-txn state, one revision, nested headers 0', () =>
    withOps(({ f, ops }) => {
      f.put('k', 'old');
      const inner = txn([cmp('k', CompareTarget.VALUE, CompareResult.EQUAL, { value: b('new') })], [put('then', '1')], [put('else', '1'), get('k')]);
      const deeper = txn([TRUE], [{ txn: txn([FALSE], [], [put('deep', '1')]) }]);
      const { response, changes } = ops.txn(txn([TRUE], [put('k', 'new'), { txn: inner }, { txn: deeper }, put('last', '1')]));
      assert.equal(response.header.revision, 3);
      assert.equal(changes.length, 4);
      const n1 = response.responses[1]?.txn;
      assert.ok(n1 !== undefined);
      // The inner compare saw k=old (pre-txn), so it took its failure branch; its range sees k=new.
      assert.deepEqual([n1.succeeded, n1.header.revision, n1.responses[0], rangeKvs(n1.responses[1])], [false, 0, { put: { header: { revision: 3 } } }, ['k=new']]);
      const n2 = response.responses[2]?.txn;
      assert.deepEqual([n2?.succeeded, n2?.responses[0]?.txn?.succeeded, n2?.responses[0]?.txn?.header.revision], [true, false, 0]);
      assert.deepEqual(kv(f.store.range(b('a'), ALL).kvs), ['deep=1', 'else=1', 'k=new', 'last=1']);
      assert.deepEqual(f.records(), ['2.0', '3.0', '3.1', '3.2', '3.3']);
    }));

  test('a read-only txn moves no revision and runs while a write txn is open', () =>
    withOps(({ f, ops }) => {
      f.put('a', '1');
      const w = f.store.write();
      w.put(b('a'), b('2'));
      const { response, changes } = ops.txn(txn([cmp('a', CompareTarget.VALUE, CompareResult.EQUAL, { value: b('1') })], [get('a')], [get('b')]));
      assert.deepEqual([response.succeeded, response.header.revision, rangeKvs(response.responses[0]), changes], [true, 2, ['a=1'], []]);
      assert.equal(w.end().length, 1);
      assert.equal(f.store.rev, 3);
    }));

  test('puts and deletes in a txn attach and detach leases through the write txn', () =>
    withOps(({ ops, leases }) => {
      ops.txn(txn([], [put('a', '1', { lease: 5n }), put('b', '1', { lease: 6n })]));
      ops.txn(txn([], [put('a', '2', { lease: 6n }), del('b'), { txn: txn([], [put('c', '1', { lease: 5n })]) }]));
      assert.deepEqual(leases.calls, ['attach 5 a', 'attach 6 b', 'detach 5 a', 'attach 6 a', 'detach 6 b', 'attach 5 c']);
    }));

  test('an empty txn is read-only; one with an empty op is not, but writes nothing', () =>
    withOps(({ f, ops }) => {
      assert.deepEqual(ops.txn(txn([], [])).response, { header: { revision: 1 }, succeeded: true, responses: [] });
      const w = f.store.write();
      assert.throws(() => ops.txn(txn([], [{}])), /write txn is still open/);
      w.end();
      assert.deepEqual(ops.txn(txn([], [{}])).response, { header: { revision: 1 }, succeeded: true, responses: [{}] });
    }));
});

describe('KvOps.txn checks before writing', () => {
  const keyNotFound = (e: unknown): boolean => e instanceof RequestError && e.message === 'etcdserver: key not found';
  const leaseNotFound = (e: unknown): boolean => e instanceof RequestError && e.code === 'NotFound';

  test('a failing put check anywhere on the path writes nothing and keeps the revision', () =>
    withOps(({ f, ops, leases }) => {
      f.put('a', '1'); // 2
      const before = f.records();
      const cases: [TxnRequest, (e: unknown) => boolean][] = [
        [txn([], [put('x', '1'), { put: { key: b('missing'), ignoreValue: true } }]), keyNotFound],
        [txn([], [put('x', '1'), { put: { key: b('missing'), value: b('v'), ignoreLease: true } }]), keyNotFound],
        [txn([], [put('x', '1'), { txn: txn([], [put('y', '1', { lease: 77n })]) }]), leaseNotFound],
        [txn([FALSE], [], [put('x', '1'), put('y', '1', { lease: 77n })]), leaseNotFound],
        // The key is put earlier in the same txn, but the check sees the state before it.
        [txn([], [put('n', '1'), { put: { key: b('n'), ignoreValue: true } }]), keyNotFound],
      ];
      leases.calls.length = 0;
      for (const [t, err] of cases) {
        assert.throws(() => ops.txn(t), err);
        assert.equal(f.store.rev, 2);
        assert.deepEqual(f.records(), before);
      }
      assert.deepEqual(leases.calls, []);
      // Ops off the chosen path are not checked.
      assert.equal(ops.txn(txn([TRUE], [put('x', '1')], [put('y', '1', { lease: 77n })])).response.header.revision, 3);
      assert.equal(ops.txn(txn([], [put('a', '', { ignoreValue: true, lease: 5n })])).response.header.revision, 4);
    }));

  test('range revisions on the path: future and below the compaction fail; the compaction point reads', () =>
    withOps(async ({ f, ops }) => {
      f.put('a', '1'); // 2
      f.put('a', '2'); // 3
      f.put('a', '3'); // 4
      assert.throws(() => ops.txn(txn([], [put('x', '1'), get('a', { revision: 5 })])), FutureRevisionError);
      assert.equal(f.store.rev, 4);
      // A read-only txn is checked the same way.
      assert.throws(() => ops.txn(txn([], [get('a', { revision: 5 })])), FutureRevisionError);
      await f.store.compact(3);
      assert.throws(() => ops.txn(txn([], [put('x', '1'), { txn: txn([], [get('a', { revision: 2 })]) }])), CompactedError);
      assert.throws(() => ops.txn(txn([], [get('a', { revision: 2 })])), CompactedError);
      assert.deepEqual([f.store.rev, kv(f.store.range(b('x')).kvs)], [4, []]);
      const r = ops.txn(txn([], [put('x', '1'), get('a', { revision: 3 })])).response;
      assert.deepEqual([r.header.revision, rangeKvs(r.responses[1]), r.responses[1]?.range?.header.revision], [5, ['a=2'], 5]);
    }));

  test('put errors are found before range errors', () =>
    withOps(({ ops }) => {
      assert.throws(() => ops.txn(txn([], [get('a', { revision: 9 }), put('x', '1', { lease: 77n })])), leaseNotFound);
    }));

  test('a negative range revision reads the current one until a compaction, then fails (etcd)', () =>
    withOps(async ({ f, ops }) => {
      f.put('a', '1');
      f.put('a', '2');
      assert.deepEqual(rangeKvs(ops.txn(txn([], [get('a', { revision: -1 })])).response.responses[0]), ['a=2']);
      await f.store.compact(2);
      assert.throws(() => ops.txn(txn([], [get('a', { revision: -1 })])), CompactedError);
    }));
});
