import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { etcdserverpb } from '../../../server/src/pb/index.js';
import { kvService, watchService } from '../../../server/src/pb/index.js';
import { toSafeNumber } from '../../../server/src/util/index.js';
import { waitFor } from '../../support/wait-for.js';
import { bidi, unary } from '../pb/grpc-calls.js';
import { type ApiFixture, withApi } from './fixture.js';

type WatchResponse = etcdserverpb.WatchResponse;
const b = (s: string): Buffer => Buffer.from(s);
const str = (u: Uint8Array | null | undefined): string => Buffer.from(u ?? []).toString();
const n = (v: unknown): number => toSafeNumber(v as number, 'field');

function open(f: ApiFixture): { send: (r: etcdserverpb.IWatchRequest) => void; next: () => Promise<WatchResponse>; stream: ReturnType<typeof bidi>['stream'] } {
  const { stream, inbox } = bidi(f.client(watchService, 'Watch'), watchService.Watch);
  stream.on('error', () => undefined);
  return { send: (r) => stream.write(r), next: () => inbox.next(), stream };
}

/** Events of a response as "PUT k=v" / "DELETE k". */
function events(r: WatchResponse): string[] {
  return r.events.map((e) => (e.type === 1 ? `DELETE ${str(e.kv?.key)}` : `PUT ${str(e.kv?.key)}=${str(e.kv?.value)}`));
}

