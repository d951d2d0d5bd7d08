import type { ApplyOutcome, MemberRequest, RequestUser } from '../apply/index.js';
import { type LeaseInfo, LeaseNotFoundError, type Lessor } from '../lease/index.js';
import { ServerError } from './errors.js';
import type { Peers } from './peers.js';
import type { Header, LeaseGrantResult, LeaseTimeToLiveResult } from './server-api.js';

/** What the lease API needs of its member. */
export interface LeaseFrontHost {
  readonly memberId: bigint;
  readonly lessor: Lessor;
  readonly peers: Peers;
  leader(): bigint;
  header(revision?: number): Header;
  /** Proposes through raft and resolves with the applied response. */
  write(req: MemberRequest, user?: RequestUser): Promise<Exclude<ApplyOutcome, { ok: false }>['response']>;
  checkQuota(): void;
  /** Refuses a write without a user while auth is on. */
  requireUser(user: RequestUser | undefined): RequestUser | undefined;
  nextId(): bigint;
  /** Resolves once a read may be served linearizably. */
  linearizable(): Promise<void>;
}

/**
 * A member's Lease API: grants and revokes go through raft; keep-alives and time-to-live are
 * the leader's to answer (it alone knows when leases expire), so a follower asks the leader,
 * as etcd's followers do.
 */
export class LeaseFront {
  constructor(private readonly h: LeaseFrontHost) {}

  async grant(id: bigint, ttl: number): Promise<LeaseGrantResult> {
    this.h.checkQuota();
    const leaseId = id === 0n ? this.h.nextId() & 0x7fffffffffffffffn : id;
    const r = await this.h.write({ kind: 'leaseGrant', id: leaseId, ttl });
    if (r.kind !== 'leaseGrant') throw new Error('lease grant answered with ' + r.kind);
    return { header: this.h.header(r.revision), id: r.id, ttl: r.ttl };
  }

  async revoke(id: bigint, user?: RequestUser): Promise<Header> {
    const r = await this.h.write({ kind: 'leaseRevoke', id }, this.h.requireUser(user));
    if (r.kind !== 'leaseRevoke') throw new Error('lease revoke answered with ' + r.kind);
    return this.h.header(r.revision);
  }

  /** Keep-alive: renewed by the leader; a follower forwards it there. */
  async renew(id: bigint): Promise<number> {
    const leader = this.h.leader();
    if (leader === this.h.memberId) return this.h.lessor.renew(id);
    if (leader === 0n) throw new ServerError('noLeader');
    return this.h.peers.renewOnLeader(leader, id);
  }

  /** How long a lease has left, from the leader; TTL -1 for a lease that does not exist. */
  async timeToLive(id: bigint, keys: boolean): Promise<LeaseTimeToLiveResult> {
    const leader = this.h.leader();
    if (leader === 0n) throw new ServerError('noLeader');
    const notFound = { header: this.h.header(), id, ttl: -1, grantedTtl: 0, keys: [] };
    if (leader !== this.h.memberId) {
      try {
        const t = await this.h.peers.timeToLiveOnLeader(leader, id, keys);
        return { header: this.h.header(), id, ...t };
      } catch (err) {
        if (err instanceof LeaseNotFoundError) return notFound;
        throw err;
      }
    }
    if (this.h.lessor.lookup(id) === undefined) return notFound;
    const t = this.h.lessor.timeToLive(id);
    return { header: this.h.header(), id, ttl: t.ttl, grantedTtl: t.grantedTtl, keys: keys ? t.keys : [] };
  }

  async leases(): Promise<LeaseInfo[]> {
    await this.h.linearizable();
    return this.h.lessor.leases();
  }
}
