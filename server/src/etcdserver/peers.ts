import type { Registry } from 'prom-client';
import { MessageType, type Message, type RawNode, nodeId } from '../raft/index.js';
import { LeaseNotFoundError } from '../lease/index.js';
import { PeerRefusedError } from '../transport/index.js';
import type { OutgoingSnapshot, PeerTransport, RaftHandler } from '../transport/types.js';
import type { Logger } from '../util/index.js';
import { NotBuiltError, ServerError } from './errors.js';
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
  readonly log: Logger;
}

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

  /** Raft's outgoing messages. Snapshots to peers are not built yet: raft is told the send failed. */
  send(msgs: readonly Message[]): void {
    if (msgs.length === 0) return;
    const out: Message[] = [];
    for (const m of msgs) {
      if (m.to === this.host.memberId) continue;
      if (m.type === MessageType.MsgSnap) {
        this.host.log.warn('a follower needs a snapshot; sending snapshots to peers is not built yet', { to: m.to.toString(16), index: m.snapshot?.metadata.index ?? 0 });
        this.host.node.reportSnapshot(m.to, true);
        continue;
      }
      out.push(m);
    }
    if (out.length > 0) this.transport?.send(out);
  }

  sendSnapshot(snap: OutgoingSnapshot): void {
    this.transport?.sendSnapshot(snap);
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

  /** A keep-alive received on a follower, renewed by the leader `to`; resolves with the TTL. */
  async renewOnLeader(to: bigint, id: bigint): Promise<number> {
    if (this.transport === undefined) throw new ServerError('noLeader');
    try {
      return await this.transport.renewLease(to, id);
    } catch (err) {
      if (err instanceof PeerRefusedError && err.status === 404) throw new LeaseNotFoundError(`lease ${id.toString(16)} not found on the leader`);
      if (err instanceof PeerRefusedError && err.status === 503) throw new ServerError('leaderChanged');
      throw new ServerError('timeoutDueToConnectionLost', { cause: err });
    }
  }

  renewLease(id: bigint): Promise<number> {
    return this.host.renewLocal(id);
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

  receiveSnapshot(): Promise<void> {
    return Promise.reject(new NotBuiltError('receiving a raft snapshot from a peer is not built yet (clustering issue)'));
  }
}
