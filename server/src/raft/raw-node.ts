import type { RaftConfig } from './config.js';
import { confChangeV1ToV2, type ConfChangeV1, encodeConfChangeV1, encodeConfChangeV2 } from './conf-change-codec.js';
import { type ConfChangeV2, ConfChangeType, type Message, MessageType, message } from './message.js';
import { Raft, type SoftState } from './raft.js';
import { stepAny } from './raft-step.js';
import { RaftInvariantError, StepLocalMessageError, StepPeerNotFoundError } from './raft-errors.js';
import type { ReadState } from './read-only.js';
import { basicStatus, type BasicStatus, type Status, status } from './status.js';
import { type ConfState, EMPTY_HARD_STATE, type Entry, EntryType, type HardState, type NodeId, type Snapshot, hardStateEqual, index, mustSync, term } from './types.js';

/**
 * What the application must do next, in this order:
 * 1. persist `hardState`, `entries` and `snapshot` (fsync if `mustSync`);
 * 2. send `messagesAfterPersist` (responses promising that state is durable);
 * `messages` may be sent at once, before or while persisting (the leader's appends and
 * heartbeats, which promise nothing about this node's disk);
 * 3. apply `snapshot`, then `committedEntries` (only after step 1: a committed entry may be in
 * `entries` of this same Ready);
 * 4. call advance().
 */
export interface Ready {
  /** Set when the leader or this node's role changed. */
  softState: SoftState | undefined;
  /** Set when term, vote or commit changed: persist it. */
  hardState: HardState | undefined;
  readStates: ReadState[];
  /** Entries to append to stable storage (replacing any persisted entries at their indexes). */
  entries: Entry[];
  /** A snapshot to persist and apply. */
  snapshot: Snapshot | undefined;
  /** Entries committed and to be applied, in order. */
  committedEntries: Entry[];
  messages: Message[];
  messagesAfterPersist: Message[];
  /** Whether the hard state and entries must be fsynced before going on. */
  mustSync: boolean;
}

/** A member of the cluster at bootstrap (its id, and the context of its AddNode entry). */
export interface Peer {
  id: NodeId;
  context?: Uint8Array;
}

const LOCAL_TYPES = new Set<MessageType>([MessageType.MsgHup, MessageType.MsgBeat, MessageType.MsgUnreachable, MessageType.MsgSnapStatus, MessageType.MsgCheckQuorum]);
const RESPONSE_TYPES = new Set<MessageType>([
  MessageType.MsgAppResp,
  MessageType.MsgVoteResp,
  MessageType.MsgHeartbeatResp,
  MessageType.MsgUnreachable,
  MessageType.MsgPreVoteResp,
]);
/** Messages that state something about this node's durable log or vote. */
const AFTER_PERSIST_TYPES = new Set<MessageType>([MessageType.MsgAppResp, MessageType.MsgVoteResp, MessageType.MsgPreVoteResp]);

/**
 * The application's handle on a raft node (etcd's RawNode): feed it ticks, messages and
 * proposals; take Ready batches; advance. Single-threaded and synchronous by design.
 */
