import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailpointError, disableFailpoint, enableFailpoint, failpoint } from '../../../server/src/util/index.js';

test('a failpoint does nothing until enabled, then throws', () => {
  failpoint('testPoint');
  enableFailpoint('testPoint', 'throw');
  assert.throws(() => failpoint('testPoint'), FailpointError);
  failpoint('otherPoint');
  disableFailpoint('testPoint');
  failpoint('testPoint');
});

test('count(N) lets N passes through before acting', () => {
  enableFailpoint('counted', 'count(2)->throw');
  failpoint('counted');
  failpoint('counted');
  assert.throws(() => failpoint('counted'), /counted/);
  disableFailpoint('counted');
});

test('a bad action is refused', () => {
  assert.throws(() => enableFailpoint('x', 'explode'), /bad failpoint action/);
});
