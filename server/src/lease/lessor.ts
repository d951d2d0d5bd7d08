import { type Backend, Bucket } from '../backend/index.js';
import type { Leases } from '../mvcc/index.js';
import { tracer } from '../util/index.js';
import { LeaseExistsError, LeaseNotFoundError, LeaseTtlTooLargeError, NotPrimaryError } from './errors.js';
import { decodeLease, encodeLease, leaseKey } from './lease-codec.js';
import { LeaseHeap } from './lease-heap.js';
import { FOREVER, FOREVER_SECONDS, Lease, type LeaseInfo } from './lease.js';
import { spreadExpiries } from './spread-expiries.js';

/** The largest TTL a grant may ask for, in seconds (etcd's MaxLeaseTTL). */
export const MAX_LEASE_TTL = 9_000_000_000;
/** Leases revoked per second at most (etcd's leaseRevokeRate); expiredLeases hands out half per 500 ms tick. */
export const LEASE_REVOKE_RATE = 1000;
/** Checkpoints batched into one raft entry at most (etcd's maxLeaseCheckpointBatchSize). */
export const MAX_CHECKPOINT_BATCH = 1000;
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_EXPIRED_LEASES_RETRY_INTERVAL_MS = 3_000;

export interface LessorOptions {
  /** Shorter grants are raised to this many seconds (the member derives it from the election timeout). */
  minLeaseTTL: number;
  /** Now, in ms. Injected: the lessor never reads a clock of its own. */
  clock: () => number;
  /** etcd's --experimental-enable-lease-checkpoint: schedule remaining-TTL checkpoints. Default false. */
  checkpointing?: boolean;
  /** Ms between checkpoints of one lease. Default 5 minutes. */
  checkpointInterval?: number;
  /** Ms before a lease handed out for revocation is handed out again. Default 3 s. */
  expiredLeasesRetryInterval?: number;
  /** Leases revoked per second at most; decides when promote spreads expiries. Default 1000. */
  leaseRevokeRate?: number;
}

/** A write txn that only deletes: the store's WriteTxn fits (etcd's TxnDelete). */
export interface TxnDelete {
  deleteRange(key: Uint8Array, end?: Uint8Array): unknown;
  end(): unknown;
}

/** Opens the txn revoke deletes a lease's keys in, e.g. `() => store.write()`. */
export type RangeDeleter = () => TxnDelete;

/** A lease's remaining TTL to record through raft (etcd's LeaseCheckpoint). */
export interface LeaseCheckpoint {
  readonly id: bigint;
  readonly remainingTtl: number;
}

/** What LeaseTimeToLive reports. */
export interface LeaseTimeToLive {
  readonly id: bigint;
  readonly grantedTtl: number;
  /** Whole seconds left, truncated as etcd's server does (so 9 right after a grant of 10). */
  readonly ttl: number;
  /** The attached keys in byte order. */
  readonly keys: Uint8Array[];
}

const trace = tracer('lease');
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * etcd 3.4's lessor. Every member holds every lease (grants, revokes and checkpoints are
 * applied from the raft log, so they happen on all members in the same order); only the
 * primary — the leader's lessor — gives leases an expiry and renews them. Followers keep
 * expiries at FOREVER, so nothing expires anywhere but on the leader, which proposes the
 * revocation of what expired (`expiredLeases`) through raft.
 *
 * Leases live in the backend's `lease` bucket (written in the batch of the apply that changed
 * them); the keys attached to a lease are not stored with it: the store re-attaches them when
 * it opens, so open the lessor first, then the store with `leases: lessor`.
 *
 * What is applied (grant, revoke, checkpoint, has/attach/detach) never reads the clock's
 * answer into a decision, so members agree; what is local to the leader (renew, expiry,
 * timeToLive, checkpoint scheduling) does.
 */
export class Lessor implements Leases {
  /** Loads the leases in the backend's lease bucket; they start with no expiry (not primary). */
  static open(backend: Backend, options: LessorOptions): Lessor {
    const lessor = new Lessor(backend, options);
    lessor.load();
    return lessor;
  }

  private readonly map = new Map<bigint, Lease>();
  private readonly expiries = new LeaseHeap();
  private readonly checkpoints = new LeaseHeap();
  /** Leases renewed while holding a checkpointed remainder: a checkpoint of 0 must clear it everywhere. */
  private readonly clears = new Set<bigint>();
  private primary = false;
  private readonly now: () => number;
  private readonly minTtl: number;
  private readonly checkpointing: boolean;
  private readonly checkpointMs: number;
  private readonly retryMs: number;
  private readonly revokeRate: number;

  private constructor(
    private backend: Backend,
    options: LessorOptions,
  ) {
    this.now = options.clock;
    this.minTtl = options.minLeaseTTL;
    this.checkpointing = options.checkpointing ?? false;
    this.checkpointMs = positive(options.checkpointInterval, DEFAULT_CHECKPOINT_INTERVAL_MS, 'checkpointInterval');
    this.retryMs = positive(options.expiredLeasesRetryInterval, DEFAULT_EXPIRED_LEASES_RETRY_INTERVAL_MS, 'expiredLeasesRetryInterval');
    this.revokeRate = positive(options.leaseRevokeRate, LEASE_REVOKE_RATE, 'leaseRevokeRate');
  }

