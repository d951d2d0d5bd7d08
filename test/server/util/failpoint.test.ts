import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailpointError, disableFailpoint, enableFailpoint, failpoint, failpointOn } from '../../../server/src/util/index.js';

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

test('on is a switch: failpointOn tells, failpoint(name) passes', () => {
  assert.equal(failpointOn('aSwitch'), false);
  enableFailpoint('aSwitch', 'on');
  assert.equal(failpointOn('aSwitch'), true);
  assert.equal(failpointOn('anotherSwitch'), false);
  failpoint('aSwitch');
  disableFailpoint('aSwitch');
  assert.equal(failpointOn('aSwitch'), false);
});

test('a crash failpoint is not a switch', () => {
  enableFailpoint('crashPoint', 'throw');
  assert.equal(failpointOn('crashPoint'), false);
  disableFailpoint('crashPoint');
});
