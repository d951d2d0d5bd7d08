// Every client-API message survives encode → decode with every field intact, including
// full-width 64-bit values, and the sample table covers every generated message type.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { authpb, etcdserverpb, mvccpb, v3electionpb, v3lockpb } from '../../../server/src/pb/index.js';
import { SAMPLES, type Sample } from './samples.js';

// Longs and bytes as strings, so deepEqual compares values rather than object identity.
const AS_STRINGS = { longs: String, bytes: String, enums: String };

function plain(s: Sample, message: object, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return s.type.toObject(message as never, { ...AS_STRINGS, ...extra });
}

/** Message classes of a generated namespace (enums are plain objects, classes are functions). */
function messageNames(ns: object): string[] {
  return Object.entries(ns)
    .filter(([, v]) => typeof v === 'function' && 'decode' in v)
    .map(([k]) => k);
}

describe('pb round trip', () => {
  test('every sample survives encode/decode and re-encodes to the same bytes', () => {
    for (const s of SAMPLES) {
      const bytes = s.type.encode(s.value as never).finish();
      const decoded = s.type.decode(bytes);
      assert.deepEqual(plain(s, decoded), plain(s, s.type.fromObject(s.value as Record<string, unknown>)), s.name);
      assert.deepEqual(Buffer.from(s.type.encode(decoded as never).finish()), Buffer.from(bytes), s.name);
    }
  });

  test('the samples of each type set every field to a non-default value', () => {
    const seen = new Map<string, Set<string>>();
    for (const s of SAMPLES) {
      // Only fields that were on the wire come back as own properties after decode.
      const keys = Object.keys(plain(s, s.type.decode(s.type.encode(s.value as never).finish())));
      const set = seen.get(s.name) ?? new Set<string>();
      for (const k of keys) set.add(k);
      seen.set(s.name, set);
    }
    for (const s of SAMPLES) {
      // With defaults on, toObject lists every field outside a oneof.
      const all = Object.keys(plain(s, s.type.fromObject({}), { defaults: true }));
      const missing = all.filter((k) => !seen.get(s.name)?.has(k));
      assert.deepEqual(missing, [], `${s.name} has fields left at their default`);
    }
  });

  test('oneof members each get their own sample', () => {
    const keysOf = (name: string): string[] =>
      SAMPLES.filter((s) => s.name === name).flatMap((s) => Object.keys(plain(s, s.type.decode(s.type.encode(s.value as never).finish()))));
    assert.deepEqual(new Set(keysOf('RequestOp')), new Set(['requestRange', 'requestPut', 'requestDeleteRange', 'requestTxn']));
    assert.deepEqual(new Set(keysOf('ResponseOp')), new Set(['responseRange', 'responsePut', 'responseDeleteRange', 'responseTxn']));
    assert.deepEqual(new Set(keysOf('WatchRequest')), new Set(['createRequest', 'cancelRequest', 'progressRequest']));
    const compare = new Set(keysOf('Compare'));
    for (const k of ['version', 'createRevision', 'modRevision', 'value', 'lease']) assert.ok(compare.has(k), `Compare.${k}`);
  });

  test('the table covers every message type of the client API', () => {
    const covered = new Set(SAMPLES.map((s) => s.name));
    for (const ns of [etcdserverpb, mvccpb, authpb, v3lockpb, v3electionpb]) {
      const missing = messageNames(ns).filter((n) => !covered.has(n));
      assert.deepEqual(missing, [], 'message types without a sample');
    }
    // A tripwire against the namespace filter finding nothing.
    assert.ok(messageNames(etcdserverpb).length >= 90);
  });

  test('64-bit extremes keep every bit', () => {
    const m = etcdserverpb.StatusResponse.decode(
      etcdserverpb.StatusResponse.encode({ leader: '18446744073709551615' as never, dbSize: -1 }).finish(),
    );
    assert.equal(String(m.leader), '18446744073709551615');
    assert.equal(String(m.dbSize), '-1');
  });
});
