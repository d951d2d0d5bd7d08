import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cas, del, get, lost, put } from './build.js';
import { checkHistory, HistoryError, type CheckResult, type Operation } from './index.js';

function kind(history: Operation[], revisions = true): CheckResult['kind'] {
  return checkHistory(history, { revisions }).kind;
}

function mustFail(history: Operation[]): Extract<CheckResult, { kind: 'violation' }> {
  const r = checkHistory(history);
  assert.equal(r.kind, 'violation', JSON.stringify(r));
  return r as Extract<CheckResult, { kind: 'violation' }>;
}

describe('linearizable histories', () => {
  test('concurrent puts; reads during the overlap see either value, then the last one', () => {
    const h = [
      put([1, 0, 10], 'k', 'a'),
      put([2, 2, 12], 'k', 'b'),
      get([3, 3, 5], 'k', 'a'),
      get([4, 4, 6], 'k', 'b'),
      get([3, 13, 14], 'k', 'b'),
    ];
    assert.equal(kind(h), 'ok');
    // The other order of the two puts is just as possible.
    assert.equal(kind([put([1, 0, 10], 'k', 'a'), put([2, 2, 12], 'k', 'b'), get([3, 13, 14], 'k', 'a')]), 'ok');
  });

  test('a read concurrent with a put may see the old value or the new one', () => {
    for (const seen of [null, 'a']) assert.equal(kind([put([1, 0, 10], 'k', 'a'), get([2, 1, 9], 'k', seen)]), 'ok');
  });

  test('a timed-out put may or may not have taken effect, at any time after its call', () => {
    const base = [put([1, 0, 1], 'k', 'a'), lost(put([2, 2, 3], 'k', 'b'))];
    assert.equal(kind([...base, get([3, 20, 21], 'k', 'b')]), 'ok');
    assert.equal(kind([...base, get([3, 20, 21], 'k', 'a')]), 'ok');
    assert.equal(kind([...base, get([3, 20, 21], 'k', 'a'), get([3, 30, 31], 'k', 'b')]), 'ok');
    // Once seen, it stays: reading the older value afterwards is not possible.
    assert.equal(kind([...base, get([3, 20, 21], 'k', 'b'), get([3, 30, 31], 'k', 'a')]), 'violation');
  });

  test('a timed-out put whose value was read had taken effect by then; unread ones are dropped', () => {
    const h = [
      put([1, 0, 1], 'k', 'a'),
      lost(put([2, 2, 3], 'k', 'b')),
      lost(put([3, 2, 3], 'k', 'c')),
      get([1, 10, 11], 'k', 'b'),
    ];
    assert.equal(kind(h), 'ok');
    assert.equal(kind([...h, get([4, 4, 5], 'k', 'a')]), 'ok');
    assert.equal(kind([...h, get([4, 12, 13], 'k', 'a')]), 'violation');
    assert.equal(kind([...h, get([4, 12, 13], 'k', 'c')]), 'ok');
    assert.equal(kind([...h, get([4, 12, 13], 'k', 'c'), get([4, 14, 15], 'k', 'b')]), 'violation');
  });

  test('a timed-out put cannot take effect before it was called', () => {
    assert.equal(kind([get([1, 0, 1], 'k', 'b'), lost(put([2, 2, 3], 'k', 'b'))]), 'violation');
  });

  test('revisions: concurrent writes, reads with header and mod revisions', () => {
    const h = [
      put([1, 0, 10], 'k', 'a', 2),
      put([2, 1, 11], 'k', 'b', 1),
      get([3, 2, 12], 'k', 'a', 2, 2),
      put([1, 20, 21], 'j', 'x', 3),
      get([2, 22, 23], 'k', 'a', 3, 2),
      del([3, 24, 25], 'k', 1, 4),
      del([3, 26, 27], 'k', 0, 4),
      get([1, 28, 29], 'k', null, 4),
    ];
    assert.equal(kind(h), 'ok');
  });

  test('concurrent CAS from one expected value: one succeeds, one fails', () => {
    const h = [
      put([1, 0, 1], 'k', 'v0', 1),
      cas([2, 2, 6], 'k', 'v0', 'a', true, 2),
      cas([3, 3, 7], 'k', 'v0', 'b', false, 2),
      cas([1, 8, 9], 'k', { mod: 2 }, 'c', true, 3),
      get([2, 10, 11], 'k', 'c', 3, 3),
    ];
    assert.equal(kind(h), 'ok');
  });

  test('a timed-out CAS on a mod revision never recorded: either outcome is possible', () => {
    const h = [
      lost(put([1, 0, 1], 'k', 'a')),
      get([2, 2, 3], 'k', 'a', 7),
      lost(cas([1, 4, 5], 'k', { mod: 5 }, 'b', true)),
    ];
    assert.equal(kind([...h, get([2, 10, 11], 'k', 'b', 8, 8)]), 'ok');
    assert.equal(kind([...h, get([2, 10, 11], 'k', 'a', 8, 5)]), 'ok');
    // The read pinned nothing above 7, so a mod revision of 8 for "a" is impossible.
    assert.equal(kind([...h, get([2, 10, 11], 'k', 'a', 9, 8)]), 'violation');
  });
});

