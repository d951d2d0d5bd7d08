import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RequestOp, TxnRequest } from '../../../server/src/mvcc/kv-requests.js';
import { RequestError } from '../../../server/src/mvcc/request-errors.js';
import { checkDeleteRangeRequest, checkPutRequest, checkRangeRequest, checkTxnRequest } from '../../../server/src/mvcc/txn-check.js';
import { ALL, b } from './store-helpers.js';

const EMPTY = new Uint8Array(0);

/** Asserts fn throws the RequestError with this message (and code). */
function refuses(fn: () => void, message: string, code = 'InvalidArgument'): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RequestError, `not a RequestError: ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    assert.equal(e.name, 'RequestError');
    return true;
  });
}

const EMPTY_KEY = 'etcdserver: key is not provided';
const DUPLICATE = 'etcdserver: duplicate key given in txn request';
const TOO_MANY = 'etcdserver: too many operations in txn request';

function put(key: string): RequestOp {
  return { put: { key: b(key), value: b('v') } };
}
function del(key: string, end?: string | Buffer): RequestOp {
  if (end === undefined) return { deleteRange: { key: b(key) } };
  return { deleteRange: { key: b(key), rangeEnd: typeof end === 'string' ? b(end) : end } };
}
function get(key: string): RequestOp {
  return { range: { key: b(key) } };
}
function txn(success: RequestOp[], failure: RequestOp[] = [], compareCount = 0): TxnRequest {
  const compare = Array.from({ length: compareCount }, () => ({ result: 0, target: 0, key: b('c') }));
  return { compare, success, failure };
}
function nested(success: RequestOp[], failure: RequestOp[] = []): RequestOp {
  return { txn: txn(success, failure) };
}
function ops(n: number, make: (i: number) => RequestOp): RequestOp[] {
  return Array.from({ length: n }, (_, i) => make(i));
}

describe('checkRangeRequest / checkPutRequest / checkDeleteRangeRequest', () => {
  test('an empty key is refused by every request kind', () => {
    refuses(() => checkRangeRequest({ key: EMPTY }), EMPTY_KEY);
    refuses(() => checkPutRequest({ key: EMPTY, value: b('v') }), EMPTY_KEY);
    refuses(() => checkDeleteRangeRequest({ key: EMPTY, rangeEnd: ALL }), EMPTY_KEY);
    checkRangeRequest({ key: b('a'), rangeEnd: ALL });
    checkDeleteRangeRequest({ key: b('a') });
  });

  test('sort order and target must be enum values', () => {
    for (const sortOrder of [0, 1, 2]) for (const sortTarget of [0, 1, 2, 3, 4]) checkRangeRequest({ key: b('a'), sortOrder, sortTarget });
    for (const sortOrder of [-1, 3, 1.5]) refuses(() => checkRangeRequest({ key: b('a'), sortOrder }), 'etcdserver: invalid sort option');
    for (const sortTarget of [-1, 5, 100]) refuses(() => checkRangeRequest({ key: b('a'), sortTarget }), 'etcdserver: invalid sort option');
  });

  test('ignoreValue refuses a value, ignoreLease refuses a lease; empty ones pass', () => {
    refuses(() => checkPutRequest({ key: b('a'), value: b('x'), ignoreValue: true }), 'etcdserver: value is provided');
    refuses(() => checkPutRequest({ key: b('a'), lease: 5n, ignoreLease: true }), 'etcdserver: lease is provided');
    refuses(() => checkPutRequest({ key: b('a'), lease: -1n, ignoreLease: true }), 'etcdserver: lease is provided');
    checkPutRequest({ key: b('a'), value: EMPTY, ignoreValue: true, lease: 0n, ignoreLease: true });
    checkPutRequest({ key: b('a'), ignoreValue: true, lease: 5n });
    checkPutRequest({ key: b('a'), value: b('x'), ignoreLease: true });
  });

  test('errors carry etcd codes: leaseNotFound is NotFound', () => {
    refuses(() => {
      throw RequestError.leaseNotFound();
    }, 'etcdserver: requested lease not found', 'NotFound');
  });
});

describe('checkTxnRequest: size and shape', () => {
  test('128 of anything passes, 129 compares, successes or failures are too many', () => {
    checkTxnRequest(txn(ops(128, (i) => put(`k${i}`)), ops(128, (i) => put(`k${i}`)), 128));
    refuses(() => checkTxnRequest(txn([], [], 129)), TOO_MANY);
    refuses(() => checkTxnRequest(txn(ops(129, (i) => put(`k${i}`)))), TOO_MANY);
    refuses(() => checkTxnRequest(txn([], ops(129, (i) => get(`k${i}`)))), TOO_MANY);
  });

  test('the limit can be set, and nested txns get what the outer one leaves', () => {
    refuses(() => checkTxnRequest(txn(ops(4, (i) => put(`k${i}`))), 3), TOO_MANY);
    checkTxnRequest(txn(ops(3, (i) => put(`k${i}`))), 3);
    const outer = (inner: number): TxnRequest => txn([...ops(99, (i) => put(`o${i}`)), nested(ops(inner, (i) => put(`n${i}`)))]);
    checkTxnRequest(outer(28)); // 100 ops at the top: 28 left
    refuses(() => checkTxnRequest(outer(29)), TOO_MANY);
    // The budget is taken at every level: 10 at the top, 100 below, then at most 18.
    const deep = (n: number): TxnRequest =>
      txn([...ops(9, (i) => get(`a${i}`)), nested([...ops(99, (i) => get(`b${i}`)), { txn: txn(ops(n, (i) => get(`c${i}`))) }])]);
    checkTxnRequest(deep(18));
    refuses(() => checkTxnRequest(deep(19)), TOO_MANY);
  });

  test('a compare without a key, an empty op, or a bad op anywhere is refused', () => {
    refuses(() => checkTxnRequest({ compare: [{ result: 0, target: 3, key: EMPTY }], success: [], failure: [] }), EMPTY_KEY);
    refuses(() => checkTxnRequest(txn([put('a'), {}])), 'etcdserver: key not found');
    refuses(() => checkTxnRequest(txn([], [nested([], [{}])])), 'etcdserver: key not found');
    refuses(() => checkTxnRequest(txn([nested([{ put: { key: b('a'), value: b('x'), ignoreValue: true } }])])), 'etcdserver: value is provided');
    refuses(() => checkTxnRequest(txn([], [{ range: { key: b('a'), sortOrder: 7 } }])), 'etcdserver: invalid sort option');
    refuses(() => checkTxnRequest(txn([{ deleteRange: { key: EMPTY } }])), EMPTY_KEY);
  });

  test('shape errors come before duplicate errors', () => {
    refuses(() => checkTxnRequest(txn([put('a'), put('a'), { range: { key: EMPTY } }])), EMPTY_KEY);
  });
});

describe('checkTxnRequest: keys written twice on one path', () => {
  const dup = (t: TxnRequest): void => refuses(() => checkTxnRequest(t), DUPLICATE);

  test('put/put of one key; a put inside a deleted key or range, in either order', () => {
    dup(txn([put('a'), put('a')]));
    dup(txn([], [put('a'), get('x'), put('a')]));
    dup(txn([del('a'), put('a')]));
    dup(txn([put('b'), del('a', 'c')]));
    dup(txn([del('a', 'c'), put('a')]));
    checkTxnRequest(txn([del('a', 'c'), put('c')])); // the end is exclusive
    checkTxnRequest(txn([del('b'), put('ba')])); // a single-key delete is one key
    checkTxnRequest(txn([del('c', 'a'), put('b')])); // key ≥ end deletes nothing
  });

  test('a \\0 range end reaches every later key', () => {
    dup(txn([del('m', ALL), put('zzz')]));
    dup(txn([del('m', ALL), put('m')]));
    checkTxnRequest(txn([del('m', ALL), put('l')]));
    dup(txn([del('m', ALL), nested([put('\u00ff\u00ff')])]));
  });

  test('delete/delete overlaps and ranges never conflict; branches are checked apart', () => {
    checkTxnRequest(txn([del('a', 'z'), del('b'), del('a', ALL)]));
    checkTxnRequest(txn([get('a'), put('a'), { range: { key: b('a'), rangeEnd: ALL } }]));
    checkTxnRequest(txn([put('a')], [put('a')]));
    checkTxnRequest(txn([put('a')], [del('a', ALL)]));
  });

  test('nested then/else may put the same key; nested vs outer puts may not', () => {
    checkTxnRequest(txn([nested([put('a')], [put('a')])]));
    dup(txn([put('a'), nested([put('a')])]));
    dup(txn([put('a'), nested([], [put('a')])]));
    dup(txn([nested([put('a')]), nested([], [put('a')])]));
    dup(txn([nested([], [put('a')]), nested([put('a')])]));
    dup(txn([nested([put('a')], [put('a')]), nested([put('a')])]));
    // Deeper nesting carries puts up through both branches.
    dup(txn([nested([nested([], [put('a')])]), put('a')]));
  });

  test('nested puts against outer and earlier nested deletes', () => {
    dup(txn([del('a', 'c'), nested([put('b')])]));
    dup(txn([del('a', 'c'), nested([], [put('b')])]));
    dup(txn([nested([del('a', 'c')]), put('b')]));
    dup(txn([nested([], [del('a')]), nested([put('a')])]));
    checkTxnRequest(txn([nested([del('a', 'c')]), nested([del('b')]), put('c')]));
    // Inside one nested txn, its own delete and its else-branch put do not meet.
    checkTxnRequest(txn([nested([del('a')], [put('a')])]));
  });
});
