import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServerError } from '../../../server/src/etcdserver/errors.js';
import { Waiters } from '../../../server/src/etcdserver/waiters.js';

test('waiters: answered ones resolve; unanswered ones time out in order with etcd\'s error, counted', async () => {
  // The sweep timer is unref'd (it must not hold a stopping member open): hold the loop here.
  const keepAlive = setInterval(() => undefined, 1000);
  let timedOut = 0;
  const w = new Waiters<string>(30, () => timedOut++);
  const answered = w.register(1n);
  const late = w.register(2n);
  const later = w.register(3n);
  w.resolve(1n, 'one');
  assert.equal(await answered, 'one');
  await assert.rejects(late, (e: unknown) => e instanceof ServerError && e.message === 'etcdserver: request timed out');
  await assert.rejects(later, /request timed out/);
  assert.equal(timedOut, 2);
  assert.equal(w.size, 0);
  w.resolve(2n, 'too late'); // nothing waits any more: ignored
  const last = w.register(4n);
  w.rejectAll(new ServerError('stopped'));
  await assert.rejects(last, /server stopped/);
  clearInterval(keepAlive);
});
