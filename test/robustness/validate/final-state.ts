// The cluster's final state against the history: no acknowledged write lost, no value nobody
// wrote, and nothing older than what a watch already saw.
import { describe, sameKv, ReferenceLog } from './reference-log.js';
import type { FinalState, KvRecord, ValidationInput, Violation } from './types.js';
import { viewWatch } from './watch-view.js';
import { collectWrites, couldHaveWritten, describeWrite, writesByKey, type Write } from './writes.js';

/**
 * Checks `input.finalState` (nothing to check without one). For each key, with h the acknowledged
 * write of the highest recorded revision: a present key must have mod revision ≥ h's, and equal
 * only with h's value (h a put); an absent key needs h to be a delete, or some delete of the key
 * that could have come after h (outcome unknown, or acknowledged without a revision and not
 * finished before h was called).
 */
export function validateFinalState(input: ValidationInput): Violation[] {
  const final = input.finalState;
  if (final === undefined) return [];
  const out: Violation[] = [];
  const writes = collectWrites(input.history);
  const byKey = writesByKey(writes);
  const present = new Map<string, KvRecord>();
  for (const kv of final.kvs) {
    if (present.has(kv.key)) out.push({ property: 'finalState', detail: `key ${JSON.stringify(kv.key)} listed twice` });
    present.set(kv.key, kv);
    checkKvShape(kv, final, out);
    if (!couldHaveWritten(byKey.get(kv.key) ?? [], 'PUT', kv.value, kv.modRevision)) {
      out.push({ property: 'phantom', detail: `final ${kvText(kv)} was written by no operation in the history` });
    }
  }
  for (const w of writes) {
    if (w.acked && w.revision !== undefined && w.revision > final.revision) {
      out.push({ property: 'durability', detail: `${describeWrite(w)} is above the final revision ${final.revision}` });
    }
  }
  for (const [key, list] of byKey) checkKeyNotLost(key, list, present.get(key), out);
  checkAgainstWatches(input, present, out);
  return out;
}

function kvText(kv: KvRecord): string {
  return `${JSON.stringify(kv.key)}=${JSON.stringify(kv.value)}@${kv.modRevision}`;
}

function checkKvShape(kv: KvRecord, final: FinalState, out: Violation[]): void {
  if (kv.modRevision > final.revision || kv.createRevision > kv.modRevision || kv.version < 1 || kv.createRevision < 1) {
    out.push({ property: 'finalState', detail: `final ${kvText(kv)} (create ${kv.createRevision}, version ${kv.version}) is malformed at revision ${final.revision}` });
  }
}

function checkKeyNotLost(key: string, list: readonly Write[], kv: KvRecord | undefined, out: Violation[]): void {
  let last: Write | undefined;
  for (const w of list) {
    if (w.acked && w.revision !== undefined && (last?.revision ?? -1) < w.revision) last = w;
  }
  if (last === undefined || last.revision === undefined) return;
  if (kv !== undefined) {
    if (kv.modRevision < last.revision) {
      out.push({ property: 'lost', detail: `${describeWrite(last)} lost: the final state has ${kvText(kv)}` });
    } else if (kv.modRevision === last.revision && (last.type !== 'PUT' || last.value !== kv.value)) {
      out.push({ property: 'lost', detail: `${describeWrite(last)} but the final state has ${kvText(kv)}` });
    }
    return;
  }
  if (last.type === 'DELETE') return;
  const after = last;
  const laterDelete = list.some((w) => w.type === 'DELETE' && w.revision === undefined &&
    (!w.acked || (w.op.return ?? Infinity) > after.op.call));
  if (!laterDelete) {
    out.push({ property: 'lost', detail: `${describeWrite(last)} lost: key ${JSON.stringify(key)} is absent and no delete could follow it` });
  }
}

/** A key's final state is not older than the latest change of it some watch saw. */
function checkAgainstWatches(input: ValidationInput, present: ReadonlyMap<string, KvRecord>, out: Violation[]): void {
  if (input.watches.length === 0) return;
  const log = ReferenceLog.build(input.watches.map(viewWatch), []);
  for (const [key, kv] of present) {
    const revs = log.keyRevisions(key);
    const latestRev = revs[revs.length - 1];
    if (latestRev === undefined) continue;
    const latest = log.event(latestRev, key);
    if (latest === undefined) continue;
    if (kv.modRevision < latestRev) {
      out.push({ property: 'lost', detail: `final ${kvText(kv)} is older than ${describe(latest)} seen by a watch` });
    } else if (kv.modRevision === latestRev && (latest.type !== 'PUT' || !sameKv(latest, kv))) {
      out.push({ property: 'finalState', detail: `final ${kvText(kv)} differs from ${describe(latest)} seen by a watch` });
    }
  }
}
