// Properties one watch must satisfy on its own, without looking at other watches.
import { describe } from './reference-log.js';
import type { Violation, WatchEventRecord } from './types.js';
import { isProgressNotify, type WatchView } from './watch-view.js';
import { mayBeCompactedAway } from './watch-reference.js';

export function checkWatchLocally(v: WatchView, compactedUpTo: number | undefined, out: Violation[]): void {
  checkOrderedUnique(v, out);
  checkAtomicSplit(v, out);
  checkBookmarks(v, out);
  checkSelection(v, out);
  checkHeaders(v, out);
  checkPrevKvShape(v, compactedUpTo, out);
  checkCompaction(v, compactedUpTo, out);
}

function push(out: Violation[], property: string, v: WatchView, detail: string): void {
  out.push({ property, detail: `${v.name}: ${detail}` });
}

/** Revisions never go down; no (revision, key) twice. */
function checkOrderedUnique(v: WatchView, out: Violation[]): void {
  let last = 0;
  const seen = new Set<string>();
  for (const { event } of v.events) {
    if (event.modRevision < last) {
      push(out, 'ordered', v, `${describe(event)} arrived after an event at revision ${last}`);
    }
    last = Math.max(last, event.modRevision);
    const id = `${event.modRevision}\u0000${event.key}`;
    if (seen.has(id)) push(out, 'unique', v, `${describe(event)} delivered twice`);
    seen.add(id);
  }
}

/** A revision's events all arrive in one response. */
function checkAtomicSplit(v: WatchView, out: Violation[]): void {
  const responseOf = new Map<number, number>();
  for (const { event, response } of v.events) {
    const first = responseOf.get(event.modRevision);
    if (first === undefined) responseOf.set(event.modRevision, response);
    else if (first !== response) {
      push(out, 'atomic', v, `events of revision ${event.modRevision} split over responses ${first} and ${response}`);
    }
  }
}

/** After a progress notification at P no event at or below P arrives. */
function checkBookmarks(v: WatchView, out: Violation[]): void {
  let bookmark = 0;
  v.record.responses.forEach((r, i) => {
    for (const e of r.events) {
      if (e.modRevision <= bookmark) {
        push(out, 'bookmarkable', v, `${describe(e)} in response ${i} after a progress notification at ${bookmark}`);
      }
    }
    if (isProgressNotify(r)) bookmark = Math.max(bookmark, r.headerRevision);
  });
}

/** Only keys in the range, and not the types the filters exclude. */
function checkSelection(v: WatchView, out: Violation[]): void {
  for (const { event } of v.events) {
    if (!v.coversKey(event.key)) push(out, 'range', v, `${describe(event)} is outside the watched range`);
    else if (!v.selects(event.type, event.key)) {
      push(out, 'filters', v, `${describe(event)} should have been filtered out`);
    }
  }
  const start = v.record.request.startRevision;
  if (start === 0) return;
  for (const { event } of v.events) {
    if (event.modRevision < start) push(out, 'resumable', v, `${describe(event)} is below the start revision`);
  }
}

/** A response's header revision is at least the revision of every event it carries. */
function checkHeaders(v: WatchView, out: Violation[]): void {
  v.record.responses.forEach((r, i) => {
    for (const e of r.events) {
      if (e.modRevision > r.headerRevision) {
        push(out, 'header', v, `response ${i} with header revision ${r.headerRevision} carries ${describe(e)}`);
      }
    }
  });
}

/** prevKv present only when asked for, and shaped like the key's state just before the event. */
function checkPrevKvShape(v: WatchView, compactedUpTo: number | undefined, out: Violation[]): void {
  for (const { event } of v.events) {
    if (event.prevKv === undefined && mayBeCompactedAway(event, compactedUpTo)) continue;
    const problem = v.record.request.prevKv ? prevKvShapeProblem(event) : unrequestedPrevKv(event);
    if (problem !== undefined) push(out, 'prevKv', v, `${describe(event)}: ${problem}`);
  }
}

function unrequestedPrevKv(e: WatchEventRecord): string | undefined {
  return e.prevKv === undefined ? undefined : 'prevKv present though not requested';
}

function prevKvShapeProblem(e: WatchEventRecord): string | undefined {
  const p = e.prevKv;
  const isCreate = e.type === 'PUT' && e.version === 1;
  if (isCreate) return p === undefined ? undefined : 'a create carries a prevKv';
  if (p === undefined) return 'prevKv missing though the key existed';
  if (p.key !== e.key) return `prevKv is of key ${JSON.stringify(p.key)}`;
  if (p.modRevision >= e.modRevision) return `prevKv has mod revision ${p.modRevision}`;
  if (e.type === 'PUT' && (p.version !== e.version - 1 || p.createRevision !== e.createRevision)) {
    return `prevKv version ${p.version} create ${p.createRevision} does not precede this put`;
  }
  return undefined;
}

/** A compacted watch is canceled, names a compaction past its start, and one that was requested. */
function checkCompaction(v: WatchView, compactedUpTo: number | undefined, out: Violation[]): void {
  v.record.responses.forEach((r, i) => {
    if (r.compactRevision === 0) return;
    if (!r.canceled) push(out, 'compaction', v, `response ${i} reports compaction at ${r.compactRevision} but is not canceled`);
    const start = v.record.request.startRevision;
    if (start === 0 || r.compactRevision <= start) {
      push(out, 'compaction', v, `canceled for compaction at ${r.compactRevision} though it starts at ${start}`);
    }
    if (compactedUpTo !== undefined && r.compactRevision > compactedUpTo) {
      push(out, 'compaction', v, `compaction at ${r.compactRevision} but compaction was only requested up to ${compactedUpTo}`);
    }
  });
}
