import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WatchClosedError, type WatchableStoreOptions, WatcherExistsError, WatcherRangeError } from '../../../server/src/mvcc/index.js';
import { waitFor } from '../../support/wait-for.js';
import { ALL, b } from './store-helpers.js';
import { WatchFixture, drain, show, take } from './watch-helpers.js';

async function withWatch(fn: (f: WatchFixture) => Promise<void> | void, options: WatchableStoreOptions = {}): Promise<void> {
  const f = await WatchFixture.create(options);
  try {
    await fn(f);
  } finally {
    await f.close();
  }
}

describe('watchable store: synced watchers', () => {
  test('a key watcher gets the puts and deletes of its key, a txn in one response', () =>
    withWatch(async (f) => {
      const s = f.store.newWatchStream();
      assert.equal(s.watch({ key: b('a') }), 0);
      f.write('b=1');
      f.write('a=1', 'b=2', 'a=2');
      f.write('-a');
      assert.deepEqual((await take(s, 2)).map(show), [
        'w0 r3: put a=1 c3 m3 v1 | put a=2 c3 m3 v2',
        'w0 r4: delete a m4',
      ]);
      assert.equal(s.poll(), undefined, 'nothing else: b is not watched');
    }));

  test('range, prefix and [0x00]-ended watchers see exactly their keys', () =>
    withWatch(async (f) => {
      const s = f.store.newWatchStream();
      const range = s.watch({ key: b('b'), end: b('d') });
      const all = s.watch({ key: b('c'), end: ALL });
      f.write('a=1', 'b=1', 'c=1', 'd=1', 'zz=1');
      const got = (await take(s, 2)).map(show).sort();
      assert.deepEqual(got, [
        `w${range} r2: put b=1 c2 m2 v1 | put c=1 c2 m2 v1`,
        `w${all} r2: put c=1 c2 m2 v1 | put d=1 c2 m2 v1 | put zz=1 c2 m2 v1`,
      ]);
    }));

  test('a start revision in the future delivers from there on only', () =>
    withWatch(async (f) => {
      const s = f.store.newWatchStream();
      s.watch({ key: b('a'), startRev: 4 });
      f.write('a=1'); // rev 2
      f.write('a=2'); // rev 3
      f.write('a=3'); // rev 4
      assert.deepEqual((await take(s, 1)).map(show), ['w0 r4: put a=3 c2 m4 v3']);
    }));

  test('NOPUT and NODELETE filters; a response whose events are all filtered is not sent', () =>
    withWatch(async (f) => {
      const s = f.store.newWatchStream();
      const noPut = s.watch({ key: b('a'), end: b('z'), noPut: true });
      const noDel = s.watch({ key: b('a'), end: b('z'), noDelete: true });
      f.write('a=1', 'b=1');
      f.write('-a', 'c=1');
      f.write('-b');
      const got = (await take(s, 4)).map(show);
      assert.deepEqual(got, [
        `w${noDel} r2: put a=1 c2 m2 v1 | put b=1 c2 m2 v1`,
        `w${noPut} r3: delete a m3`,
        `w${noDel} r3: put c=1 c3 m3 v1`,
        `w${noPut} r4: delete b m4`,
      ]);
      assert.equal(s.poll(), undefined);
    }));

  test('prev_kv carries the value before each change; a created key has none', () =>
    withWatch(async (f) => {
      const s = f.store.newWatchStream();
      s.watch({ key: b('a'), prevKv: true });
      f.write('a=1');
      f.write('a=2');
      f.write('-a');
      assert.deepEqual((await take(s, 3)).map(show), [
        'w0 r2: put a=1 c2 m2 v1',
        'w0 r3: put a=2 c2 m3 v2 (prev a=1 m2)',
        'w0 r4: delete a m4 (prev a=2 m3)',
      ]);
    }));

  test('ids: lowest free from 0, a taken id refused, cancel stops events, empty range refused', () =>
    withWatch(async (f) => {
      const s = f.store.newWatchStream();
      assert.equal(s.watch({ key: b('a'), id: 1 }), 1);
      assert.equal(s.watch({ key: b('a') }), 0);
      assert.equal(s.watch({ key: b('a') }), 2);
      assert.throws(() => s.watch({ key: b('a'), id: 2 }), (e: Error) => e instanceof WatcherExistsError && e.message === 'mvcc: duplicate watch ID provided on the WatchStream');
      assert.throws(() => s.watch({ key: b('b'), end: b('a') }), (e: Error) => e instanceof WatcherRangeError && e.message === 'mvcc: watcher range is empty');
      assert.throws(() => s.watch({ key: b('b'), end: b('b') }), WatcherRangeError);
      assert.equal(s.cancel(1), true);
      assert.equal(s.cancel(1), false);
      f.write('a=1');
      assert.deepEqual(drain(s).map((r) => r.watchId).sort(), [0, 2]);
      assert.deepEqual(f.store.counts(), { synced: 2, unsynced: 0, parked: 0 });
    }));

  test('close ends the stream: a waiting reader gets undefined, watchers are gone', () =>
    withWatch(async (f) => {
      const s = f.store.newWatchStream();
      s.watch({ key: b('a') });
      const waiting = s.next();
      s.close();
      assert.equal(await waiting, undefined);
      assert.throws(() => s.watch({ key: b('a') }), WatchClosedError);
      assert.deepEqual(f.store.counts(), { synced: 0, unsynced: 0, parked: 0 });
      f.write('a=1');
    }));
});

