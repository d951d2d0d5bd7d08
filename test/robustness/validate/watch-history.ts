// The watch streams against the KV history: an acknowledged write inside an interval some watch
// observed must be in the log at its revision, and the log holds no change nobody wrote.
import { describe, type ReferenceLog } from './reference-log.js';
import type { Violation } from './types.js';
import type { WatchView } from './watch-view.js';
import { couldHaveWritten, describeWrite, writesByKey, type Write } from './writes.js';

export function checkLogAgainstHistory(writes: readonly Write[], views: readonly WatchView[], log: ReferenceLog, out: Violation[]): void {
  for (const w of writes) {
    if (w.acked && w.revision !== undefined) checkAckedWrite(w, w.revision, views, log, out);
  }
  checkPhantoms(writes, log, out);
}

function checkAckedWrite(w: Write, rev: number, views: readonly WatchView[], log: ReferenceLog, out: Violation[]): void {
  const watcher = views.find((v) => !v.compacted && v.start !== undefined && v.start <= rev &&
    rev <= v.observedUpTo && v.selects(w.type, w.key));
  if (watcher === undefined) return;
  const e = log.event(rev, w.key);
  if (e === undefined) {
    out.push({ property: 'history', detail: `${describeWrite(w)} is missing from the watch log (${watcher.name} observed revision ${rev})` });
  } else if (e.type !== w.type || (w.type === 'PUT' && e.value !== w.value)) {
    out.push({ property: 'history', detail: `${describeWrite(w)} but the watch log has ${describe(e)}` });
  }
  for (const other of log.eventsAt(rev).values()) {
    if (other.event.key !== w.key) {
      out.push({ property: 'history', detail: `${describeWrite(w)} shares its revision with ${describe(other.event)}` });
    }
  }
}

/**
 * A change in the log that no write (acknowledged or unknown) could have made. Deletes of keys
 * that carried a lease are exempt: lease expiry deletes without a client request.
 */
function checkPhantoms(writes: readonly Write[], log: ReferenceLog, out: Violation[]): void {
  const byKey = writesByKey(writes);
  const leased = new Set<string>();
  for (const e of log.all()) if (e.type === 'PUT' && e.lease !== 0) leased.add(e.key);
  for (const e of log.all()) {
    if (e.type === 'DELETE' && leased.has(e.key)) continue;
    if (!couldHaveWritten(byKey.get(e.key) ?? [], e.type, e.value, e.modRevision)) {
      out.push({ property: 'phantom', detail: `${describe(e)} was seen by a watch but no write in the history made it` });
    }
  }
}
