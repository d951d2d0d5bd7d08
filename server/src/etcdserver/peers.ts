import type { Registry } from 'prom-client';
import { MessageType, type Message, type RawNode, type SnapshotMetadata, nodeId } from '../raft/index.js';
import { LeaseNotFoundError } from '../lease/index.js';
import { PROMOTE_REFUSAL_STATUS, PeerRefusedError } from '../transport/index.js';
import type { LeaseTtl, PeerTransport, RaftHandler } from '../transport/types.js';
import { type Logger, errorMessage } from '../util/index.js';
import { ServerError, type ServerErrorKind } from './errors.js';
import type { MemberInfo } from './server-api.js';

/**
 * Makes the member's transport once its identity is known (the CLI wires the real one; tests an
 * in-memory one); `registry` is the member's metrics registry, for the transport's own metrics.
 */
export type TransportFactory = (ids: { memberId: bigint; clusterId: bigint; registry: Registry }, handler: RaftHandler) => PeerTransport;

/** What the peer side needs of the member. */
export interface PeerHost {
  readonly node: RawNode;
  readonly memberId: bigint;
  /** Raft has something new to do (a message was stepped). */
  wake(): void;
  isRemoved(id: bigint): boolean;
  /** Renews a lease if this member leads (throwing LeaseRefusal otherwise): a follower forwarded it. */
  renewLocal(id: bigint): Promise<number>;
  /** A lease's time to live if this member leads (throwing LeaseRefusal otherwise): a follower asked. */
  timeToLiveLocal(id: bigint, keys: boolean): Promise<LeaseTtl>;
  /** Promotes a learner if this member leads (throwing PromoteRefusal otherwise): a follower forwarded it. */
  promoteLocal(id: bigint): Promise<void>;
  /** A consistent copy of the backend to send with a snapshot: its size and its bytes. */
  openDatabase(): Promise<{ size: number; chunks: AsyncIterable<Uint8Array> }>;
  /** Where the member's applied state is now: the applied index, its term, the configuration. */
  appliedMetadata(): SnapshotMetadata;
  /** Saves a snapshot's database sent by the leader, for the raft snapshot at `index`. */
  saveDatabase(index: number, db: AsyncIterable<Uint8Array>): Promise<void>;
  members(): MemberInfo[];
  /** A peer says this member was removed from the cluster. */
  removed(by: bigint): void;
  readonly log: Logger;
}

/** What each refusal of a forwarded promotion means here (transport statuses → the member's errors). */
const PROMOTE_ERRORS = new Map<number, ServerErrorKind>([
  [PROMOTE_REFUSAL_STATUS.notLeader, 'leaderChanged'],
  [PROMOTE_REFUSAL_STATUS.notReady, 'learnerNotReady'],
  [PROMOTE_REFUSAL_STATUS.notFound, 'memberNotFound'],
  [PROMOTE_REFUSAL_STATUS.notLearner, 'memberNotLearner'],
]);

/**
 * The member's side of the peer network (etcd's raftNode ↔ rafthttp): raft's outgoing messages
 * go to the transport, messages from peers are stepped into raft, and the transport's peer set
 * follows the membership. Without a transport (a member of one) there is nobody to talk to and
 * raft never addresses anyone.
 */
export class Peers implements RaftHandler {
  private transport: PeerTransport | undefined;
  /** Peers the transport knows, so that a member's own AddNode entry does not add it twice. */
  private readonly known = new Set<bigint>();

  constructor(private readonly host: PeerHost) {}

  /** Starts the transport with every member but this one as a peer. */
  async start(factory: TransportFactory, clusterId: bigint, registry: Registry, members: readonly MemberInfo[]): Promise<void> {
    const t = factory({ memberId: this.host.memberId, clusterId, registry }, this);
    for (const m of members) {
      if (m.id === this.host.memberId || this.known.has(m.id)) continue;
      t.addPeer(m.id, m.peerUrls);
      this.known.add(m.id);
    }
    await t.start();
    this.transport = t;
  }

  /** Raft's outgoing messages; a snapshot goes on its own path, with a copy of the backend. */
  send(msgs: readonly Message[]): void {
    if (msgs.length === 0) return;
    const out: Message[] = [];
    for (const m of msgs) {
      if (m.to === this.host.memberId) continue;
      if (m.type === MessageType.MsgSnap) this.sendSnapshot(m);
      else out.push(m);
    }
    if (out.length > 0) this.transport?.send(out);
  }

  /**
   * A follower needs entries the log no longer has: it gets the whole backend with the raft
   * metadata of what the member has applied (etcd's merged snapshot) rather than of the last
   * raft snapshot: the database holds at least that much, and the configuration then includes
   * members added since the last snapshot — a member that just joined would refuse a snapshot
   * whose configuration does not name it. The follower skips entries its database already holds.
   */
  private sendSnapshot(raftMsg: Message): void {
    const t = this.transport;
    if (t === undefined) return;
    const m: Message = { ...raftMsg, snapshot: { data: new Uint8Array(0), metadata: this.host.appliedMetadata() } };
    this.host.log.info('sending database snapshot', { 'remote-peer-id': m.to.toString(16), index: m.snapshot?.metadata.index ?? 0 });
    this.host.openDatabase().then(
      (db) => t.sendSnapshot({ msg: m, size: db.size, chunks: db.chunks }),
      (err: unknown) => {
        this.host.log.warn('cannot copy the backend for a snapshot', { 'remote-peer-id': m.to.toString(16), error: errorMessage(err) });
        this.reportSnapshot(m.to, false);
      },
    );
  }