describe('watchable store: catching up', () => {
  test('a watcher from a past revision gets history from the backend, then live events, each once', () =>
    withWatch(
      async (f) => {
        for (let i = 1; i <= 10; i++) f.write(`k${i % 3}=${i}`); // revs 2..11
        f.write('k0=t', 'k1=t', 'k2=t', 'x=1', 'k1=u'); // rev 12: five records in one revision
        const s = f.store.newWatchStream();
        s.watch({ key: b('k'), end: b('l'), startRev: 5 });
        assert.deepEqual(f.store.counts(), { synced: 0, unsynced: 1, parked: 0 });
        const history = await take(s, 3); // limit 3 records a pass: 5-7, 8-10, 11-12
        await waitFor(() => f.store.counts().synced === 1, 'the watcher to be synced');
        f.write('k2=live');
        const all = [...history, ...(await take(s, 1))];
        const events = all.flatMap((r) => r.events.map((e) => `${e.kv.modRevision}:${Buffer.from(e.kv.key).toString()}=${Buffer.from(e.kv.value).toString()}`));
        assert.deepEqual(events, ['5:k1=4', '6:k2=5', '7:k0=6', '8:k1=7', '9:k2=8', '10:k0=9', '11:k1=10', '12:k0=t', '12:k1=t', '12:k2=t', '12:k1=u', '13:k2=live']);
        for (const r of all) {
          const revs = new Set(r.events.map((e) => e.kv.modRevision));
          assert.ok(r.events.every((e) => e.kv.modRevision <= r.revision), `response revision ${r.revision} covers its events`);
          if (revs.has(12)) assert.equal(r.events.filter((e) => e.kv.modRevision === 12).length, 4, 'revision 12 delivered whole');
        }
      },
      { syncRecordLimit: 3 },
    ));

  test('catch-up events carry prev_kv read from history, and filters apply', () =>
    withWatch(async (f) => {
      f.write('a=1'); // 2
      f.write('a=2'); // 3
      f.write('-a'); // 4
      f.write('a=3'); // 5
      const s = f.store.newWatchStream();
      s.watch({ key: b('a'), startRev: 2, prevKv: true });
      s.watch({ key: b('a'), startRev: 2, noPut: true });
      const got = (await take(s, 2)).map(show).sort();
      assert.deepEqual(got, [
        'w0 r5: put a=1 c2 m2 v1 | put a=2 c2 m3 v2 (prev a=1 m2) | delete a m4 (prev a=2 m3) | put a=3 c5 m5 v1',
        'w1 r5: delete a m4',
      ]);
    }));

  test('a start revision below the compaction cancels the watcher with the compact revision; at it, history from there', () =>
    withWatch(async (f) => {
      for (let i = 1; i <= 5; i++) f.write(`a=${i}`); // revs 2..6
      await f.store.kv.compact(4);
      const s = f.store.newWatchStream();
      const old = s.watch({ key: b('a'), startRev: 3 });
      const at = s.watch({ key: b('a'), startRev: 4 });
      const got = (await take(s, 2)).map(show).sort();
      assert.deepEqual(got, [`w${old} compacted at 4`, `w${at} r6: put a=3 c2 m4 v3 | put a=4 c2 m5 v4 | put a=5 c2 m6 v5`]);
      assert.deepEqual(s.ids(), [at], 'the cancelled watcher is gone from its stream');
    }));

  test('a store reopened from its file serves watchers from past revisions', async () => {
    const f = await WatchFixture.create();
    try {
      f.write('a=1');
      f.write('b=1', '-a');
      await f.backend.commit();
      await f.reopen();
      const s = f.store.newWatchStream();
      s.watch({ key: b('a'), end: ALL, startRev: 1 });
      assert.deepEqual((await take(s, 1)).map(show), ['w0 r3: put a=1 c2 m2 v1 | put b=1 c3 m3 v1 | delete a m3']);
    } finally {
      await f.close();
    }
  });
});

