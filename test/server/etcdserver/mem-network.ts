import type { Message } from '../../../server/src/raft/index.js';
import { LeaseRefusal, type LeaseTtl, type OutgoingSnapshot, PROMOTE_REFUSAL_STATUS, PeerRefusedError, PromoteRefusal, type PeerTransport, type RaftHandler } from '../../../server/src/transport/index.js';
import type { TransportFactory } from '../../../server/src/etcdserver/index.js';

/**
 * Members of one process wired together: each message is copied and delivered on a later turn
 * of the event loop, as over a network; a test can cut any member off (both directions) and
 * heal it again. Messages to a member that is cut off or gone are lost, and the sender's raft is
 * told the peer is unreachable.
 */
export class MemNetwork {
  private readonly handlers = new Map<bigint, RaftHandler>();
  private readonly isolated = new Set<bigint>();
  /** Members' timers are unref'd (a real member's sockets hold the process); this stands in for them. */
  private keepAlive: NodeJS.Timeout | undefined;
  delivered = 0;

  /** The factory a member is started with. */
  transport(): TransportFactory {
    return ({ memberId }, handler) => new MemTransport(this, memberId, handler);
  }

  isolate(id: bigint): void {
    this.isolated.add(id);
  }

  heal(id: bigint): void {
    this.isolated.delete(id);
  }

  attach(id: bigint, h: RaftHandler): void {
    this.handlers.set(id, h);
    this.keepAlive ??= setInterval(() => undefined, 1000);
  }

  detach(id: bigint, h: RaftHandler): void {
    if (this.handlers.get(id) === h) this.handlers.delete(id);
    if (this.handlers.size === 0) {
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
    }
  }

  /** A follower's forwarded lease request, answered by the leader's handler (refused like a peer would). */
  async ask<T>(from: bigint, to: bigint, fn: (h: RaftHandler) => Promise<T>): Promise<T> {
    const h = this.handlers.get(to);
    if (h === undefined || this.isolated.has(to) || this.isolated.has(from)) throw new Error(`member ${to.toString(16)} unreachable`);
    try {
      return await fn(h);
    } catch (err) {
      if (err instanceof LeaseRefusal) throw new PeerRefusedError(err.reason === 'notFound' ? 404 : 503, err.message);
      if (err instanceof PromoteRefusal) throw new PeerRefusedError(PROMOTE_REFUSAL_STATUS[err.reason], err.message);
      throw err;
    }
  }

  /** Snapshots delivered whole (database and message) so far. */
  snapshotsDelivered = 0;

  /**
   * A snapshot: the receiver saves the database, then steps the message; the sender hears how
   * it went. The bytes pass through as sent (the real transport checks a digest on the way).
   */
  deliverSnapshot(from: bigint, fromHandler: RaftHandler, snap: OutgoingSnapshot): void {
    const to = this.handlers.get(snap.msg.to);
    const cut = (): boolean => to === undefined || this.isolated.has(snap.msg.to) || this.isolated.has(from);
    const run = async (): Promise<boolean> => {
      if (to === undefined || cut()) return false;
      await to.receiveSnapshot(structuredClone(snap.msg), snap.chunks);
      if (cut()) return false;
      to.process(structuredClone(snap.msg));
      this.snapshotsDelivered++;
      return true;
    };
    run().then(
      (ok) => fromHandler.reportSnapshot(snap.msg.to, ok),
      () => fromHandler.reportSnapshot(snap.msg.to, false),
    );
  }

  deliver(from: bigint, fromHandler: RaftHandler, msgs: readonly Message[]): void {
    for (const m of msgs) {
      const to = this.handlers.get(m.to);
      if (to === undefined || this.isolated.has(m.to) || this.isolated.has(from)) {
        setImmediate(() => fromHandler.reportUnreachable(m.to));
        continue;
      }
      const copy = structuredClone(m);
      setImmediate(() => {
        if (this.handlers.get(m.to) !== to || this.isolated.has(m.to) || this.isolated.has(from)) return;
        try {
          to.process(copy);
          this.delivered++;
        } catch {
          // Refused by the receiver (e.g. stopped): lost, as on a network.
        }
      });
    }
  }
}

class MemTransport implements PeerTransport {
  private readonly peers = new Set<bigint>();

  constructor(
    private readonly net: MemNetwork,
    private readonly id: bigint,
    private readonly handler: RaftHandler,
  ) {}

  async start(): Promise<void> {
    this.net.attach(this.id, this.handler);
  }

  send(msgs: readonly Message[]): void {
    this.net.deliver(this.id, this.handler, msgs.filter((m) => this.peers.has(m.to)));
  }

  sendSnapshot(snap: OutgoingSnapshot): void {
    this.net.deliverSnapshot(this.id, this.handler, snap);
  }

  addPeer(id: bigint): void {
    this.peers.add(id);
  }

  updatePeer(): void {}

  removePeer(id: bigint): void {
    this.peers.delete(id);
  }

  isActive(id: bigint): boolean {
    return this.peers.has(id);
  }

  activePeers(): number {
    return this.peers.size;
  }

  renewLease(to: bigint, id: bigint): Promise<number> {
    return this.net.ask(this.id, to, (h) => h.renewLease(id));
  }

  leaseTimeToLive(to: bigint, id: bigint, keys: boolean): Promise<LeaseTtl> {
    return this.net.ask(this.id, to, (h) => h.leaseTimeToLive(id, keys));
  }

  promoteMember(to: bigint, id: bigint): Promise<void> {
    return this.net.ask(this.id, to, (h) => h.promoteMember(id));
  }

  async close(): Promise<void> {
    this.net.detach(this.id, this.handler);
  }
}
