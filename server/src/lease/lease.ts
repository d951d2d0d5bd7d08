/** The expiry of a lease no one is timing: every lease on a non-leader, and all after demote. */
export const FOREVER = Number.POSITIVE_INFINITY;

/**
 * What etcd's LeaseTimeToLive reports as remaining seconds for a lease without an expiry
 * (its Go duration maximum, 2^63-1 ns, in whole seconds).
 */
export const FOREVER_SECONDS = 9_223_372_036;

/** A read-only picture of a lease at the moment it was taken. */
export interface LeaseInfo {
  readonly id: bigint;
  /** The granted TTL in seconds (raised to the minimum TTL). */
  readonly ttl: number;
  /** The last checkpointed remaining TTL in seconds (0: none, the full TTL applies). */
  readonly remainingTtl: number;
  /** When the lease expires (clock ms); FOREVER unless this lessor is the primary. */
  readonly expiry: number;
  /** How many keys are attached. */
  readonly keyCount: number;
}

/**
 * One lease: its TTL, its expiry as the primary sees it, and the keys attached to it. Only
 * the lessor changes it. Keys are held by their bytes (as latin1 strings, whose order is the
 * bytes' order) so that attach/detach are O(1) and listing them sorted is cheap.
 */
export class Lease {
  expiry = FOREVER;
  /** Seconds left at the last checkpoint applied through raft; 0 when none or cleared. */
  remainingTtl = 0;
  private readonly items = new Map<string, Uint8Array>();

  constructor(
    readonly id: bigint,
    readonly ttl: number,
  ) {}

  /** The seconds a refresh gives the lease: the checkpointed remainder if any, else the full TTL. */
  lifetime(): number {
    return this.remainingTtl > 0 ? this.remainingTtl : this.ttl;
  }

  /** Starts the clock again: the lease expires `extendMs` + its lifetime from `now`. */
  refresh(now: number, extendMs: number): void {
    this.expiry = now + extendMs + this.lifetime() * 1000;
  }

  /** Ms until expiry (negative once passed; Infinity when forever). */
  remainingMs(now: number): number {
    return this.expiry - now;
  }

  expired(now: number): boolean {
    return this.remainingMs(now) <= 0;
  }

  attach(key: Uint8Array): void {
    this.items.set(Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1'), Uint8Array.from(key));
  }

  detach(key: Uint8Array): void {
    this.items.delete(Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1'));
  }

  get keyCount(): number {
    return this.items.size;
  }

  /** The attached keys in byte order (copies). */
  keys(): Uint8Array[] {
    return [...this.items.keys()].sort().map((k) => Uint8Array.from(this.items.get(k) as Uint8Array));
  }

  info(): LeaseInfo {
    return { id: this.id, ttl: this.ttl, remainingTtl: this.remainingTtl, expiry: this.expiry, keyCount: this.items.size };
  }
}
