import { etcdserverpb as pb, mvccpb } from '../pb/index.js';

/** Bytes of a length-delimited field with a one-byte tag: tag, length varint, payload. */
function fieldBytes(len: number): number {
  let varint = 1;
  for (let v = len; v >= 0x80; v = Math.floor(v / 128)) varint++;
  return 1 + varint + len;
}

/**
 * Splits a watch response for a watcher that asked for `fragment`, as etcd's sendFragments
 * does: a response under `maxBytes` (or with fewer than two events) goes whole; otherwise events
 * are packed in order into parts that stay under `maxBytes` (a part always takes at least one
 * event, however large), every part but the last marked `fragment: true`. Sizes are computed
 * from the encoded events, so the whole response is never encoded only to be measured.
 */
export function* fragmentEvents(res: pb.IWatchResponse, maxBytes: number): Generator<pb.IWatchResponse> {
  const events = res.events ?? [];
  const base = pb.WatchResponse.encode({ ...res, events: [], fragment: true }).finish().byteLength;
  const costs = events.map((e) => fieldBytes(mvccpb.Event.encode(e).finish().byteLength));
  const total = costs.reduce((a, b) => a + b, base);
  // The whole response has no fragment flag: two bytes fewer than `base` counts.
  if (events.length < 2 || total - 2 < maxBytes) {
    yield res;
    return;
  }
  let i = 0;
  while (i < events.length) {
    const part: mvccpb.IEvent[] = [];
    let size = base;
    while (i < events.length) {
      const cost = costs[i] as number;
      if (part.length > 0 && size + cost >= maxBytes) break;
      part.push(events[i] as mvccpb.IEvent);
      size += cost;
      i++;
    }
    yield { ...res, events: part, fragment: i < events.length ? true : null };
  }
}