  /** Brings the transport's peers in line with the members (after a snapshot replaced them). */
  syncMembers(members: readonly MemberInfo[]): void {
    const ids = new Set(members.map((m) => m.id));
    for (const id of [...this.known]) if (!ids.has(id)) this.memberRemoved(id);
    for (const m of members) {
      if (this.known.has(m.id)) this.memberUpdated(m);
      else this.memberAdded(m);
    }
  }

  memberAdded(m: MemberInfo): void {
    if (m.id === this.host.memberId || this.known.has(m.id) || this.transport === undefined) return;
    this.transport.addPeer(m.id, m.peerUrls);
    this.known.add(m.id);
  }

  memberUpdated(m: MemberInfo): void {
    if (m.id !== this.host.memberId) this.transport?.updatePeer(m.id, m.peerUrls);
  }

  memberRemoved(id: bigint): void {
    if (!this.known.delete(id)) return;
    this.transport?.removePeer(id);
  }

  activePeers(): number {
    return this.transport?.activePeers() ?? 0;
  }

  isActive(id: bigint): boolean {
    return this.transport?.isActive(id) ?? false;
  }

  /** A keep-alive received on a follower, renewed by the leader `to`; resolves with the TTL. */
  renewOnLeader(to: bigint, id: bigint): Promise<number> {
    return this.onLeader(id, (t) => t.renewLease(to, id));
  }

  /** A follower's LeaseTimeToLive, answered by the leader `to` (only it knows when leases expire). */
  timeToLiveOnLeader(to: bigint, id: bigint, keys: boolean): Promise<LeaseTtl> {
    return this.onLeader(id, (t) => t.leaseTimeToLive(to, id, keys));
  }

  /**
   * A MemberPromote received on a follower, decided by the leader `to` (only it sees whether the
   * learner caught up), as etcd's followers forward it. The leader's refusals come back as
   * ServerErrors; 'leaderChanged' means: ask again.
   */
  async promoteOnLeader(to: bigint, id: bigint): Promise<void> {
    if (this.transport === undefined) throw new ServerError('noLeader');
    try {
      await this.transport.promoteMember(to, id);
    } catch (err) {
      const kind = err instanceof PeerRefusedError ? PROMOTE_ERRORS.get(err.status) : undefined;
      throw new ServerError(kind ?? 'timeoutDueToConnectionLost', { cause: err });
    }
  }

  private async onLeader<T>(id: bigint, ask: (t: PeerTransport) => Promise<T>): Promise<T> {
    if (this.transport === undefined) throw new ServerError('noLeader');
    try {
      return await ask(this.transport);
    } catch (err) {
      if (err instanceof PeerRefusedError && err.status === 404) throw new LeaseNotFoundError(`lease ${id.toString(16)} not found on the leader`);
      if (err instanceof PeerRefusedError && err.status === 503) throw new ServerError('leaderChanged');
      throw new ServerError('timeoutDueToConnectionLost', { cause: err });
    }
  }

  renewLease(id: bigint): Promise<number> {
    return this.host.renewLocal(id);
  }

  leaseTimeToLive(id: bigint, keys: boolean): Promise<LeaseTtl> {
    return this.host.timeToLiveLocal(id, keys);
  }

  promoteMember(id: bigint): Promise<void> {
    return this.host.promoteLocal(id);
  }

  members(): readonly MemberInfo[] {
    return this.host.members();
  }

  removedFromCluster(by: bigint): void {
    this.host.removed(by);
  }

  async close(): Promise<void> {
    const t = this.transport;
    this.transport = undefined;
    await t?.close();
  }

  // ---- RaftHandler: what the transport hands us --------------------------------------------

  process(msg: Message): void {
    if (msg.to !== this.host.memberId) throw new Error(`message for ${msg.to.toString(16)} reached ${this.host.memberId.toString(16)}`);
    this.host.node.step(msg);
    this.host.wake();
  }

  isRemoved(id: bigint): boolean {
    return this.host.isRemoved(id);
  }

  reportUnreachable(id: bigint): void {
    this.host.node.reportUnreachable(nodeId(id));
    this.host.wake();
  }

  reportSnapshot(id: bigint, ok: boolean): void {
    this.host.node.reportSnapshot(nodeId(id), !ok);
    this.host.wake();
  }

  receiveSnapshot(msg: Message, db: AsyncIterable<Uint8Array>): Promise<void> {
    return this.host.saveDatabase(msg.snapshot?.metadata.index ?? 0, db);
  }
}
