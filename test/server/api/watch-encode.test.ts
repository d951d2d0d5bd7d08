import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kvToPb } from '../../../server/src/api/convert.js';
import { encodeWatchOut, eventBytes } from '../../../server/src/api/watch-encode.js';
import type { KeyValue, WatchEvent } from '../../../server/src/mvcc/index.js';
import { etcdserverpb as pb, mvccpb } from '../../../server/src/pb/index.js';

const kv = (key: string, valueBytes: number, rev: number): KeyValue => ({
  key: Buffer.from(key),
  value: Buffer.alloc(valueBytes, 0x61),
  createRevision: 2,
  modRevision: rev,
  version: rev - 1,
  lease: rev % 2 === 0 ? 0n : 0x1234n,
});

describe('watch response encoding', () => {
  test('the same bytes protobufjs writes for the whole message, for events of every size', () => {
    const events: WatchEvent[] = [
      { type: 'put', kv: kv('a', 3, 5) },
      { type: 'delete', kv: kv('b', 0, 6), prevKv: kv('b', 200, 4) },
      { type: 'put', kv: kv('c', 20_000, 7) },
    ];
    const res: pb.IWatchResponse = { header: { revision: 7, raftTerm: 2 }, watchId: 3 };
    const ours = encodeWatchOut({ res, events });
    const theirs = pb.WatchResponse.encode({
      ...res,
      events: events.map((e) => ({ type: e.type === 'put' ? null : mvccpb.Event.EventType.DELETE, kv: kvToPb(e.kv), prevKv: e.prevKv === undefined ? null : kvToPb(e.prevKv) })),
    }).finish();
    assert.ok(Buffer.from(ours).equals(Buffer.from(theirs)), 'byte-identical');
    const back = pb.WatchResponse.decode(ours);
    assert.equal(back.events.length, 3);
    assert.equal(back.events[2]?.kv?.value?.byteLength, 20_000);
  });

  test('an event shared by many watchers is encoded once', () => {
    const e: WatchEvent = { type: 'put', kv: kv('k', 10, 9) };
    const first = eventBytes(e);
    assert.equal(eventBytes(e), first, 'the cached bytes, not a new encoding');
    const a = encodeWatchOut({ res: { watchId: 1 }, events: [e] });
    const b = encodeWatchOut({ res: { watchId: 2 }, events: [e] });
    assert.equal(pb.WatchResponse.decode(a).watchId.toString(), '1');
    assert.equal(pb.WatchResponse.decode(b).watchId.toString(), '2');
    assert.ok(Buffer.from(a).subarray(-first.byteLength).equals(Buffer.from(first)));
  });

  test('no events: just the other fields', () => {
    const res: pb.IWatchResponse = { header: { revision: 1 }, watchId: 0, created: true };
    assert.ok(Buffer.from(encodeWatchOut({ res, events: [] })).equals(Buffer.from(pb.WatchResponse.encode(res).finish())));
  });

  test('the hand-written head equals protobufjs for every shape of response, events or not', () => {
    const header: pb.IResponseHeader = { clusterId: null, memberId: null, revision: 300, raftTerm: 2 };
    const e: WatchEvent = { type: 'put', kv: kv('z', 5, 300) };
    const shapes: pb.IWatchResponse[] = [
      { header, watchId: null },
      { header, watchId: 0 },
      { header, watchId: 1 },
      { header, watchId: 200 },
      { header, watchId: 2 ** 31 - 1 },
      { header, watchId: -1 },
      { header, watchId: 5, created: true },
      { header, watchId: 5, canceled: true, compactRevision: 9 },
      { header, watchId: 5, cancelReason: 'why' },
      { header, watchId: 5, fragment: true },
      { header, watchId: 5, canceled: false },
    ];
    for (const res of shapes) {
      for (const events of [[], [e]]) {
        const want = pb.WatchResponse.encode({ ...res, events: events.map((x) => ({ kv: kvToPb(x.kv) })) }).finish();
        const got = encodeWatchOut({ res, events });
        assert.ok(Buffer.from(got).equals(Buffer.from(want)), `${JSON.stringify(res)} with ${events.length} events`);
      }
    }
  });
});
