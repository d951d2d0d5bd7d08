import type { Watcher } from './watcher.js';

/**
 * A set of watchers, found by key (etcd's watcherGroup): single-key watchers in a map by key,
 * range watchers in a list scanned per key. Most watchers in practice are on one key or on a
 * few prefixes, so the scan stays short.
 */
export class WatcherGroup {
  private readonly byKey = new Map<string, Set<Watcher>>();
  private readonly ranges = new Set<Watcher>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(w: Watcher): void {
    if (w.end !== undefined) {
      if (!this.ranges.has(w)) this.count++;
      this.ranges.add(w);
      return;
    }
    let set = this.byKey.get(w.key);
    if (set === undefined) {
      set = new Set();
      this.byKey.set(w.key, set);
    }
    if (!set.has(w)) this.count++;
    set.add(w);
  }

  delete(w: Watcher): boolean {
    let removed: boolean;
    if (w.end !== undefined) {
      removed = this.ranges.delete(w);
    } else {
      const set = this.byKey.get(w.key);
      removed = set?.delete(w) ?? false;
      if (set !== undefined && set.size === 0) this.byKey.delete(w.key);
    }
    if (removed) this.count--;
    return removed;
  }

  /** Calls `fn` for every watcher covering `key`. */
  forEachMatching(key: string, fn: (w: Watcher) => void): void {
    const set = this.byKey.get(key);
    if (set !== undefined) for (const w of set) fn(w);
    for (const w of this.ranges) if (w.matches(key)) fn(w);
  }

  *[Symbol.iterator](): IterableIterator<Watcher> {
    for (const set of this.byKey.values()) yield* set;
    yield* this.ranges;
  }
}