describe('violations', () => {
  test('stale read after a completed write', () => {
    const r = mustFail([put([1, 0, 1], 'k', 'a'), put([1, 2, 3], 'k', 'b'), get([2, 4, 5], 'k', 'a')]);
    assert.equal(r.key, 'k');
    assert.deepEqual(r.operations.map((x) => x.index), [0, 1, 2]);
  });

  test('lost acknowledged write', () => {
    const r = mustFail([put([1, 0, 1], 'k', 'a'), get([2, 2, 3], 'k', null)]);
    assert.deepEqual(r.operations.map((x) => x.index), [0, 1]);
  });

  test('read of a value never written', () => {
    const r = mustFail([put([1, 0, 1], 'k', 'a'), get([2, 0, 3], 'k', 'zzz')]);
    assert.deepEqual(r.operations.map((x) => x.index), [1]);
  });

  test('two successful CAS from the same expected value', () => {
    const r = mustFail([
      put([1, 0, 1], 'k', 'v0'),
      cas([2, 2, 6], 'k', 'v0', 'a', true),
      cas([3, 3, 7], 'k', 'v0', 'b', true),
    ]);
    assert.equal(r.operations.length, 3);
  });

  test('revision going backwards in real time, across keys', () => {
    const r = mustFail([put([1, 0, 1], 'a', 'x', 5), put([2, 2, 3], 'b', 'y', 4)]);
    assert.equal(r.key, undefined);
    assert.match(r.reason, /backwards/);
    assert.equal(kind([put([1, 0, 1], 'a', 'x', 5), put([2, 2, 3], 'b', 'y', 4)], false), 'ok');
  });

  test('revision going backwards within a key, hidden by concurrency', () => {
    // The read overlaps the put, so real time allows it; but it saw the put's value with an
    // older header revision than the put created.
    const r = mustFail([put([1, 0, 10], 'k', 'a', 5), get([2, 1, 2], 'k', 'a', 3)]);
    assert.equal(r.key, 'k');
  });

  test('two acknowledged writes with the same revision', () => {
    const r = mustFail([put([1, 0, 10], 'a', 'x', 5), put([2, 1, 11], 'b', 'y', 5)]);
    assert.match(r.reason, /same revision/);
  });

  test('a mod revision that does not match the write that produced the value', () => {
    mustFail([put([1, 0, 1], 'k', 'a', 3), get([2, 2, 3], 'k', 'a', 4, 4)]);
  });

  test('a delete that reports nothing deleted while the key exists', () => {
    mustFail([put([1, 0, 1], 'k', 'a'), del([2, 2, 3], 'k', 0)]);
  });

  test('the shrunk sub-history drops unrelated reads but keeps the writes the stale read needs', () => {
    const h = [
      get([1, 0, 1], 'k', null),
      put([1, 2, 3], 'k', 'a'),
      get([2, 2, 5], 'k', 'a'),
      get([3, 4, 6], 'k', 'a'),
      put([1, 7, 8], 'k', 'b'),
      get([2, 9, 10], 'k', 'b'),
      get([3, 11, 12], 'k', 'a'),
      put([4, 0, 20], 'other', 'z'),
    ];
    const r = mustFail(h);
    assert.deepEqual(r.operations.map((x) => x.index), [1, 4, 6]);
    assert.match(r.report, /key "k"/);
    assert.match(r.report, /#6 client 3 \[11, 12\] get\("k"\) -> "a"/);
  });
});

describe('budget and input checks', () => {
  test('an exhausted time budget answers unknown, never ok', () => {
    let t = 0;
    const r = checkHistory([put([1, 0, 1], 'k', 'a'), get([2, 2, 3], 'k', 'a')], { now: () => t++, timeoutMs: 0 });
    assert.equal(r.kind, 'unknown');
    assert.deepEqual(r.kind === 'unknown' ? r.undecidedKeys : [], ['k']);
  });

  test('malformed histories are rejected with HistoryError', () => {
    assert.throws(() => checkHistory([{ ...put([1, 5, 1], 'k', 'a') }]), HistoryError);
    assert.throws(() => checkHistory([{ clientId: 1, call: 0, return: 1, input: { kind: 'get', key: 'k' } }]), HistoryError);
    assert.throws(
      () => checkHistory([{ clientId: 1, call: 0, return: 1, input: { kind: 'get', key: 'k' }, output: { kind: 'put' } }]),
      HistoryError,
    );
  });
});