  /** Whether this lessor times leases (its member is the leader). */
  get isPrimary(): boolean {
    return this.primary;
  }

  get size(): number {
    return this.map.size;
  }

  /**
   * Grants lease `id` for `ttl` seconds (raised to the minimum TTL) and persists it. Applied
   * from the log on every member. Id 0 means "no lease" and is refused as not found, as etcd.
   */
  grant(id: bigint, ttl: number): LeaseInfo {
    if (id === 0n) throw new LeaseNotFoundError();
    if (id < INT64_MIN || id > INT64_MAX) throw new RangeError(`lease id ${id} is not a 64-bit integer`);
    if (ttl > MAX_LEASE_TTL) throw new LeaseTtlTooLargeError();
    if (this.map.has(id)) throw new LeaseExistsError();
    const lease = new Lease(id, Math.max(ttl, this.minTtl));
    if (this.primary) lease.refresh(this.now(), 0);
    this.map.set(id, lease);
    this.persist(lease);
    if (this.primary) {
      this.expiries.set(id, lease.expiry);
      this.scheduleCheckpoint(lease);
    }
    trace('granted %s ttl %d', id, lease.ttl);
    return lease.info();
  }

  /**
   * Revokes lease `id`: deletes its keys in sorted order in one txn from `deleter` (so every
   * member deletes them in the same order and their backends hash alike), and the lease record
   * in the same backend batch, then ends the txn.
   */
  revoke(id: bigint, deleter: RangeDeleter): void {
    const lease = this.map.get(id);
    if (lease === undefined) throw new LeaseNotFoundError();
    const keys = lease.keys();
    const txn = deleter();
    try {
      for (const key of keys) txn.deleteRange(key);
      this.forget(lease);
      this.backend.delete(Bucket.lease, leaseKey(id));
    } finally {
      txn.end();
    }
    trace('revoked %s with %d keys', id, keys.length);
  }

  /**
   * Keeps lease `id` alive (on the leader only): it expires its full TTL from now. Returns the
   * TTL. A lease whose expiry already passed is as good as revoked: LeaseNotFoundError (etcd
   * waits for the revocation to apply; here the caller answers at once).
   */
  renew(id: bigint): number {
    if (!this.primary) throw new NotPrimaryError();
    const lease = this.map.get(id);
    if (lease === undefined) throw new LeaseNotFoundError();
    const now = this.now();
    if (lease.expired(now)) throw new LeaseNotFoundError();
    if (this.checkpointing && lease.remainingTtl > 0) {
      // The checkpointed remainder would cut the renewed lease short after the next election.
      lease.remainingTtl = 0;
      this.clears.add(id);
    }
    lease.refresh(now, 0);
    this.expiries.set(id, lease.expiry);
    return lease.ttl;
  }

  lookup(id: bigint): LeaseInfo | undefined {
    return this.map.get(id)?.info();
  }

