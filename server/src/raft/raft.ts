import { type RaftConfig, validateConfig } from './config.js';
import { Changer, restore } from './confchange.js';
import { entersJoint, isLeaveJoint } from './conf-change-codec.js';
import { type ConfChangeV2, type Message, MessageType, message, messageTypeName } from './message.js';
import { entriesSize } from './entry-size.js';
import { CompactedError, SnapshotTemporarilyUnavailableError, UnavailableError } from './errors.js';
import { ProposalDroppedError, RaftInvariantError } from './raft-errors.js';
import { RaftLog } from './raft-log.js';
import { ReadOnly, type ReadState } from './read-only.js';
import { Progress } from './tracker/progress.js';
import { ProgressTracker, type TrackerConfig } from './tracker/tracker.js';
import { type ConfState, type Entry, EntryType, type HardState, type Index, NO_NODE, type NodeId, type Snapshot, type Term, index, term } from './types.js';

export type StateType = 'StateFollower' | 'StateCandidate' | 'StateLeader' | 'StatePreCandidate';

/** Why a node campaigns: a pre-vote round, a real election, or a leadership transfer. */
export type CampaignType = 'CampaignPreElection' | 'CampaignElection' | 'CampaignTransfer';

/** What changes often and need not be persisted: who leads, and this node's role. */
export interface SoftState {
  lead: NodeId;
  raftState: StateType;
}

const TRANSFER_CONTEXT = new TextEncoder().encode('CampaignTransfer');

/**
 * One raft node's state machine (etcd's raft struct): terms, votes, the log, the leader's
 * view of its followers, and the rules for every message. Pure: messages go to `msgs`, time
 * comes from tick(), randomness from the config. The module's other files (raft-step.ts,
 * raw-node.ts) work on these fields directly; nothing outside the module should.
 */
export class Raft {
  readonly id: NodeId;
  term: Term = term(0);
  vote: NodeId = NO_NODE;
  readStates: ReadState[] = [];
  readonly raftLog: RaftLog;
  readonly maxMsgSize: number;
  readonly maxUncommittedSize: number;
  trk: ProgressTracker;
  state: StateType = 'StateFollower';
  isLearner = false;
  /** Messages to send, in order. */
  msgs: Message[] = [];
  lead: NodeId = NO_NODE;
  /** The node leadership is being transferred to (leader only). */
  leadTransferee: NodeId = NO_NODE;
  /** Index of the last conf change proposed in this leader's term (no second one before it applies). */
  pendingConfIndex: Index = index(0);
  /** Bytes of entry data appended but not yet committed (leader only), for maxUncommittedSize. */
  uncommittedSize = 0;
  readOnly: ReadOnly;
  /** Ticks since the last election timeout reset (followers: since hearing the leader). */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly heartbeatTimeout: number;
  readonly electionTimeout: number;
  randomizedElectionTimeout = 0;
  readonly disableProposalForwarding: boolean;
  readonly stepDownOnRemoval: boolean;
  /** The last entry handed to the application in a Ready and not yet applied (its advance() pending). */
  applyingIndex: Index = index(0);
  /** ReadIndex requests that wait until this leader commits an entry of its term. */
  pendingReadIndexMessages: Message[] = [];
  /** A ReadIndex arrived since the last heartbeat round: one round at ready() confirms them all. */
  readHeartbeatDue = false;
  private readonly random: (n: number) => number;
  private readonly log: (line: string) => void;
  private tickFn: () => void = () => this.tickElection();

