import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Backend, BackendClosedError, Bucket, ViewReleasedError } from '../../../server/src/backend/index.js';
import { revKey, tempDb, waitFor, withBackend } from './helpers.js';

function dump(v: { range: Backend['range'] }): string[] {
  return v.range(Bucket.key, Buffer.alloc(0)).map(([k, val]) => `${k.readBigUInt64BE(0)}=${val.toString()}`);
}

describe('read views', () => {
  test('a view sees exactly the writes put before it, through puts, deletes, commits and more views', async () => {
    await withBackend(async (b) => {
      for (let i = 1; i <= 5; i++) b.put(Bucket.key, revKey(i), Buffer.from(`v${i}`));
      await b.commit();
      b.put(Bucket.key, revKey(6), Buffer.from('v6')); // pending when the view is taken
      const view = b.readView();
      const before = dump(view);
      assert.deepEqual(before, ['1=v1', '2=v2', '3=v3', '4=v4', '5=v5', '6=v6']);

      b.put(Bucket.key, revKey(2), Buffer.from('changed'));
      b.delete(Bucket.key, revKey(3));
      b.delete(Bucket.key, revKey(6));
      b.put(Bucket.key, revKey(7), Buffer.from('v7'));
      assert.deepEqual(dump(view), before);
      const commit = b.commit();
      const during = b.readView(); // taken while the commit is in flight
      await commit;
      const after = b.readView();
      for (let i = 8; i <= 200; i++) b.put(Bucket.key, revKey(i), Buffer.from('x'));
      await b.commit();
      assert.deepEqual(dump(view), before);
      assert.equal(view.get(Bucket.key, revKey(3))?.toString(), 'v3');
      assert.equal(view.count(Bucket.key), 6);
      const expectNow = ['1=v1', '2=changed', '4=v4', '5=v5', '7=v7'];
      assert.deepEqual(dump(during), expectNow);
      assert.deepEqual(dump(after), expectNow);
      for (const v of [view, during, after]) v.release();
    });
  });

  test('iterating entries lazily and stopping early; forEach stops on false', async () => {
    await withBackend(async (b) => {
      for (let i = 1; i <= 50; i++) b.put(Bucket.key, revKey(i), Buffer.from('x'));
      await b.commit();
      b.put(Bucket.key, revKey(51), Buffer.from('y'));
      const view = b.readView();
      let n = 0;
      for (const [k] of view.entries(Bucket.key, revKey(10))) {
        assert.equal(Number(k.readBigUInt64BE(0)), 10 + n);
        if (++n === 5) break;
      }
      const seen: number[] = [];
      view.forEach(Bucket.key, revKey(48), undefined, (k) => {
        seen.push(Number(k.readBigUInt64BE(0)));
        return seen.length < 3;
      });
      assert.deepEqual(seen, [48, 49, 50]);
      view.release();
      view.release(); // idempotent
      assert.throws(() => view.get(Bucket.key, revKey(1)), ViewReleasedError);
      assert.throws(() => view.range(Bucket.key, revKey(1)), ViewReleasedError);
    });
  });

  test('many views can be taken and released (reader slots are returned)', async () => {
    await withBackend(async (b) => {
      b.put(Bucket.key, revKey(1), Buffer.from('a'));
      await b.commit();
      for (let i = 0; i < 1000; i++) {
        const v = b.readView();
        assert.equal(v.get(Bucket.key, revKey(1))?.toString(), 'a');
        v.release();
        if (i % 100 === 0) await b.commit();
      }
      const open = Array.from({ length: 50 }, () => b.readView());
      for (const v of open) v.release();
    });
  });

  test('defrag waits for views taken before it; the views keep reading their snapshot meanwhile', async () => {
    await withBackend(async (b) => {
      for (let i = 1; i <= 300; i++) b.put(Bucket.key, revKey(i), Buffer.alloc(200, i & 0xff));
      await b.commit();
      for (let i = 1; i <= 290; i++) b.delete(Bucket.key, revKey(i));
      const view = b.readView(); // sees the deletes (pending)
      await b.commit();
      const old = b.readView(); // taken after the deletes committed
      const defrag = b.defrag();
      await waitFor(() => b.defragPhase === 'draining', 'defrag to wait for views');
      // writes are accepted and readable while defrag waits; views are unchanged
      b.put(Bucket.key, revKey(1000), Buffer.from('during'));
      assert.equal(b.get(Bucket.key, revKey(1000))?.toString(), 'during');
      assert.equal(view.count(Bucket.key), 10);
      assert.equal(old.get(Bucket.key, revKey(1000)), undefined);
      view.release();
      assert.equal(b.defragPhase, 'draining');
      old.release();
      const r = await defrag;
      assert.ok(r.sizeAfter < r.sizeBefore, `${r.sizeAfter} < ${r.sizeBefore}`);
      assert.equal(b.count(Bucket.key), 11);
      assert.equal(b.get(Bucket.key, revKey(1000))?.toString(), 'during');
    });
  });

  test('close releases views still open; using them afterwards throws', async () => {
    const t = tempDb();
    const b = Backend.open(t.path);
    try {
      b.put(Bucket.key, revKey(1), Buffer.from('a'));
      const v = b.readView();
      await b.close();
      assert.equal(v.isReleased, true);
      assert.throws(() => v.get(Bucket.key, revKey(1)), ViewReleasedError);
      assert.throws(() => b.readView(), BackendClosedError);
      assert.throws(() => b.put(Bucket.key, revKey(2), Buffer.from('b')), BackendClosedError);
      await assert.rejects(b.commit(), BackendClosedError);
      await b.close(); // idempotent
    } finally {
      t.cleanup();
    }
  });

  test('close while defrag waits for a view: the view is released, defrag completes, data survive', async () => {
    const t = tempDb();
    try {
      const b = Backend.open(t.path);
      for (let i = 1; i <= 100; i++) b.put(Bucket.key, revKey(i), Buffer.from(`v${i}`));
      await b.commit();
      const v = b.readView();
      const defrag = b.defrag();
      await waitFor(() => b.defragPhase === 'draining', 'defrag to wait for the view');
      b.put(Bucket.key, revKey(101), Buffer.from('v101'));
      await b.close();
      await defrag;
      assert.equal(v.isReleased, true);
      const again = Backend.open(t.path);
      assert.equal(again.count(Bucket.key), 101);
      await again.close();
    } finally {
      t.cleanup();
    }
  });
});