  /** Every lease, by id. */
  leases(): LeaseInfo[] {
    return [...this.map.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((l) => l.info());
  }

  /** etcd's LeaseTimeToLive (meaningful on the primary; elsewhere a lease shows FOREVER_SECONDS). */
  timeToLive(id: bigint): LeaseTimeToLive {
    const lease = this.map.get(id);
    if (lease === undefined) throw new LeaseNotFoundError();
    const ttl = lease.expiry === FOREVER ? FOREVER_SECONDS : Math.trunc(lease.remainingMs(this.now()) / 1000) + 0;
    return { id, grantedTtl: lease.ttl, ttl, keys: lease.keys() };
  }

  /**
   * This member became leader: every lease expires its lifetime (the checkpointed remainder
   * if any) plus `extendMs` (the election timeout, so no lease expires for want of a leader)
   * from now; with many leases, expiries are spread as spreadExpiries describes.
   */
  promote(extendMs: number): void {
    this.primary = true;
    const now = this.now();
    for (const lease of this.map.values()) {
      lease.refresh(now, extendMs);
      this.expiries.set(lease.id, lease.expiry);
      this.scheduleCheckpoint(lease);
    }
    spreadExpiries([...this.map.values()], now, extendMs, this.revokeRate, (l) => this.expiries.set(l.id, l.expiry));
    trace('promoted with %d leases, extended by %d ms', this.map.size, extendMs);
  }

  /** This member is no longer leader: nothing expires here any more. */
  demote(): void {
    this.primary = false;
    for (const lease of this.map.values()) lease.expiry = FOREVER;
    this.expiries.clear();
    this.checkpoints.clear();
    this.clears.clear();
    trace('demoted');
  }

  /**
   * On the primary, up to `limit` leases whose expiry has passed, earliest first, for the
   * member to propose their revocation. A lease handed out is not handed out again for the
   * retry interval (its revocation is on its way through raft; if it got lost, it is retried).
   */
  expiredLeases(limit = LEASE_REVOKE_RATE / 2): bigint[] {
    const out: bigint[] = [];
    if (!this.primary) return out;
    const now = this.now();
    while (out.length < limit) {
      const top = this.expiries.peek();
      if (top === undefined || top.time > now) break;
      const lease = this.map.get(top.id);
      if (lease === undefined) {
        this.expiries.delete(top.id);
        continue;
      }
      if (!lease.expired(now)) {
        this.expiries.set(top.id, lease.expiry);
        continue;
      }
      this.expiries.set(top.id, now + this.retryMs);
      out.push(top.id);
    }
    return out;
  }

  /**
   * On the primary with checkpointing, the checkpoints to propose now (at most `limit`):
   * first the clears renew asked for, then the leases whose checkpoint time came, with their
   * remaining TTL in whole seconds rounded up. A checkpoint is rescheduled when it applies.
   */
  dueCheckpoints(limit = MAX_CHECKPOINT_BATCH): LeaseCheckpoint[] {
    const out: LeaseCheckpoint[] = [];
    if (!this.primary || !this.checkpointing) return out;
    for (const id of this.clears) {
      if (out.length >= limit) return out;
      this.clears.delete(id);
      if (this.map.has(id)) out.push({ id, remainingTtl: 0 });
    }
    const now = this.now();
    while (out.length < limit) {
      const top = this.checkpoints.peek();
      if (top === undefined || top.time > now) break;
      this.checkpoints.delete(top.id);
      const cp = this.checkpointOf(top.id, now);
      if (cp !== undefined) out.push(cp);
    }
    return out;
  }

  /** Applies a checkpoint from the log: records (and persists) the lease's remaining TTL. */
  checkpoint(id: bigint, remainingTtl: number): void {
    const lease = this.map.get(id);
    if (lease === undefined) return;
    lease.remainingTtl = remainingTtl;
    this.persist(lease);
    if (this.primary) this.scheduleCheckpoint(lease);
  }

  /**
   * After the backend was replaced (a raft snapshot was installed): drops every lease and
   * loads those of `backend`. The store must re-attach keys afterwards (reopen it with this
   * lessor). On the primary the loaded leases are timed again from now.
   */
  recover(backend: Backend): void {
    this.backend = backend;
    this.map.clear();
    this.expiries.clear();
    this.checkpoints.clear();
    this.clears.clear();
    this.load();
    if (this.primary) this.promote(0);
  }

  /** Whether the lease is granted and not revoked. Not whether it expired: that is only known on the leader. */
  has(id: bigint): boolean {
    return this.map.has(id);
  }

  attach(id: bigint, key: Uint8Array): void {
    const lease = this.map.get(id);
    if (lease === undefined) throw new LeaseNotFoundError(`lease not found: cannot attach a key to lease ${id.toString(16)}`);
    lease.attach(key);
  }

  detach(id: bigint, key: Uint8Array): void {
    this.map.get(id)?.detach(key);
  }

  private load(): void {
    for (const [, value] of this.backend.range(Bucket.lease, new Uint8Array(0))) {
      const r = decodeLease(value);
      const lease = new Lease(r.id, Math.max(r.ttl, this.minTtl));
      lease.remainingTtl = r.remainingTtl;
      this.map.set(r.id, lease);
    }
    trace('loaded %d leases', this.map.size);
  }

  private forget(lease: Lease): void {
    this.map.delete(lease.id);
    this.expiries.delete(lease.id);
    this.checkpoints.delete(lease.id);
    this.clears.delete(lease.id);
  }

  private persist(lease: Lease): void {
    this.backend.put(Bucket.lease, leaseKey(lease.id), encodeLease({ id: lease.id, ttl: lease.ttl, remainingTtl: lease.remainingTtl }));
  }

  private scheduleCheckpoint(lease: Lease): void {
    if (!this.checkpointing) return;
    if (lease.lifetime() * 1000 > this.checkpointMs) this.checkpoints.set(lease.id, this.now() + this.checkpointMs);
  }

  /** The checkpoint of a lease due now, if it still says something: unknown, expired or untouched leases have none. */
  private checkpointOf(id: bigint, now: number): LeaseCheckpoint | undefined {
    const lease = this.map.get(id);
    if (lease === undefined || lease.expired(now)) return undefined;
    const remainingTtl = Math.ceil(lease.remainingMs(now) / 1000);
    if (remainingTtl >= lease.ttl) {
      // Renewed since it was scheduled: nothing to record yet; look again an interval later.
      this.scheduleCheckpoint(lease);
      return undefined;
    }
    return { id, remainingTtl };
  }
}

/** An option that must be positive; absent or 0 means the default, as etcd's config. */
function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined || value === 0) return fallback;
  if (!(value > 0)) throw new RangeError(`${name} must be positive, got ${value}`);
  return value;
}
