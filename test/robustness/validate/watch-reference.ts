// Properties of one watch measured against the merged reference log: nothing missing inside the
// interval it observed (reliable), the right first event (resumable), whole revisions (atomic),
// and prevKv equal to the key's state just before the event.
import { describe, sameKv, type ReferenceLog } from './reference-log.js';
import type { Violation, WatchEventRecord } from './types.js';
import type { WatchView } from './watch-view.js';

export function checkWatchAgainstLog(v: WatchView, views: readonly WatchView[], log: ReferenceLog, compactedUpTo: number | undefined, out: Violation[]): void {
  checkCompleteness(v, log, out);
  if (v.record.request.prevKv) checkPrevKvValues(v, views, log, compactedUpTo, out);
}

function push(out: Violation[], property: string, v: WatchView, detail: string): void {
  out.push({ property, detail: `${v.name}: ${detail}` });
}

/**
 * Walks the reference revisions in [start, observedUpTo]. A revision the watch saw partly breaks
 * atomicity; one it did not see at all breaks resumability when it comes before the watch's first
 * event, reliability after it.
 */
function checkCompleteness(v: WatchView, log: ReferenceLog, out: Violation[]): void {
  if (v.compacted) return;
  const firstEvent = v.events[0]?.event.modRevision;
  const from = v.start ?? firstEvent;
  if (from === undefined) return;
  const seen = new Map<number, Set<string>>();
  for (const { event } of v.events) {
    let keys = seen.get(event.modRevision);
    if (keys === undefined) seen.set(event.modRevision, (keys = new Set()));
    keys.add(event.key);
  }
  for (const rev of log.revisions()) {
    if (rev < from || rev > v.observedUpTo) continue;
    const expected = [...log.eventsAt(rev).values()].map((e) => e.event).filter((e) => v.selects(e.type, e.key));
    if (expected.length === 0) continue;
    const got = seen.get(rev);
    if (got !== undefined) {
      const missing = expected.filter((e) => !got.has(e.key));
      if (missing.length > 0) push(out, 'atomic', v, `revision ${rev} delivered without ${missing.map(describe).join(', ')}`);
      continue;
    }
    const property = firstEvent === undefined || rev > firstEvent ? 'reliable' : 'resumable';
    const where = property === 'resumable' ? `before its first event (revision ${firstEvent})` : `up to ${v.observedUpTo}`;
    push(out, property, v, `missed ${expected.map(describe).join(', ')} although it watched from ${from} ${where}`);
  }
}

/**
 * prevKv must be the key's state before the event. The reference log gives it when the key's
 * previous change is known and no change could hide between the two: some unfiltered watch of the
 * key observed every revision in between. A prevKv naming revision R0 also rules out any known
 * change of the key strictly between R0 and the event.
 */
function checkPrevKvValues(v: WatchView, views: readonly WatchView[], log: ReferenceLog, compactedUpTo: number | undefined, out: Violation[]): void {
  for (const { event } of v.events) {
    if (event.prevKv === undefined && mayBeCompactedAway(event, compactedUpTo)) continue;
    const problem = prevKvProblem(event, views, log);
    if (problem !== undefined) push(out, 'prevKv', v, `${describe(event)}: ${problem}`);
  }
}

function prevKvProblem(e: WatchEventRecord, views: readonly WatchView[], log: ReferenceLog): string | undefined {
  const p = e.prevKv;
  const before = log.previous(e.key, e.modRevision);
  if (p !== undefined) {
    const atP = log.event(p.modRevision, e.key);
    if (atP !== undefined && (atP.type !== 'PUT' || !sameKv(atP, p))) {
      return `prevKv ${JSON.stringify(p.value)}@${p.modRevision} but the log has ${describe(atP)}`;
    }
    if (before !== undefined && before.modRevision > p.modRevision) {
      return `prevKv is from revision ${p.modRevision} but the key changed since: ${describe(before)}`;
    }
  }
  if (before === undefined || !gapCovered(e.key, before.modRevision, e.modRevision, views)) return undefined;
  if (before.type === 'DELETE') return p === undefined ? undefined : `prevKv present but the key was deleted: ${describe(before)}`;
  if (p === undefined) return `prevKv missing; the key held ${describe(before)}`;
  return sameKv(before, p) ? undefined : `prevKv ${JSON.stringify(p.value)}@${p.modRevision} differs from ${describe(before)}`;
}

/**
 * etcd reads an event's prevKv from the store when it sends the event; if a compaction removed
 * the key's previous version by then, the event goes without it (etcd-io/etcd#10681, documented
 * by etcd's own robustness tests). That can only happen to an event at or below a compaction.
 */
export function mayBeCompactedAway(e: WatchEventRecord, compactedUpTo: number | undefined): boolean {
  return compactedUpTo !== undefined && e.modRevision <= compactedUpTo;
}

/** Some watch of `key` without filters observed every revision strictly between `from` and `to`. */
function gapCovered(key: string, from: number, to: number, views: readonly WatchView[]): boolean {
  return views.some((w) =>
    !w.compacted && w.record.request.filters.length === 0 && w.coversKey(key) &&
    w.start !== undefined && w.start <= from + 1 && w.observedUpTo >= to - 1);
}