export class RawNode {
  readonly raft: Raft;
  private prevSoftSt: SoftState;
  private prevHardSt: HardState;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config, stepAny);
    this.prevSoftSt = this.raft.softState();
    this.prevHardSt = this.raft.hardState();
  }

  /**
   * Starts a new cluster on empty storage: the members' AddNode conf changes become entries
   * 1..n of term 1, committed (the application sees and applies them in the first Ready).
   */
  bootstrap(peers: Peer[]): void {
    if (peers.length === 0) throw new RaftInvariantError('must provide at least one peer to Bootstrap');
    if (this.raft.raftLog.lastIndex() !== 0) throw new RaftInvariantError("can't bootstrap a nonempty Storage");
    this.prevHardSt = EMPTY_HARD_STATE;
    this.raft.becomeFollower(term(1), 0n as NodeId);
    const ents: Entry[] = peers.map((p, i) => {
      const cc: ConfChangeV1 = { id: 0n, type: ConfChangeType.AddNode, nodeId: p.id, context: p.context ?? new Uint8Array(0) };
      return { term: term(1), index: index(i + 1), type: EntryType.ConfChange, data: encodeConfChangeV1(cc) };
    });
    this.raft.raftLog.append(ents);
    this.raft.raftLog.committed = index(ents.length);
    for (const p of peers) this.raft.applyConfChange(confChangeV1ToV2({ id: 0n, type: ConfChangeType.AddNode, nodeId: p.id, context: new Uint8Array(0) }));
  }

  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (a pre-vote first if configured). */
  campaign(): void {
    this.raft.step(message({ type: MessageType.MsgHup }));
  }

  /** Proposes data to be appended; throws ProposalDroppedError if it cannot be (no leader, transfer, limits). */
  propose(data: Uint8Array): void {
    this.raft.step(message({ type: MessageType.MsgProp, from: this.raft.id, entries: [entry(EntryType.Normal, data)] }));
  }

  /**
   * Proposes several entries in one message: one append on the leader and one message per
   * follower for all of them (the member proposes everything of one event-loop turn this way).
   */
  proposeMany(data: readonly Uint8Array[]): void {
    if (data.length === 0) return;
    this.raft.step(message({ type: MessageType.MsgProp, from: this.raft.id, entries: data.map((d) => entry(EntryType.Normal, d)) }));
  }

  /** Proposes a membership change (V1: one member; V2: several, with joint consensus). */
  proposeConfChange(cc: ConfChangeV1 | ConfChangeV2): void {
    const e = 'changes' in cc ? entry(EntryType.ConfChangeV2, encodeConfChangeV2(cc)) : entry(EntryType.ConfChange, encodeConfChangeV1(cc));
    this.raft.step(message({ type: MessageType.MsgProp, from: this.raft.id, entries: [e] }));
  }

  /** Applies a committed membership change; returns the configuration in force. */
  applyConfChange(cc: ConfChangeV1 | ConfChangeV2): ConfState {
    return this.raft.applyConfChange('changes' in cc ? cc : confChangeV1ToV2(cc));
  }

  /** Takes a message from another node. */
  step(m: Message): void {
    if (LOCAL_TYPES.has(m.type)) throw new StepLocalMessageError();
    if (RESPONSE_TYPES.has(m.type) && !this.raft.trk.progress.has(m.from)) throw new StepPeerNotFoundError();
    this.raft.step(m);
  }

  /** Asks for a linearizable read point; the answer comes as a ReadState with `ctx`. */
  readIndex(ctx: Uint8Array): void {
    this.raft.step(message({ type: MessageType.MsgReadIndex, entries: [entry(EntryType.Normal, ctx)] }));
  }

  /** Asks the leader to hand leadership to `transferee`. */
  transferLeader(transferee: NodeId): void {
    this.raft.step(message({ type: MessageType.MsgTransferLeader, from: transferee }));
  }

  reportUnreachable(id: NodeId): void {
    this.raft.step(message({ type: MessageType.MsgUnreachable, from: id }));
  }

  /** How sending a snapshot to `id` ended. */
  reportSnapshot(id: NodeId, failed: boolean): void {
    this.raft.step(message({ type: MessageType.MsgSnapStatus, from: id, reject: failed }));
  }

  hasReady(): boolean {
    const r = this.raft;
    if (r.readHeartbeatDue) return true;
    const ss = r.softState();
    if (ss.lead !== this.prevSoftSt.lead || ss.raftState !== this.prevSoftSt.raftState) return true;
    const hs = r.hardState();
    if (!(hs.term === 0 && hs.vote === 0n && hs.commit === 0) && !hardStateEqual(hs, this.prevHardSt)) return true;
    if (r.raftLog.hasNextUnstableSnapshot()) return true;
    if (r.msgs.length > 0 || r.raftLog.unstableEntries().length > 0 || r.raftLog.hasNextCommittedEntries(true)) return true;
    return r.readStates.length > 0;
  }

  /** The next batch of work; the node assumes it is handled (call advance() when done). */
  ready(): Ready {
    const r = this.raft;
    r.flushReadHeartbeat();
    const ss = r.softState();
    const hs = r.hardState();
    const softChanged = ss.lead !== this.prevSoftSt.lead || ss.raftState !== this.prevSoftSt.raftState;
    const hardChanged = !hardStateEqual(hs, this.prevHardSt);
    const entries = r.raftLog.unstableEntries();
    // A new term or vote must be durable before this node says anything: every message waits.
    const voteChanged = hs.term !== this.prevHardSt.term || hs.vote !== this.prevHardSt.vote;
    const messages: Message[] = [];
    const messagesAfterPersist: Message[] = [];
    for (const m of r.msgs) (voteChanged || AFTER_PERSIST_TYPES.has(m.type) ? messagesAfterPersist : messages).push(m);
    const rd: Ready = {
      softState: softChanged ? ss : undefined,
      hardState: hardChanged ? hs : undefined,
      readStates: r.readStates,
      entries,
      snapshot: r.raftLog.unstableSnapshot(),
      committedEntries: r.raftLog.nextCommittedEntries(true),
      messages,
      messagesAfterPersist,
      mustSync: mustSync(this.prevHardSt, hs, entries.length),
    };
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastCommitted !== undefined) r.applyingIndex = lastCommitted.index;
    if (softChanged) this.prevSoftSt = ss;
    r.readStates = [];
    r.msgs = [];
    return rd;
  }

  /** The Ready was handled: its entries are durable and its committed entries applied. */
  advance(rd: Ready): void {
    const r = this.raft;
    if (rd.hardState !== undefined) this.prevHardSt = rd.hardState;
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    const applied = lastCommitted?.index ?? rd.snapshot?.metadata.index;
    if (applied !== undefined && applied > 0) r.appliedTo(applied, rd.committedEntries);
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) r.raftLog.stableTo(lastEntry.index, lastEntry.term);
    if (rd.snapshot !== undefined) r.raftLog.stableSnapTo(rd.snapshot.metadata.index);
  }

  status(): Status {
    return status(this.raft);
  }

  basicStatus(): BasicStatus {
    return basicStatus(this.raft);
  }
}

function entry(type: EntryType, data: Uint8Array): Entry {
  return { term: term(0), index: index(0), type, data };
}
