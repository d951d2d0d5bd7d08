/**
 * A binary min-heap of lease ids keyed by a time (ms), with at most one entry per id and an
 * index from id to slot, so that rescheduling or dropping a lease is O(log n) rather than a
 * scan. Equal times come out in id order, which keeps the order of expiries deterministic
 * (tests and replays see the same sequence).
 */
export class LeaseHeap {
  private readonly ids: bigint[] = [];
  private readonly times: number[] = [];
  private readonly slots = new Map<bigint, number>();

  get size(): number {
    return this.ids.length;
  }

  has(id: bigint): boolean {
    return this.slots.has(id);
  }

  /** The time an id is scheduled at, if it is in the heap. */
  timeOf(id: bigint): number | undefined {
    const slot = this.slots.get(id);
    return slot === undefined ? undefined : this.times[slot];
  }

  /** Schedules `id` at `time`, replacing an earlier schedule of the same id. */
  set(id: bigint, time: number): void {
    const slot = this.slots.get(id);
    if (slot === undefined) {
      this.ids.push(id);
      this.times.push(time);
      this.slots.set(id, this.ids.length - 1);
      this.up(this.ids.length - 1);
      return;
    }
    const old = this.times[slot] as number;
    this.times[slot] = time;
    if (time < old) this.up(slot);
    else this.down(slot);
  }

  /** The earliest entry, without removing it. */
  peek(): { id: bigint; time: number } | undefined {
    const id = this.ids[0];
    return id === undefined ? undefined : { id, time: this.times[0] as number };
  }

  /** Removes and returns the earliest entry. */
  pop(): { id: bigint; time: number } | undefined {
    const top = this.peek();
    if (top !== undefined) this.delete(top.id);
    return top;
  }

  /** Drops `id` if scheduled. */
  delete(id: bigint): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    const last = this.ids.length - 1;
    this.swap(slot, last);
    this.ids.pop();
    this.times.pop();
    this.slots.delete(id);
    if (slot < last) {
      this.up(slot);
      this.down(slot);
    }
    return true;
  }

  clear(): void {
    this.ids.length = 0;
    this.times.length = 0;
    this.slots.clear();
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a] as number;
    const tb = this.times[b] as number;
    if (ta !== tb) return ta < tb;
    return (this.ids[a] as bigint) < (this.ids[b] as bigint);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.ids.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < n && this.less(l, min)) min = l;
      if (r < n && this.less(r, min)) min = r;
      if (min === i) return;
      this.swap(i, min);
      i = min;
    }
  }

  private swap(a: number, b: number): void {
    if (a === b) return;
    const ia = this.ids[a] as bigint;
    const ib = this.ids[b] as bigint;
    this.ids[a] = ib;
    this.ids[b] = ia;
    const t = this.times[a] as number;
    this.times[a] = this.times[b] as number;
    this.times[b] = t;
    this.slots.set(ib, a);
    this.slots.set(ia, b);
  }
}