  /**
   * `stepper` is the message handling of raft-step.ts (stepAny), passed in so that the rules
   * for messages can live in their own file without an import cycle.
   */
  constructor(
    c: RaftConfig,
    private readonly stepper: (r: Raft, m: Message) => void,
  ) {
    validateConfig(c);
    this.id = c.id;
    this.random = c.random;
    this.log = c.logger ?? (() => undefined);
    const maxMsgSize = c.maxSizePerMsg ?? Infinity;
    this.raftLog = new RaftLog(c.storage, c.maxCommittedSizePerReady ?? maxMsgSize);
    this.maxMsgSize = maxMsgSize;
    this.maxUncommittedSize = c.maxUncommittedEntriesSize ?? Infinity;
    this.trk = new ProgressTracker(c.maxInflightMsgs, c.maxInflightBytes ?? Infinity);
    this.electionTimeout = c.electionTick;
    this.heartbeatTimeout = c.heartbeatTick;
    this.checkQuorum = c.checkQuorum ?? false;
    this.preVote = c.preVote ?? false;
    this.readOnly = new ReadOnly(c.readOnlyOption ?? 'safe');
    this.disableProposalForwarding = c.disableProposalForwarding ?? false;
    this.stepDownOnRemoval = c.stepDownOnRemoval ?? true;

    const { hardState, confState } = c.storage.initialState();
    const { config, progress } = restore(new Changer(this.trk, this.raftLog.lastIndex()), confState);
    assertConfStatesEquivalent(confState, this.switchToConfig(config, progress));
    if (hardState.term !== 0 || hardState.vote !== NO_NODE || hardState.commit !== 0) this.loadState(hardState);
    if ((c.applied ?? 0) > 0) this.raftLog.appliedTo(c.applied as Index);
    this.becomeFollower(this.term, NO_NODE);
    this.logf(
      `newRaft ${this.id} [peers: [${this.trk.voterNodes().join(',')}], term: ${this.term}, commit: ${this.raftLog.committed}, applied: ${this.raftLog.applied}, lastindex: ${this.raftLog.lastIndex()}, lastterm: ${this.raftLog.lastTerm()}]`,
    );
  }

  logf(line: string): void {
    this.log(line);
  }

  softState(): SoftState {
    return { lead: this.lead, raftState: this.state };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  /** Queues a message, stamping `from` and (except proposals and read requests) the term. */
  send(m: Message): void {
    if (m.from === NO_NODE) m.from = this.id;
    const t = m.type;
    if (t === MessageType.MsgVote || t === MessageType.MsgVoteResp || t === MessageType.MsgPreVote || t === MessageType.MsgPreVoteResp) {
      if (m.term === 0) throw new RaftInvariantError(`term should be set when sending ${messageTypeName(t)}`);
    } else {
      if (m.term !== 0) throw new RaftInvariantError(`term should not be set when sending ${messageTypeName(t)} (was ${m.term})`);
      if (t !== MessageType.MsgProp && t !== MessageType.MsgReadIndex) m.term = this.term;
    }
    this.msgs.push(m);
  }

  /** Sends an append (or a snapshot) to `to` if its progress allows. */
  sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /**
   * Sends `to` the entries from its next index, or a snapshot if those are compacted away.
   * Returns whether a message was sent (none if paused, or if there is nothing new and
   * `sendIfEmpty` is false).
   */
  maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.trk.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    let prevTerm: Term;
    let ents: Entry[] = [];
    try {
      prevTerm = this.raftLog.term(index(pr.next - 1));
      // A full window (a heartbeat response let one more message through) gets an empty
      // append: it carries the commit index and probes, without overfilling the window.
      if (!(pr.state === 'replicate' && pr.inflights.full())) ents = this.raftLog.entries(pr.next, this.maxMsgSize);
    } catch (err) {
      if (err instanceof CompactedError || err instanceof UnavailableError) return this.sendSnapshot(to, pr);
      throw err;
    }
    if (ents.length === 0 && !sendIfEmpty) return false;
    const m = message({ type: MessageType.MsgApp, to, index: index(pr.next - 1), logTerm: prevTerm, entries: ents, commit: this.raftLog.committed });
    pr.updateOnEntriesSend(ents.length, entriesSize(ents), index(pr.next));
    this.send(m);
    return true;
  }

