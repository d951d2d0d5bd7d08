import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Operation } from '../checker/history.js';
import { goodRun, kv } from './fixture.js';
import { validateFinalState, type KvRecord, type ValidationInput, type Violation } from './index.js';

function withFinal(revision: number, kvs: KvRecord[], history?: Operation[]): ValidationInput {
  const run = goodRun();
  return { ...run, history: history ?? run.history, finalState: { revision, kvs } };
}

function properties(vs: readonly Violation[]): string[] {
  return [...new Set(vs.map((v) => v.property))].sort();
}

const A3 = kv('a', 'a3', 7, 2, 3);
const C1 = kv('c', 'c1', 6, 6, 1);
const D1 = kv('d', 'd1', 6, 6, 1);

describe('validateFinalState', () => {
  test('the good run passes', () => {
    assert.deepEqual(validateFinalState(goodRun()), []);
  });

  test('nothing to check without a final state', () => {
    const { finalState: _f, ...rest } = goodRun();
    assert.deepEqual(validateFinalState(rest), []);
  });

  test('lost: the final value is older than the last acknowledged write', () => {
    const vs = validateFinalState(withFinal(7, [kv('a', 'a2', 4, 2, 2), C1, D1]));
    assert.deepEqual(properties(vs), ['lost']);
  });

  test('lost: a key written last by an acknowledged put is absent with no delete to explain it', () => {
    assert.deepEqual(properties(validateFinalState(withFinal(7, [C1, D1]))), ['lost']);
  });

  test('an absent key passes when a delete of unknown outcome could have followed', () => {
    const run = goodRun();
    const history: Operation[] = [...run.history, { clientId: 4, call: 5, input: { kind: 'delete', key: 'a' } }];
    assert.deepEqual(validateFinalState(withFinal(7, [C1, D1], history)), []);
  });

  test('an acknowledged delete without revision that finished before the put does not explain it', () => {
    const run = goodRun();
    const history: Operation[] = [...run.history, { clientId: 4, call: 1, return: 2, input: { kind: 'delete', key: 'a' }, output: { kind: 'delete', deleted: 1 } }];
    assert.deepEqual(properties(validateFinalState(withFinal(7, [C1, D1], history))), ['lost']);
  });

  test('lost: a key whose last acknowledged write was a delete is present again', () => {
    const vs = validateFinalState(withFinal(7, [A3, kv('b', 'b1', 3, 3, 1), C1, D1]));
    assert.deepEqual(properties(vs), ['lost']);
  });

  test('lost: same revision as the last acknowledged write but another value', () => {
    assert.ok(validateFinalState(withFinal(7, [kv('a', 'a2', 7, 2, 3), C1, D1])).some((v) => v.property === 'lost'));
  });

  test('phantom: a final value nobody wrote', () => {
    // A watch saw c=c1@6, so the final state also disagrees with the watch log.
    const vs = validateFinalState(withFinal(7, [A3, kv('c', 'cz', 6, 6, 1), D1]));
    assert.deepEqual(properties(vs), ['finalState', 'phantom']);
  });

  test('durability: the final revision is below an acknowledged revision', () => {
    const vs = validateFinalState(withFinal(6, [kv('a', 'a2', 4, 2, 2), C1, D1]));
    assert.ok(properties(vs).includes('durability'));
  });

  test('lost: older than what a watch saw, even without revisions in the history', () => {
    const run = goodRun();
    const history = run.history.map((o): Operation =>
      (o.output === undefined || o.output.kind !== 'put' ? o : { ...o, output: { kind: 'put' } }));
    const vs = validateFinalState(withFinal(7, [kv('a', 'a2', 4, 2, 2), C1, D1], history));
    assert.deepEqual(properties(vs), ['lost']);
  });

  test('a later write of unknown outcome may be the final value', () => {
    const run = goodRun();
    const history: Operation[] = [...run.history, { clientId: 4, call: 65, input: { kind: 'put', key: 'a', value: 'a4' } }];
    assert.deepEqual(validateFinalState(withFinal(8, [kv('a', 'a4', 8, 2, 4), C1, D1], history)), []);
  });

  test('finalState: malformed or duplicated keys', () => {
    assert.ok(properties(validateFinalState(withFinal(7, [A3, A3, C1, D1]))).includes('finalState'));
    assert.ok(properties(validateFinalState(withFinal(7, [kv('a', 'a3', 7, 8, 3), C1, D1]))).includes('finalState'));
  });
});
