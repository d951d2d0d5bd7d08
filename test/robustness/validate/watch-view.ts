// What one recorded watch observed, derived once: its events in order, the revision it started
// from, how far it is known to have seen, and which events its request selects.
import { keyMatcher } from './key-range.js';
import type { WatchEventRecord, WatchRecord, WatchResponseRecord } from './types.js';

export interface PlacedEvent {
  readonly event: WatchEventRecord;
  /** Index of the response that carried it. */
  readonly response: number;
}

export interface WatchView {
  readonly index: number;
  readonly record: WatchRecord;
  readonly name: string;
  readonly events: readonly PlacedEvent[];
  /** First revision the watch is responsible for; undefined when it cannot be told. */
  readonly start: number | undefined;
  /**
   * Highest revision up to which the watch must have delivered every matching event: its last
   * event's revision or a later progress notification's header revision; 0 when nothing seen.
   */
  readonly observedUpTo: number;
  /** The watch was canceled because its start revision was compacted. */
  readonly compacted: boolean;
  /** True when the request selects this key (range only). */
  readonly coversKey: (key: string) => boolean;
  /** True when the request selects this event (range and filters). */
  readonly selects: (type: WatchEventRecord['type'], key: string) => boolean;
}

/** A progress notification: no events, not the creation or cancellation response. */
export function isProgressNotify(r: WatchResponseRecord): boolean {
  return r.events.length === 0 && !r.created && !r.canceled && r.compactRevision === 0;
}

export function viewWatch(record: WatchRecord, index: number): WatchView {
  const events: PlacedEvent[] = [];
  let observedUpTo = 0;
  record.responses.forEach((r, i) => {
    for (const event of r.events) {
      events.push({ event, response: i });
      observedUpTo = Math.max(observedUpTo, event.modRevision);
    }
    if (isProgressNotify(r)) observedUpTo = Math.max(observedUpTo, r.headerRevision);
  });
  const { key, rangeEnd, filters } = record.request;
  const coversKey = keyMatcher(key, rangeEnd);
  const noPut = filters.includes('NOPUT');
  const noDelete = filters.includes('NODELETE');
  return {
    index,
    record,
    name: `watch #${index} (client ${record.clientId}, ${record.memberEndpoint}, key ${JSON.stringify(key)}` +
      `${rangeEnd === '' ? '' : `..${JSON.stringify(rangeEnd)}`}, start ${record.request.startRevision})`,
    events,
    start: startOf(record),
    observedUpTo,
    compacted: record.responses.some((r) => r.compactRevision > 0),
    coversKey,
    selects: (type, k) => coversKey(k) && !(type === 'PUT' && noPut) && !(type === 'DELETE' && noDelete),
  };
}

/**
 * A watch asked to start at S is responsible from S. One asked for "now" (0) is responsible from
 * the revision after the header of its creation response; without that response we cannot tell.
 */
function startOf(record: WatchRecord): number | undefined {
  if (record.request.startRevision > 0) return record.request.startRevision;
  const created = record.responses.find((r) => r.created);
  return created === undefined ? undefined : created.headerRevision + 1;
}

/** The event's revision: the revision of the change (for a delete too). */
export function revisionOf(e: WatchEventRecord): number {
  return e.modRevision;
}
