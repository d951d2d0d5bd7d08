import type { WatchEvent } from '../mvcc/index.js';
import { etcdserverpb as pb } from '../pb/index.js';
import { eventFieldBytes, type WatchOut } from './watch-encode.js';

/**
 * Splits a watch response for a watcher that asked for `fragment`, as etcd's sendFragments
 * does: a response under `maxBytes` (or with fewer than two events) goes whole; otherwise events
 * are packed in order into parts that stay under `maxBytes` (a part always takes at least one
 * event, however large), every part but the last marked `fragment: true`. Sizes come from the
 * encoded events (each encoded once, see watch-encode.ts), so the whole response is never
 * encoded only to be measured.
 */
export function* fragmentEvents(out: WatchOut, maxBytes: number): Generator<WatchOut> {
  const events = out.events;
  const base = pb.WatchResponse.encode({ ...out.res, fragment: true }).finish().byteLength;
  const costs = events.map(eventFieldBytes);
  const total = costs.reduce((a, b) => a + b, base);
  // The whole response has no fragment flag: two bytes fewer than `base` counts.
  if (events.length < 2 || total - 2 < maxBytes) {
    yield out;
    return;
  }
  let i = 0;
  while (i < events.length) {
    const part: WatchEvent[] = [];
    let size = base;
    while (i < events.length) {
      const cost = costs[i] as number;
      if (part.length > 0 && size + cost >= maxBytes) break;
      part.push(events[i] as WatchEvent);
      size += cost;
      i++;
    }
    yield { res: { ...out.res, fragment: i < events.length ? true : null }, events: part };
  }
}
