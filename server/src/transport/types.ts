import type { Message } from '../raft/index.js';
import type { PeerMember } from './members-request.js';

/**
 * What the transport asks of the member it serves (etcd's rafthttp.Raft): it hands every
 * message a peer sent to `process`, and tells the member when a peer cannot be reached or how
 * a snapshot it sent ended, so raft can adjust that peer's progress.
 */
export interface RaftHandler {
  /** A message from a peer, for raft to step. Throwing refuses the message (it is counted as failed). */
  process(msg: Message): void;
  /** Whether this member id was removed from the cluster (its messages are refused with 410). */
  isRemoved(id: bigint): boolean;
  reportUnreachable(id: bigint): void;
  reportSnapshot(id: bigint, ok: boolean): void;
  /**
   * A snapshot a peer sent (MsgSnap, its metadata in `msg.snapshot`) with the bytes of the
   * sender's backend database (etcd's bbolt-format snapshot stream, SHA-256 trailer checked by
   * the transport). Resolve once the member has saved it; the message is then processed.
   */
  receiveSnapshot(msg: Message, db: AsyncIterable<Uint8Array>): Promise<void>;
  /**
   * A follower forwarded a lease keep-alive: renew it if this member leads and answer the TTL.
   * Throw a LeaseRefusal ('notFound' or 'notLeader') to refuse.
   */
  renewLease(id: bigint): Promise<number>;
  /** A follower asked how long a lease has left: answer if this member leads (LeaseRefusal otherwise). */
  leaseTimeToLive(id: bigint, keys: boolean): Promise<LeaseTtl>;
  /**
   * A follower forwarded a MemberPromote (only the leader sees whether the learner caught up):
   * promote if this member leads; throw a PromoteRefusal to refuse.
   */
  promoteMember(id: bigint): Promise<void>;
  /** A peer refused this member as removed from the cluster (410): the member should stop. */
  removedFromCluster(by: bigint): void;
  /** The members this member knows, for GET /members (a member joining an existing cluster asks). */
  members(): readonly PeerMember[];
}

/** A lease's time to live as the leader knows it. */
export interface LeaseTtl {
  readonly ttl: number;
  readonly grantedTtl: number;
  readonly keys: Uint8Array[];
}

/** Why a forwarded lease keep-alive was refused. */
export class LeaseRefusal extends Error {
  constructor(readonly reason: 'notFound' | 'notLeader') {
    super(reason === 'notFound' ? 'lease not found' : 'not the leader');
  }
}

/** Why a forwarded member promotion was refused; each reason travels as its own HTTP status. */
export type PromoteRefusalReason = 'notLeader' | 'notReady' | 'notFound' | 'notLearner';

export const PROMOTE_REFUSAL_STATUS: Readonly<Record<PromoteRefusalReason, number>> = { notLeader: 503, notReady: 412, notFound: 404, notLearner: 409 };

export class PromoteRefusal extends Error {
  constructor(readonly reason: PromoteRefusalReason) {
    super(`member promotion refused: ${reason}`);
  }
}

/** A snapshot to send: the raft message (MsgSnap) and the sender's database, streamed. */
export interface OutgoingSnapshot {
  readonly msg: Message;
  /** Bytes of the database (without trailer; the transport adds and checks its own). */
  readonly size: number;
  readonly chunks: AsyncIterable<Uint8Array>;
}

/**
 * The member's side of the peer network (etcd's rafthttp.Transporter): long-lived streams to
 * every peer for raft messages, a separate path for snapshots, reconnection with backoff.
 * `send` never blocks: a peer whose queue is full loses the message and is reported
 * unreachable, as etcd's does; raft's retries cover the loss.
 */
export interface PeerTransport {
  /** Starts serving the peer URLs; resolves once listening. */
  start(): Promise<void>;
  send(msgs: readonly Message[]): void;
  sendSnapshot(snap: OutgoingSnapshot): void;
  addPeer(id: bigint, urls: readonly string[]): void;
  updatePeer(id: bigint, urls: readonly string[]): void;
  removePeer(id: bigint): void;
  /**
   * Forwards a lease keep-alive to member `to` (the leader); resolves with the renewed TTL.
   * Rejects with PeerRefusedError (404: no such lease, 503: not the leader) or when unreachable.
   */
  renewLease(to: bigint, id: bigint): Promise<number>;
  /** Asks member `to` (the leader) a lease's time to live; refusals as renewLease's. */
  leaseTimeToLive(to: bigint, id: bigint, keys: boolean): Promise<LeaseTtl>;
  /**
   * Asks member `to` (the leader) to promote learner `id`; rejects with PeerRefusedError whose
   * status is PROMOTE_REFUSAL_STATUS of the reason, or when unreachable.
   */
  promoteMember(to: bigint, id: bigint): Promise<void>;
  /** Peers with a working stream right now (etcd_network_active_peers). */
  activePeers(): number;
  /** Whether the stream to this peer works right now. */
  isActive(id: bigint): boolean;
  close(): Promise<void>;
}
