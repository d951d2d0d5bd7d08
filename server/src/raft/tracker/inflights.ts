import type { Index } from '../types.js';
import { ProgressStateError } from './errors.js';

/**
 * The appends sent to one follower and not yet acknowledged, each remembered by its last
 * index and its payload bytes. The leader stops sending (in the replicate state) once `size`
 * messages or `maxBytes` bytes are in flight, and frees them as acknowledgements arrive.
 * A ring buffer: sends are always in increasing index order, so acks free a prefix.
 */
export class Inflights {
  /** The ring: backing arrays grown on demand up to `size`, so idle followers cost little. */
  private indexes: number[] = [];
  private sizes: number[] = [];
  private start = 0;
  private n = 0;
  private totalBytes = 0;
  /** 0 or Infinity: no byte limit. */
  readonly maxBytes: number;

  constructor(
    readonly size: number,
    maxBytes = Infinity,
  ) {
    if (!(size > 0)) throw new ProgressStateError(`inflights size must be positive, got ${size}`);
    this.maxBytes = maxBytes > 0 ? maxBytes : Infinity;
  }

  /** Records an append whose last entry is `index`. Throws if full: callers check full() first. */
  add(index: Index, bytes = 0): void {
    if (this.full()) throw new ProgressStateError('cannot add into a full inflights');
    // The ring wraps at the current capacity; a full ring below `size` grows first.
    if (this.n === this.indexes.length) this.grow();
    let slot = this.start + this.n;
    if (slot >= this.indexes.length) slot -= this.indexes.length;
    this.indexes[slot] = index;
    this.sizes[slot] = bytes;
    this.n++;
    this.totalBytes += bytes;
  }

  /** Doubles the backing arrays (capped at size), unrolling the ring to start at slot 0. */
  private grow(): void {
    const cap = Math.min(this.size, Math.max(1, this.indexes.length * 2));
    const idx: number[] = new Array<number>(cap);
    const sz: number[] = new Array<number>(cap);
    for (let i = 0; i < this.n; i++) {
      const from = (this.start + i) % this.indexes.length;
      idx[i] = this.indexes[from] as number;
      sz[i] = this.sizes[from] as number;
    }
    this.indexes = idx;
    this.sizes = sz;
    this.start = 0;
  }

  /** Frees every append whose last index is ≤ `to` (an acknowledgement covers all before it). */
  freeLE(to: Index): void {
    if (this.n === 0 || to < (this.indexes[this.start] as number)) return;
    const cap = this.indexes.length;
    let i = 0;
    let slot = this.start;
    let freedBytes = 0;
    while (i < this.n && (this.indexes[slot] as number) <= to) {
      freedBytes += this.sizes[slot] as number;
      i++;
      slot++;
      if (slot >= cap) slot = 0;
    }
    this.n -= i;
    this.totalBytes -= freedBytes;
    // An empty ring restarts at slot 0, so the arrays only grow when really needed.
    this.start = this.n === 0 ? 0 : slot;
  }

  /** Frees the oldest append, whatever its index. */
  freeFirstOne(): void {
    const first = this.indexes[this.start];
    if (this.n > 0 && first !== undefined) this.freeLE(first as Index);
  }

  /** Whether no further append may be sent: the count or the byte budget is reached. */
  full(): boolean {
    return this.n === this.size || this.totalBytes >= this.maxBytes;
  }

  count(): number {
    return this.n;
  }

  /** Payload bytes in flight. */
  bytes(): number {
    return this.totalBytes;
  }

  /** The last indexes of the appends in flight, oldest first (for tests and debugging). */
  toArray(): Index[] {
    const out: Index[] = [];
    for (let i = 0; i < this.n; i++) out.push(this.indexes[(this.start + i) % this.indexes.length] as Index);
    return out;
  }

  reset(): void {
    this.start = 0;
    this.n = 0;
    this.totalBytes = 0;
  }

  clone(): Inflights {
    const c = new Inflights(this.size, this.maxBytes);
    c.indexes = this.indexes.slice();
    c.sizes = this.sizes.slice();
    c.start = this.start;
    c.n = this.n;
    c.totalBytes = this.totalBytes;
    return c;
  }
}