describe('watchable store: slow readers and progress', () => {
  test('a reader that falls behind parks its watchers; nothing is lost or repeated as it drains', () =>
    withWatch(async (f) => {
      const s = f.store.newWatchStream(2);
      s.watch({ key: b('a') });
      s.watch({ key: b('b') });
      for (let i = 1; i <= 50; i++) f.write(`a=${i}`, `b=${i}`);
      assert.ok(f.store.counts().parked > 0, 'watchers were parked');
      const seen = new Map<number, number[]>([
        [0, []],
        [1, []],
      ]);
      while ([...seen.values()].some((v) => v.at(-1) !== 50)) {
        const r = (await take(s, 1))[0];
        assert.ok(r !== undefined);
        for (const e of r.events) seen.get(r.watchId)?.push(Number(Buffer.from(e.kv.value).toString()));
      }
      const expected = Array.from({ length: 50 }, (_, i) => i + 1);
      assert.deepEqual(seen.get(0), expected);
      assert.deepEqual(seen.get(1), expected);
      await waitFor(() => f.store.counts().synced === 2, 'both watchers synced again');
      f.write('a=51');
      assert.deepEqual((await take(s, 1)).map(show), ['w0 r52: put a=51 c2 m52 v51']);
    }));

  test('progress is sent only for a synced watcher, with the current revision', () =>
    withWatch(async (f) => {
      f.write('a=1');
      f.write('a=2');
      const s = f.store.newWatchStream();
      const behind = s.watch({ key: b('a'), startRev: 1 });
      const live = s.watch({ key: b('z') });
      assert.equal(s.requestProgress(behind), false, 'unsynced: no progress');
      assert.equal(s.requestProgressAll(), false, 'not every watcher is synced');
      assert.equal(s.requestProgress(live), true);
      assert.equal(s.requestProgress(99), false);
      assert.deepEqual((await take(s, 2)).map(show), [`w${live} r3: progress`, `w${behind} r3: put a=1 c2 m2 v1 | put a=2 c2 m3 v2`]);
      await waitFor(() => f.store.counts().unsynced === 0, 'catch-up done');
      assert.equal(s.requestProgressAll(), true);
      assert.deepEqual((await take(s, 1)).map(show), ['w-1 r3: progress']);
    }));
});
