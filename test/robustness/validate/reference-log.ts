// The merged log of every event any watch saw: revision → key → event. Watches must agree with
// each other: two watches that both saw a revision's change to a key saw the same change.
import type { KvRecord, Violation, WatchEventRecord } from './types.js';
import type { WatchView } from './watch-view.js';

interface Entry {
  readonly event: WatchEventRecord;
  readonly seenBy: number;
}

export class ReferenceLog {
  private readonly byRevision = new Map<number, Map<string, Entry>>();
  /** Per key, the revisions at which it changed, ascending. */
  private readonly byKey = new Map<string, number[]>();
  private sorted: number[] | undefined;

  /** Builds the log; disagreements between watches are pushed to `out`. */
  static build(views: readonly WatchView[], out: Violation[]): ReferenceLog {
    const log = new ReferenceLog();
    for (const v of views) {
      for (const { event } of v.events) log.add(event, v, views, out);
    }
    for (const revs of log.byKey.values()) revs.sort((a, b) => a - b);
    return log;
  }

  private add(event: WatchEventRecord, v: WatchView, views: readonly WatchView[], out: Violation[]): void {
    const rev = event.modRevision;
    let entries = this.byRevision.get(rev);
    if (entries === undefined) {
      entries = new Map();
      this.byRevision.set(rev, entries);
    }
    const known = entries.get(event.key);
    if (known === undefined) {
      entries.set(event.key, { event, seenBy: v.index });
      let revs = this.byKey.get(event.key);
      if (revs === undefined) this.byKey.set(event.key, (revs = []));
      revs.push(rev);
      return;
    }
    if (known.seenBy !== v.index && !sameEvent(known.event, event)) {
      const other = views[known.seenBy]?.name ?? `watch #${known.seenBy}`;
      out.push({
        property: 'agreement',
        detail: `revision ${rev} key ${JSON.stringify(event.key)}: ${other} saw ${describe(known.event)} ` +
          `but ${v.name} saw ${describe(event)}`,
      });
    }
  }

  /** The events of a revision (empty when no watch saw it). */
  eventsAt(revision: number): ReadonlyMap<string, Entry> {
    return this.byRevision.get(revision) ?? new Map();
  }

  event(revision: number, key: string): WatchEventRecord | undefined {
    return this.byRevision.get(revision)?.get(key)?.event;
  }

  /** Every revision some watch saw, ascending (computed once: the log is complete after build). */
  revisions(): readonly number[] {
    this.sorted ??= [...this.byRevision.keys()].sort((a, b) => a - b);
    return this.sorted;
  }

  /** Revisions at which `key` changed, ascending. */
  keyRevisions(key: string): readonly number[] {
    return this.byKey.get(key) ?? [];
  }

  /** The latest change to `key` strictly before `revision`. */
  previous(key: string, revision: number): WatchEventRecord | undefined {
    const revs = this.keyRevisions(key);
    let lo = 0;
    let hi = revs.length; // the first position whose revision is ≥ `revision`
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((revs[mid] ?? Infinity) < revision) lo = mid + 1;
      else hi = mid;
    }
    const found = revs[lo - 1];
    return found === undefined ? undefined : this.event(found, key);
  }

  /** Every event in the log, ascending by revision. */
  *all(): Generator<WatchEventRecord> {
    for (const rev of this.revisions()) {
      for (const { event } of this.eventsAt(rev).values()) yield event;
    }
  }
}

export function sameKv(a: KvRecord, b: KvRecord): boolean {
  return a.key === b.key && a.value === b.value && a.modRevision === b.modRevision &&
    a.createRevision === b.createRevision && a.version === b.version && a.lease === b.lease;
}

/** Same change: type and key-value (prevKv is per watch and checked separately). */
export function sameEvent(a: WatchEventRecord, b: WatchEventRecord): boolean {
  return a.type === b.type && sameKv(a, b);
}

export function describe(e: WatchEventRecord): string {
  if (e.type === 'DELETE') return `DELETE ${JSON.stringify(e.key)}@${e.modRevision}`;
  return `PUT ${JSON.stringify(e.key)}=${JSON.stringify(e.value)}@${e.modRevision}` +
    ` (create ${e.createRevision}, version ${e.version}, lease ${e.lease})`;
}