  /** Sends the latest snapshot to a follower whose next entries were compacted. */
  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) {
      this.logf(`ignore sending snapshot to ${to} since it is not recently active`);
      return false;
    }
    let snap: Snapshot;
    try {
      snap = this.raftLog.snapshot();
    } catch (err) {
      if (err instanceof SnapshotTemporarilyUnavailableError) {
        this.logf(`${this.id} failed to send snapshot to ${to} because snapshot is temporarily unavailable`);
        return false;
      }
      throw err;
    }
    if (snap.metadata.index === 0) throw new RaftInvariantError('need non-empty snapshot');
    this.logf(`${this.id} [firstindex: ${this.raftLog.firstIndex()}, commit: ${this.raftLog.committed}] sent snapshot[index: ${snap.metadata.index}, term: ${snap.metadata.term}] to ${to}`);
    pr.becomeSnapshot(snap.metadata.index);
    this.send(message({ type: MessageType.MsgSnap, to, snapshot: snap }));
    return true;
  }

  /** A heartbeat to `to`, carrying the commit index it can safely take and a read context. */
  sendHeartbeat(to: NodeId, ctx: Uint8Array | undefined): void {
    const pr = this.trk.progress.get(to);
    const commit = index(Math.min(pr?.match ?? 0, this.raftLog.committed));
    this.send(message({ type: MessageType.MsgHeartbeat, to, commit, ...(ctx === undefined ? {} : { context: ctx }) }));
  }

  bcastAppend(): void {
    this.trk.visit((id) => {
      if (id !== this.id) this.sendAppend(id);
    });
  }

  /** Heartbeats to every other member, with the newest pending read's context if any. */
  bcastHeartbeat(): void {
    this.bcastHeartbeatWithCtx(this.readOnly.lastPendingRequestCtx());
    this.readHeartbeatDue = false;
  }

  bcastHeartbeatWithCtx(ctx: Uint8Array | undefined): void {
    this.trk.visit((id) => {
      if (id !== this.id) this.sendHeartbeat(id, ctx);
    });
  }

  /** One heartbeat round for the ReadIndex requests that arrived since the last (see readHeartbeatDue). */
  flushReadHeartbeat(): void {
    if (this.readHeartbeatDue && this.state === 'StateLeader') this.bcastHeartbeat();
    this.readHeartbeatDue = false;
  }

  /** Moves the commit index to what a quorum has; true if it moved. */
  maybeCommit(): boolean {
    const committed = this.trk.committed();
    if (!Number.isFinite(committed)) return false; // no voters: nothing is committed by counting
    return this.raftLog.maybeCommit(committed, this.term);
  }

  reset(t: Term): void {
    if (this.term !== t) {
      this.term = t;
      this.vote = NO_NODE;
    }
    this.lead = NO_NODE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.trk.resetVotes();
    const last = this.raftLog.lastIndex();
    this.trk.visit((id, pr) => {
      const fresh = new Progress(index(last + 1), this.trk.maxInflight, this.trk.maxInflightBytes, pr.isLearner);
      if (id === this.id) fresh.match = last;
      this.trk.progress.set(id, fresh);
    });
    this.pendingConfIndex = index(0);
    this.uncommittedSize = 0;
    this.readOnly = new ReadOnly(this.readOnly.option);
    this.readHeartbeatDue = false;
  }

  /** Appends entries of this term to the leader's log; false if the uncommitted limit drops them. */
  appendEntry(...es: Entry[]): boolean {
    let li = this.raftLog.lastIndex();
    for (let i = 0; i < es.length; i++) {
      const e = es[i] as Entry;
      e.term = this.term;
      e.index = index(li + 1 + i);
    }
    if (!this.increaseUncommittedSize(es)) {
      this.logf(`${this.id} appending new entries to log would exceed uncommitted entry size limit; dropping proposal`);
      return false;
    }
    li = this.raftLog.append(es);
    this.trk.progress.get(this.id)?.maybeUpdate(li);
    this.maybeCommit();
    return true;
  }

  tick(): void {
    this.tickFn();
  }

  /** Followers and candidates: campaign once the randomised election timeout passes. */
  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.pastElectionTimeout()) {
      this.electionElapsed = 0;
      this.step(message({ type: MessageType.MsgHup, from: this.id }));
    }
  }

  /** Leaders: heartbeats every heartbeatTimeout; quorum check and transfer timeout every electionTimeout. */
  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step(message({ type: MessageType.MsgCheckQuorum, from: this.id }));
      if (this.state === 'StateLeader' && this.leadTransferee !== NO_NODE) this.abortLeaderTransfer();
    }
    if (this.state !== 'StateLeader') return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.step(message({ type: MessageType.MsgBeat, from: this.id }));
      if (this.leadTransferee === NO_NODE) this.maybeAutoLeave();
    }
  }

  becomeFollower(t: Term, lead: NodeId): void {
    this.reset(t);
    this.tickFn = () => this.tickElection();
    this.lead = lead;
    this.state = 'StateFollower';
    this.logf(`${this.id} became follower at term ${this.term}`);
  }

  becomeCandidate(): void {
    if (this.state === 'StateLeader') throw new RaftInvariantError('invalid transition [leader -> candidate]');
    this.reset(term(this.term + 1));
    this.tickFn = () => this.tickElection();
    this.vote = this.id;
    this.state = 'StateCandidate';
    this.logf(`${this.id} became candidate at term ${this.term}`);
  }

  becomePreCandidate(): void {
    if (this.state === 'StateLeader') throw new RaftInvariantError('invalid transition [leader -> pre-candidate]');
    // A pre-candidate changes neither term nor vote: it only asks whether it could win.
    this.trk.resetVotes();
    this.tickFn = () => this.tickElection();
    this.lead = NO_NODE;
    this.state = 'StatePreCandidate';
    this.logf(`${this.id} became pre-candidate at term ${this.term}`);
  }

  becomeLeader(): void {
    if (this.state === 'StateFollower') throw new RaftInvariantError('invalid transition [follower -> leader]');
    this.reset(this.term);
    this.tickFn = () => this.tickHeartbeat();
    this.lead = this.id;
    this.state = 'StateLeader';
    // The leader knows its own log: replicate state from the start.
    const self = this.trk.progress.get(this.id);
    self?.becomeReplicate();
    if (self !== undefined) self.recentActive = true;
    // Conf changes in the uncommitted tail may be pending: none may be proposed until they apply.
    this.pendingConfIndex = this.raftLog.lastIndex();
    const empty: Entry = { term: term(0), index: index(0), type: EntryType.Normal, data: new Uint8Array(0) };
    if (!this.appendEntry(empty)) throw new RaftInvariantError('empty entry was dropped');
    this.logf(`${this.id} became leader at term ${this.term}`);
  }

  /** Starts an election unless leading, not promotable, or conf changes are committed but unapplied. */
  hup(t: CampaignType): void {
    if (this.state === 'StateLeader') {
      this.logf(`${this.id} ignoring MsgHup because already leader`);
      return;
    }
    if (!this.promotable()) {
      this.logf(`${this.id} is unpromotable and can not campaign`);
      return;
    }
    if (this.raftLog.committed > this.raftLog.applied) {
      const pending = this.raftLog.slice(index(this.raftLog.applied + 1), index(this.raftLog.committed + 1), Infinity);
      const n = pending.filter((e) => e.type === EntryType.ConfChange || e.type === EntryType.ConfChangeV2).length;
      if (n > 0) {
        this.logf(`${this.id} cannot campaign at term ${this.term} since there are still ${n} pending configuration changes to apply`);
        return;
      }
    }
    this.logf(`${this.id} is starting a new election at term ${this.term}`);
    this.campaign(t);
  }

  campaign(t: CampaignType): void {
    let voteTerm: Term;
    let voteMsg: MessageType;
    if (t === 'CampaignPreElection') {
      this.becomePreCandidate();
      voteMsg = MessageType.MsgPreVote;
      voteTerm = term(this.term + 1); // the term it would campaign in; its own term does not move yet
    } else {
      this.becomeCandidate();
      voteMsg = MessageType.MsgVote;
      voteTerm = this.term;
    }
    const respType = voteMsg === MessageType.MsgPreVote ? MessageType.MsgPreVoteResp : MessageType.MsgVoteResp;
    if (this.poll(this.id, respType, true) === 'won') {
      // A single voter wins at once.
      if (t === 'CampaignPreElection') this.campaign('CampaignElection');
      else this.becomeLeader();
      return;
    }
    const ids = [...this.trk.config.voters.ids()].sort(cmpId);
    for (const id of ids) {
      if (id === this.id) continue;
      this.logf(`${this.id} [logterm: ${this.raftLog.lastTerm()}, index: ${this.raftLog.lastIndex()}] sent ${messageTypeName(voteMsg)} request to ${id} at term ${this.term}`);
      this.send(
        message({
          type: voteMsg,
          to: id,
          term: voteTerm,
          index: this.raftLog.lastIndex(),
          logTerm: this.raftLog.lastTerm(),
          ...(t === 'CampaignTransfer' ? { context: TRANSFER_CONTEXT } : {}),
        }),
      );
    }
  }

  /** Records a vote and returns the election's result so far. */
  poll(id: NodeId, t: MessageType, granted: boolean): 'pending' | 'lost' | 'won' {
    this.logf(`${this.id} ${granted ? 'received' : 'rejected'} ${messageTypeName(t)} from ${id} at term ${this.term}`);
    this.trk.recordVote(id, granted);
    const { granted: g, rejected, result } = this.trk.tallyVotes();
    if (id !== this.id) this.logf(`${this.id} has received ${g} ${messageTypeName(t)} votes and ${rejected} vote rejections`);
    return result;
  }

  /** The entry point for every message; see raft-step.ts. */
  step(m: Message): void {
    this.stepper(this, m);
  }

  /** Whether this node may campaign: a voter, not waiting to apply a snapshot. */
  promotable(): boolean {
    const pr = this.trk.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.raftLog.hasNextUnstableSnapshot();
  }

  isTransferContext(ctx: Uint8Array): boolean {
    return ctx.byteLength === TRANSFER_CONTEXT.byteLength && ctx.every((b, i) => b === TRANSFER_CONTEXT[i]);
  }

  pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.electionTimeout + this.random(this.electionTimeout);
  }

  sendTimeoutNow(to: NodeId): void {
    this.send(message({ type: MessageType.MsgTimeoutNow, to }));
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = NO_NODE;
  }

  /** Whether the leader has committed an entry of its own term (ReadIndex is safe only then). */
  committedEntryInCurrentTerm(): boolean {
    try {
      return this.raftLog.term(this.raftLog.committed) === this.term;
    } catch {
      return false;
    }
  }

  increaseUncommittedSize(ents: Entry[]): boolean {
    const s = payloadSize(ents);
    if (this.uncommittedSize > 0 && s > 0 && this.uncommittedSize + s > this.maxUncommittedSize) return false;
    this.uncommittedSize += s;
    return true;
  }

  reduceUncommittedSize(ents: Entry[]): void {
    if (this.uncommittedSize === 0) return;
    this.uncommittedSize = Math.max(0, this.uncommittedSize - payloadSize(ents));
  }

  /**
   * The application applied entries (or a snapshot) up to `applied`. A leader whose joint
   * configuration is to be left automatically proposes leaving once it applies it.
   */
  appliedTo(applied: Index, appliedEntries: Entry[]): void {
    this.raftLog.appliedTo(applied);
    this.reduceUncommittedSize(appliedEntries);
    this.maybeAutoLeave();
  }

  /**
   * A leader in a joint configuration to be left automatically proposes leaving (an empty
   * ConfChangeV2, which no size limit refuses) once it applied the entry that entered it, and
   * sends it at once. A leadership transfer under way drops the proposal: it is tried again
   * at the next apply or heartbeat tick, or the new leader leaves.
   */
  private maybeAutoLeave(): void {
    if (!this.trk.config.autoLeave || this.state !== 'StateLeader' || this.raftLog.applied < this.pendingConfIndex) return;
    const leave: Entry = { term: term(0), index: index(0), type: EntryType.ConfChangeV2, data: new Uint8Array(0) };
    try {
      this.step(message({ type: MessageType.MsgProp, from: this.id, entries: [leave] }));
      this.logf(`initiating automatic transition out of joint configuration ${this.trk.config.voters.toString()}`);
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
      this.logf(`not initiating automatic transition out of joint configuration ${this.trk.config.voters.toString()}: ${err.message}`);
    }
  }

  /** Applies a committed membership change; returns the configuration now in force. */
  applyConfChange(cc: ConfChangeV2): ConfState {
    const changer = new Changer(this.trk, this.raftLog.lastIndex());
    let next;
    if (isLeaveJoint(cc)) next = changer.leaveJoint();
    else {
      const { joint, autoLeave } = entersJoint(cc);
      next = joint ? changer.enterJoint(autoLeave, ...cc.changes) : changer.simple(...cc.changes);
    }
    return this.switchToConfig(next.config, next.progress);
  }

  /** Puts a new configuration in force; a leader removed or demoted steps down. */
  switchToConfig(config: TrackerConfig, progress: Map<NodeId, Progress>): ConfState {
    this.trk.config = config;
    this.trk.progress = progress;
    this.logf(`${this.id} switched to configuration ${config.voters.toString()}`);
    const cs = this.trk.confState();
    const pr = this.trk.progress.get(this.id);
    this.isLearner = pr !== undefined && pr.isLearner;
    if ((pr === undefined || this.isLearner) && this.state === 'StateLeader') {
      if (this.stepDownOnRemoval) this.becomeFollower(this.term, NO_NODE);
      return cs;
    }
    if (this.state !== 'StateLeader' || cs.voters.length === 0) return cs;
    if (this.maybeCommit()) {
      this.bcastAppend();
    } else {
      this.trk.visit((id) => {
        if (id !== this.id) this.maybeSendAppend(id, false);
      });
    }
    if (this.leadTransferee !== NO_NODE && !this.trk.config.voters.ids().has(this.leadTransferee)) this.abortLeaderTransfer();
    return cs;
  }

  /**
   * Takes a snapshot from the leader, if it is news: false (and the commit index moved instead)
   * when the log already has its last entry, or when it is older than the commit index.
   */
  restore(s: Snapshot): boolean {
    const md = s.metadata;
    if (md.index <= this.raftLog.committed) return false;
    if (this.applyingIndex > this.raftLog.applied) {
      // Committed entries handed out in a Ready are being applied: a snapshot now would change
      // the configuration under them. Refused; the leader sends it again later.
      this.logf(`${this.id} [commit: ${this.raftLog.committed}] ignored snapshot [index: ${md.index}, term: ${md.term}] while applying entries up to ${this.applyingIndex}`);
      return false;
    }
    if (this.state !== 'StateFollower') {
      // Defense in depth: a leader or candidate never takes a snapshot.
      this.logf(`${this.id} attempted to restore snapshot as leader; should never happen`);
      this.becomeFollower(term(this.term + 1), NO_NODE);
      return false;
    }
    const cs = md.confState;
    const member = [cs.voters, cs.learners, cs.votersOutgoing].some((set) => set.includes(this.id));
    if (!member) {
      this.logf(`${this.id} attempted to restore snapshot but it is not in the ConfState; should never happen`);
      return false;
    }
    if (this.raftLog.matchTerm(md.index, md.term)) {
      this.logf(`${this.id} [commit: ${this.raftLog.committed}] fast-forwarded commit to snapshot [index: ${md.index}, term: ${md.term}]`);
      this.raftLog.commitTo(md.index);
      return false;
    }
    this.raftLog.restore(s);
    this.trk = new ProgressTracker(this.trk.maxInflight, this.trk.maxInflightBytes);
    const { config, progress } = restore(new Changer(this.trk, this.raftLog.lastIndex()), cs);
    assertConfStatesEquivalent(cs, this.switchToConfig(config, progress));
    const pr = this.trk.progress.get(this.id);
    pr?.maybeUpdate(index(pr.next - 1));
    this.logf(`${this.id} [commit: ${this.raftLog.committed}] restored snapshot [index: ${md.index}, term: ${md.term}]`);
    return true;
  }

  /** Takes the persisted hard state on restart. */
  loadState(hs: HardState): void {
    if (hs.commit < this.raftLog.committed || hs.commit > this.raftLog.lastIndex()) {
      throw new RaftInvariantError(`${this.id} state.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`);
    }
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }
}

export function cmpId(a: NodeId, b: NodeId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function payloadSize(ents: Entry[]): number {
  let s = 0;
  for (const e of ents) s += e.data.byteLength;
  return s;
}

function sortedIds(xs: NodeId[]): string {
  return [...xs].sort(cmpId).join(',');
}

/** The configuration raft ended up with must be the one it was given (storage or snapshot). */
function assertConfStatesEquivalent(want: ConfState, got: ConfState): void {
  const same =
    sortedIds(want.voters) === sortedIds(got.voters) &&
    sortedIds(want.learners) === sortedIds(got.learners) &&
    sortedIds(want.votersOutgoing) === sortedIds(got.votersOutgoing) &&
    sortedIds(want.learnersNext) === sortedIds(got.learnersNext) &&
    want.autoLeave === got.autoLeave;
  if (!same) throw new RaftInvariantError(`ConfStates not equivalent after sorting: ${JSON.stringify(want, big)} vs ${JSON.stringify(got, big)}`);
}

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}
