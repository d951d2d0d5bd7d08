import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHistory } from './index.js';
import { simulate } from './simulate.js';

// Measures, does not assert, the time: 10,000 operations over 100 keys from 10 clients.
test('10,000 operations, 100 keys, 10 clients: ok, time printed', () => {
  const h = simulate({ seed: 42, ops: 10_000, keys: 100, clients: 10, unknownRate: 0.02 });
  const t0 = performance.now();
  const r = checkHistory(h, { timeoutMs: 60_000 });
  const ms = performance.now() - t0;
  console.log(`checked ${h.length} operations over ${r.stats.keys} keys in ${ms.toFixed(0)} ms`);
  assert.equal(r.kind, 'ok');
});