describe('Watch service', () => {
  test('create, events, cancel; headers carry the revision', () =>
    withApi(async (f) => {
      const kv = f.client(kvService, 'KV');
      await unary(kv, kvService.Put, { key: b('pre'), value: b('0') });
      const w = open(f);
      w.send({ createRequest: { key: b('a') } });
      const created = await w.next();
      assert.equal(created.created, true);
      assert.equal(n(created.watchId), 0);
      assert.equal(n(created.header?.revision), 2);
      await unary(kv, kvService.Put, { key: b('a'), value: b('1') });
      await unary(kv, kvService.Put, { key: b('b'), value: b('x') });
      await unary(kv, kvService.DeleteRange, { key: b('a') });
      const e1 = await w.next();
      assert.deepEqual(events(e1), ['PUT a=1']);
      assert.equal(n(e1.header?.revision), 3);
      assert.equal(n(e1.events[0]?.kv?.modRevision), 3);
      const e2 = await w.next();
      assert.deepEqual(events(e2), ['DELETE a']);
      assert.equal(n(e2.header?.revision), 5);
      w.send({ cancelRequest: { watchId: 0 } });
      const canceled = await w.next();
      assert.equal(canceled.canceled, true);
      assert.equal(n(canceled.watchId), 0);
      assert.equal(canceled.cancelReason, '');
      await unary(kv, kvService.Put, { key: b('a'), value: b('2') });
      // Cancelling an unknown id says nothing; the next thing on the stream is a new watcher.
      w.send({ cancelRequest: { watchId: 99 } });
      w.send({ createRequest: { key: b('c') } });
      const next = await w.next();
      assert.equal(next.created, true);
      assert.equal(next.events.length, 0);
      w.stream.cancel();
    }));

  test('history from start_revision, whole keyspace with range_end \\0, prefix ranges', () =>
    withApi(async (f) => {
      const kv = f.client(kvService, 'KV');
      await unary(kv, kvService.Put, { key: b('a'), value: b('1') });
      await unary(kv, kvService.Put, { key: b('b'), value: b('2') });
      await unary(kv, kvService.Put, { key: b('a'), value: b('3') });
      const w = open(f);
      w.send({ createRequest: { key: b('\0'), rangeEnd: b('\0'), startRevision: 2 } });
      assert.equal((await w.next()).created, true);
      const got: string[] = [];
      while (got.length < 3) got.push(...events(await w.next()));
      assert.deepEqual(got, ['PUT a=1', 'PUT b=2', 'PUT a=3']);
      w.send({ createRequest: { key: b('b'), rangeEnd: b('\0'), startRevision: 1 } });
      assert.equal(n((await w.next()).watchId), 1);
      assert.deepEqual(events(await w.next()), ['PUT b=2']);
      w.stream.cancel();
    }));

  test('a watch from a compacted revision is created, then canceled with the compact revision', () =>
    withApi(async (f) => {
      const kv = f.client(kvService, 'KV');
      for (let i = 0; i < 5; i++) await unary(kv, kvService.Put, { key: b('k'), value: b(`${i}`) });
      await unary(kv, kvService.Compact, { revision: 4, physical: true });
      const w = open(f);
      w.send({ createRequest: { key: b('k'), startRevision: 2 } });
      const created = await w.next();
      assert.equal(created.created, true);
      const c = await w.next();
      assert.equal(c.canceled, true);
      assert.equal(n(c.compactRevision), 4);
      // As etcd 3.4 on the wire: the compaction notice's header has no revision.
      assert.equal(n(c.header?.revision), 0);
      assert.equal(n(c.header?.raftTerm), 2);
      assert.equal(n(c.watchId), n(created.watchId));
      w.stream.cancel();
    }));

  test('client-chosen ids; a duplicate id or an empty range is created+canceled with etcd reason', () =>
    withApi(async (f) => {
      const w = open(f);
      w.send({ createRequest: { key: b('a'), watchId: 7 } });
      assert.equal(n((await w.next()).watchId), 7);
      w.send({ createRequest: { key: b('b'), watchId: 7 } });
      const dup = await w.next();
      assert.equal(dup.created, true);
      assert.equal(dup.canceled, true);
      assert.equal(n(dup.watchId), -1);
      assert.equal(dup.cancelReason, 'mvcc: duplicate watch ID provided on the WatchStream');
      w.send({ createRequest: { key: b('b'), rangeEnd: b('a') } });
      const empty = await w.next();
      assert.equal(empty.canceled, true);
      assert.equal(empty.cancelReason, 'mvcc: watcher range is empty');
      w.send({ createRequest: { key: b('c') } });
      assert.equal(n((await w.next()).watchId), 0);
      await unary(f.client(kvService, 'KV'), kvService.Put, { key: b('a'), value: b('v') });
      const ev = await w.next();
      assert.equal(n(ev.watchId), 7);
      assert.deepEqual(events(ev), ['PUT a=v']);
      w.stream.cancel();
    }));

  test('filters NOPUT/NODELETE and prev_kv', () =>
    withApi(async (f) => {
      const kv = f.client(kvService, 'KV');
      await unary(kv, kvService.Put, { key: b('k'), value: b('old') });
      const w = open(f);
      w.send({ createRequest: { key: b('k'), filters: [0], watchId: 1 } });
      w.send({ createRequest: { key: b('k'), filters: [1], prevKv: true, watchId: 2 } });
      await w.next();
      await w.next();
      await unary(kv, kvService.Put, { key: b('k'), value: b('new') });
      await unary(kv, kvService.DeleteRange, { key: b('k') });
      const first = await w.next();
      assert.equal(n(first.watchId), 2);
      assert.deepEqual(events(first), ['PUT k=new']);
      assert.equal(str(first.events[0]?.prevKv?.value), 'old');
      const second = await w.next();
      assert.equal(n(second.watchId), 1);
      assert.deepEqual(events(second), ['DELETE k']);
      assert.equal(second.events[0]?.prevKv, null);
      w.stream.cancel();
    }));

  test('many watchers on one stream each get their own events', () =>
    withApi(async (f) => {
      const w = open(f);
      const N = 60;
      for (let i = 0; i < N; i++) w.send({ createRequest: { key: b(`key-${i}`) } });
      const ids = new Set<number>();
      for (let i = 0; i < N; i++) ids.add(n((await w.next()).watchId));
      assert.equal(ids.size, N);
      for (let i = 0; i < N; i++) f.member.ops.put({ key: b(`key-${i}`), value: b(`${i}`) });
      const seen = new Map<number, string[]>();
      for (let i = 0; i < N; i++) {
        const r = await w.next();
        seen.set(n(r.watchId), events(r));
      }
      for (let i = 0; i < N; i++) assert.deepEqual(seen.get(i), [`PUT key-${i}=${i}`]);
      w.stream.cancel();
    }));

  test('fragment: a large response is split under max request bytes, only for watchers that asked', () =>
    withApi(
      async (f) => {
        const w = open(f);
        w.send({ createRequest: { key: b('f'), rangeEnd: b('g'), fragment: true, watchId: 1 } });
        w.send({ createRequest: { key: b('f'), rangeEnd: b('g'), watchId: 2 } });
        await w.next();
        await w.next();
        const success = Array.from({ length: 20 }, (_, i) => ({ requestPut: { key: b(`f${String(i).padStart(2, '0')}`), value: Buffer.alloc(300, 120) } }));
        await unary(f.client(kvService, 'KV'), kvService.Txn, { success });
        const parts: WatchResponse[] = [];
        let whole: WatchResponse | undefined;
        while (whole === undefined || parts.length === 0 || parts[parts.length - 1]!.fragment) {
          const r = await w.next();
          if (n(r.watchId) === 2) whole = r;
          else parts.push(r);
        }
        assert.equal(whole.events.length, 20);
        assert.equal(whole.fragment, false);
        // 20 events of ~330 bytes in parts under 2 KiB: at least four parts.
        assert.ok(parts.length >= 4, `${parts.length} parts`);
        for (const p of parts.slice(0, -1)) assert.equal(p.fragment, true);
        for (const p of parts) assert.ok(p.events.length === 1 || etcdEncodedSize(p) < 2048, 'each part under the limit');
        assert.deepEqual(parts.flatMap(events), events(whole));
        w.stream.cancel();
      },
      { maxRequestBytes: 2048 },
    ));

  test('progress request answers watch id -1 at the current revision once all watchers are synced', () =>
    withApi(async (f) => {
      const kv = f.client(kvService, 'KV');
      for (let i = 0; i < 3; i++) await unary(kv, kvService.Put, { key: b('p'), value: b(`${i}`) });
      const w = open(f);
      w.send({ createRequest: { key: b('p'), startRevision: 1 } });
      w.send({ progressRequest: {} });
      assert.equal((await w.next()).created, true);
      const got: string[] = [];
      let progress: WatchResponse | undefined;
      while (progress === undefined) {
        const r = await w.next();
        if (r.events.length === 0) progress = r;
        else got.push(...events(r));
      }
      // The history came first: the notification promises every event up to its revision was sent.
      assert.deepEqual(got, ['PUT p=0', 'PUT p=1', 'PUT p=2']);
      assert.equal(n(progress.watchId), -1);
      assert.equal(n(progress.header?.revision), 4);
      assert.equal(progress.created, false);
      assert.equal(progress.canceled, false);
      w.stream.cancel();
    }));

  test('progress_notify: periodic empty responses only to watchers that asked', () =>
    withApi(
      async (f) => {
        const w = open(f);
        w.send({ createRequest: { key: b('x'), watchId: 3 } });
        w.send({ createRequest: { key: b('y'), progressNotify: true, watchId: 4 } });
        await w.next();
        await w.next();
        for (let i = 0; i < 3; i++) {
          const r = await w.next();
          assert.equal(n(r.watchId), 4);
          assert.equal(r.events.length, 0);
          assert.equal(n(r.header?.revision), 1);
        }
        w.stream.cancel();
      },
      { progressNotifyIntervalMs: 20 },
    ));

  test('a slow reader: watchers park while the client does not read, and nothing is lost', () =>
    withApi(async (f) => {
      const w = open(f);
      w.send({ createRequest: { key: b('s'), rangeEnd: b('t') } });
      assert.equal((await w.next()).created, true);
      w.stream.pause();
      const N = 3000;
      const value = Buffer.alloc(2048, 97);
      let i = 0;
      // Write until the stream's queue is full and the watcher parked (bounded by N).
      while (i < N && f.member.store.counts().parked === 0) {
        f.member.ops.put({ key: b(`s${i}`), value });
        i++;
        if (i % 100 === 0) await new Promise((r) => setImmediate(r));
      }
      assert.ok(f.member.store.counts().parked > 0, `parked after ${i} puts`);
      const total = i + 50;
      for (; i < total; i++) f.member.ops.put({ key: b(`s${i}`), value });
      w.stream.resume();
      const keys: string[] = [];
      while (keys.length < total) for (const e of (await w.next()).events) keys.push(str(e.kv?.key));
      assert.deepEqual(keys, Array.from({ length: total }, (_, j) => `s${j}`));
      await waitFor(() => f.member.store.counts().parked === 0, 'the watcher to be unparked');
      w.stream.cancel();
    }));

  test('a client half-close does not end the watch (as etcd): events keep coming', () =>
    withApi(async (f) => {
      const w = open(f);
      w.send({ createRequest: { key: b('h') } });
      assert.equal((await w.next()).created, true);
      w.stream.end();
      await unary(f.client(kvService, 'KV'), kvService.Put, { key: b('h'), value: b('after') });
      assert.deepEqual(events(await w.next()), ['PUT h=after']);
      w.stream.cancel();
    }));

  test('ending the call closes the WatchStream and its watchers', () =>
    withApi(async (f) => {
      const w = open(f);
      w.send({ createRequest: { key: b('a') } });
      w.send({ createRequest: { key: b('b'), startRevision: 1 } });
      await w.next();
      await w.next();
      const c = f.member.store.counts();
      assert.equal(c.synced + c.unsynced + c.parked, 2);
      w.stream.cancel();
      await waitFor(() => {
        const x = f.member.store.counts();
        return x.synced + x.unsynced + x.parked === 0;
      }, 'watchers to be removed');
    }));
});

function etcdEncodedSize(r: WatchResponse): number {
  return watchService.Watch.responseSerialize(r).byteLength;
}
