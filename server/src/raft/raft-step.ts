import { assertNever } from '../util/index.js';
import { confChangeOfEntry, isLeaveJoint } from './conf-change-codec.js';
import { type Message, MessageType, message, messageTypeName } from './message.js';
import type { Raft } from './raft.js';
import { ProposalDroppedError, RaftInvariantError } from './raft-errors.js';
import { type Entry, EntryType, type Index, NO_NODE, index } from './types.js';

const isVoteRequest = (t: MessageType): boolean => t === MessageType.MsgVote || t === MessageType.MsgPreVote;
const voteRespType = (t: MessageType): MessageType => (t === MessageType.MsgVote ? MessageType.MsgVoteResp : MessageType.MsgPreVoteResp);

/**
 * Every message starts here: terms are compared first (a newer term makes this node a
 * follower, with the exceptions pre-vote and leases need; an older one is answered or
 * dropped), then elections and votes, then the role's own step function.
 */
export function stepAny(r: Raft, m: Message): void {
  if (m.term > r.term) {
    if (isVoteRequest(m.type)) {
      const force = r.isTransferContext(m.context);
      const inLease = r.checkQuorum && r.lead !== NO_NODE && r.electionElapsed < r.electionTimeout;
      if (!force && inLease) {
        // It heard a leader within the election timeout: a disruptive candidate is ignored.
        r.logf(`${r.id} [logterm: ${r.raftLog.lastTerm()}, index: ${r.raftLog.lastIndex()}, vote: ${r.vote}] ignored ${messageTypeName(m.type)} from ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${r.term}: lease is not expired (remaining ticks: ${r.electionTimeout - r.electionElapsed})`);
        return;
      }
    }
    if (m.type === MessageType.MsgPreVote) {
      // Never change term in response to a pre-vote.
    } else if (m.type === MessageType.MsgPreVoteResp && !m.reject) {
      // The term moves when a quorum of pre-votes is in and the real election starts.
    } else {
      r.logf(`${r.id} [term: ${r.term}] received a ${messageTypeName(m.type)} message with higher term from ${m.from} [term: ${m.term}]`);
      const fromLeader = m.type === MessageType.MsgApp || m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgSnap;
      r.becomeFollower(m.term, fromLeader ? m.from : NO_NODE);
    }
  } else if (m.term !== 0 && m.term < r.term) {
    stepStale(r, m);
    return;
  }

  switch (m.type) {
    case MessageType.MsgHup:
      r.hup(r.preVote ? 'CampaignPreElection' : 'CampaignElection');
      return;
    case MessageType.MsgVote:
    case MessageType.MsgPreVote:
      stepVoteRequest(r, m);
      return;
    default:
      stepRole(r, m);
  }
}

function stepRole(r: Raft, m: Message): void {
  switch (r.state) {
    case 'StateLeader':
      stepLeader(r, m);
      return;
    case 'StateCandidate':
    case 'StatePreCandidate':
      stepCandidate(r, m);
      return;
    case 'StateFollower':
      stepFollower(r, m);
      return;
    default:
      assertNever(r.state, 'raft state');
  }
}

/**
 * A message from an older term. A leader cut off by a partition keeps sending appends and
 * heartbeats: with check-quorum or pre-vote, answer so it learns the newer term (otherwise the
 * node that moved on could never be reached by it again). A stale pre-vote gets a rejection
 * so the pre-candidate does not wait forever. Everything else is dropped.
 */
function stepStale(r: Raft, m: Message): void {
  if ((r.checkQuorum || r.preVote) && (m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgApp)) {
    r.send(message({ type: MessageType.MsgAppResp, to: m.from }));
  } else if (m.type === MessageType.MsgPreVote) {
    r.logf(`${r.id} [logterm: ${r.raftLog.lastTerm()}, index: ${r.raftLog.lastIndex()}, vote: ${r.vote}] rejected ${messageTypeName(m.type)} from ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${r.term}`);
    r.send(message({ type: MessageType.MsgPreVoteResp, to: m.from, term: r.term, reject: true }));
  } else {
    r.logf(`${r.id} [term: ${r.term}] ignored a ${messageTypeName(m.type)} message with lower term from ${m.from} [term: ${m.term}]`);
  }
}

/** Grants a vote if this node may vote for the sender and the sender's log is at least as up to date. */
function stepVoteRequest(r: Raft, m: Message): void {
  const canVote =
    r.vote === m.from || // a repeated request
    (r.vote === NO_NODE && r.lead === NO_NODE) || // not voted, no leader known in this term
    (m.type === MessageType.MsgPreVote && m.term > r.term); // a pre-vote for a future term
  if (canVote && r.raftLog.isUpToDate(m.index, m.logTerm)) {
    r.logf(`${r.id} [logterm: ${r.raftLog.lastTerm()}, index: ${r.raftLog.lastIndex()}, vote: ${r.vote}] cast ${messageTypeName(m.type)} for ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${r.term}`);
    // The response carries the request's term: for a pre-vote that is the future term.
    r.send(message({ type: voteRespType(m.type), to: m.from, term: m.term }));
    if (m.type === MessageType.MsgVote) {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
    return;
  }
  r.logf(`${r.id} [logterm: ${r.raftLog.lastTerm()}, index: ${r.raftLog.lastIndex()}, vote: ${r.vote}] rejected ${messageTypeName(m.type)} from ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${r.term}`);
  r.send(message({ type: voteRespType(m.type), to: m.from, term: r.term, reject: true }));
}

export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.MsgBeat:
      r.bcastHeartbeat();
      return;
    case MessageType.MsgCheckQuorum: {
      // The leader always hears itself (if it is still in the configuration).
      const self = r.trk.progress.get(r.id);
      if (self !== undefined) self.recentActive = true;
      if (!r.trk.quorumActive()) {
        r.logf(`${r.id} stepped down to follower since quorum is not active`);
        r.becomeFollower(r.term, NO_NODE);
      }
      r.trk.visit((id, pr) => {
        if (id !== r.id) pr.recentActive = false;
      });
      return;
    }
    case MessageType.MsgProp:
      stepProposal(r, m);
      return;
    case MessageType.MsgReadIndex:
      stepReadIndex(r, m);
      return;
    default:
      stepLeaderFromPeer(r, m);
  }
}

/** A proposal on the leader: conf changes are vetted (one at a time, joint rules), then appended and sent. */
function stepProposal(r: Raft, m: Message): void {
  if (m.entries.length === 0) throw new RaftInvariantError(`${r.id} stepped empty MsgProp`);
  if (!r.trk.progress.has(r.id)) throw new ProposalDroppedError('this node was removed from the configuration');
  if (r.leadTransferee !== NO_NODE) {
    r.logf(`${r.id} [term ${r.term}] transfer leadership to ${r.leadTransferee} is in progress; dropping proposal`);
    throw new ProposalDroppedError(`leadership transfer to ${r.leadTransferee} is in progress`);
  }
  let confIndex: Index | undefined;
  for (let i = 0; i < m.entries.length; i++) {
    const e = m.entries[i] as Entry;
    const cc = confChangeOfEntry(e);
    if (cc === undefined) continue;
    const alreadyPending = (confIndex ?? r.pendingConfIndex) > r.raftLog.applied;
    const alreadyJoint = r.trk.config.voters.outgoing.ids.size > 0;
    const wantsLeaveJoint = isLeaveJoint(cc);
    let refused = '';
    if (alreadyPending) refused = `possible unapplied conf change at index ${r.pendingConfIndex} (applied to ${r.raftLog.applied})`;
    else if (alreadyJoint && !wantsLeaveJoint) refused = 'must transition out of joint config first';
    else if (!alreadyJoint && wantsLeaveJoint) refused = 'not in joint state; refusing empty conf change';
    if (refused !== '') {
      // The entry stays (its index is taken) but carries nothing: the change does not happen.
      r.logf(`${r.id} ignoring conf change at config ${r.trk.config.voters.toString()}: ${refused}`);
      m.entries[i] = { term: e.term, index: e.index, type: EntryType.Normal, data: new Uint8Array(0) };
    } else {
      confIndex = index(r.raftLog.lastIndex() + i + 1);
    }
  }
  if (!r.appendEntry(...m.entries)) throw new ProposalDroppedError('too many uncommitted entries');
  // Only now: a dropped proposal must not leave a pending conf change that never comes.
  if (confIndex !== undefined) r.pendingConfIndex = confIndex;
  r.bcastAppend();
}

/** ReadIndex on the leader: answered at once alone, after committing in its term, by heartbeat round or lease. */
function stepReadIndex(r: Raft, m: Message): void {
  if (r.trk.isSingleton()) {
    respondToReadIndex(r, m, r.raftLog.committed);
    return;
  }
  if (!r.committedEntryInCurrentTerm()) {
    // Its commit index may be behind the last leader's: wait until an entry of this term commits.
    r.pendingReadIndexMessages.push(m);
    return;
  }
  sendReadIndexResponse(r, m);
}

function sendReadIndexResponse(r: Raft, m: Message): void {
  if (r.readOnly.option === 'leaseBased') {
    respondToReadIndex(r, m, r.raftLog.committed);
    return;
  }
  r.readOnly.addRequest(r.raftLog.committed, m);
  r.readOnly.recvAck(r.id, m.entries[0]?.data ?? new Uint8Array(0));
  // One heartbeat round, sent when the application next takes a Ready, confirms every
  // request that arrived until then.
  r.readHeartbeatDue = true;
}

/** A read state for a local request; a MsgReadIndexResp for one forwarded by a follower. */
function respondToReadIndex(r: Raft, req: Message, readIndex: Index): void {
  if (req.from === NO_NODE || req.from === r.id) {
    r.readStates.push({ index: readIndex, requestCtx: req.entries[0]?.data ?? new Uint8Array(0) });
    return;
  }
  r.send(message({ type: MessageType.MsgReadIndexResp, to: req.from, index: readIndex, entries: req.entries }));
}

export function releasePendingReadIndexMessages(r: Raft): void {
  if (r.pendingReadIndexMessages.length === 0) return;
  if (!r.committedEntryInCurrentTerm()) return;
  const msgs = r.pendingReadIndexMessages;
  r.pendingReadIndexMessages = [];
  for (const m of msgs) sendReadIndexResponse(r, m);
}

/** Messages from followers to the leader: they need the sender's progress. */
function stepLeaderFromPeer(r: Raft, m: Message): void {
  const pr = r.trk.progress.get(m.from);
  if (pr === undefined) {
    r.logf(`${r.id} no progress available for ${m.from}`);
    return;
  }
  switch (m.type) {
    case MessageType.MsgAppResp:
      stepAppendResponse(r, m);
      return;
    case MessageType.MsgHeartbeatResp: {
      pr.recentActive = true;
      pr.msgAppFlowPaused = false;
      // A follower behind (or still probing) gets an append now: if the appends that filled
      // its window were lost, this one (empty when the window is full) gets it going again.
      if (pr.match < r.raftLog.lastIndex() || pr.state === 'probe') r.sendAppend(m.from);
      if (r.readOnly.option !== 'safe' || m.context.byteLength === 0) return;
      const acks = r.readOnly.recvAck(m.from, m.context);
      if (acks === undefined || r.trk.config.voters.voteResult(acks) !== 'won') return;
      for (const rs of r.readOnly.advance(m.context)) respondToReadIndex(r, rs.req, rs.index);
      return;
    }
    case MessageType.MsgSnapStatus:
      if (pr.state !== 'snapshot') return;
      if (m.reject) {
        // Forget the snapshot first, or probing would start from its index as if it had applied.
        pr.pendingSnapshot = index(0);
        r.logf(`${r.id} snapshot failed, resumed sending replication messages to ${m.from}`);
      } else {
        r.logf(`${r.id} snapshot succeeded, resumed sending replication messages to ${m.from}`);
      }
      pr.becomeProbe();
      // Wait for the follower's response (or a heartbeat interval after a failure) before the next append.
      pr.msgAppFlowPaused = true;
      return;
    case MessageType.MsgUnreachable:
      // An append sent optimistically was probably lost: go back to probing.
      if (pr.state === 'replicate') pr.becomeProbe();
      r.logf(`${r.id} failed to send message to ${m.from} because it is unreachable`);
      return;
    case MessageType.MsgTransferLeader:
      stepTransferLeader(r, m);
      return;
    default:
      return;
  }
}

function stepAppendResponse(r: Raft, m: Message): void {
  const pr = r.trk.progress.get(m.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  if (m.reject) {
    r.logf(`${r.id} received MsgAppResp(rejected, hint: (index ${m.rejectHint}, term ${m.logTerm})) from ${m.from} for index ${m.index}`);
    // The follower's hint: its last index ≤ the probe whose term is ≤ the probed term. Skip
    // every entry of the leader's log above the hint whose term is above the hint's term:
    // one rejection per term, not per entry.
    let nextProbe = m.rejectHint;
    if (m.logTerm > 0) nextProbe = r.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (pr.maybeDecrTo(m.index, nextProbe)) {
      r.logf(`${r.id} decreased progress of ${m.from} to [${pr.toString()}]`);
      if (pr.state === 'replicate') pr.becomeProbe();
      r.sendAppend(m.from);
    }
    return;
  }
  const oldPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.index)) return;
  if (pr.state === 'probe') pr.becomeReplicate();
  else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
    r.logf(`${r.id} recovered from needing snapshot, resumed sending replication messages to ${m.from} [${pr.toString()}]`);
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);
  if (r.maybeCommit()) {
    releasePendingReadIndexMessages(r);
    r.bcastAppend();
  } else if (oldPaused) {
    r.sendAppend(m.from);
  }
  // Flow control may now allow several more (size-limited) appends in flight.
  while (r.maybeSendAppend(m.from, false)) {
    // keep sending
  }
  if (m.from === r.leadTransferee && pr.match === r.raftLog.lastIndex()) {
    r.logf(`${r.id} sent MsgTimeoutNow to ${m.from} after received MsgAppResp`);
    r.sendTimeoutNow(m.from);
  }
}

function stepTransferLeader(r: Raft, m: Message): void {
  const pr = r.trk.progress.get(m.from);
  if (pr === undefined) return;
  if (pr.isLearner) {
    r.logf(`${r.id} is learner. Ignored transferring leadership`);
    return;
  }
  const transferee = m.from;
  if (r.leadTransferee !== NO_NODE) {
    if (r.leadTransferee === transferee) {
      r.logf(`${r.id} [term ${r.term}] transfer leadership to ${transferee} is in progress, ignores request to same node ${transferee}`);
      return;
    }
    r.logf(`${r.id} [term ${r.term}] abort previous transferring leadership to ${r.leadTransferee}`);
    r.abortLeaderTransfer();
  }
  if (transferee === r.id) {
    r.logf(`${r.id} is already leader. Ignored transferring leadership to self`);
    return;
  }
  r.logf(`${r.id} [term ${r.term}] starts to transfer leadership to ${transferee}`);
  // The transfer must finish within an election timeout, or it is abandoned.
  r.electionElapsed = 0;
  r.leadTransferee = transferee;
  if (pr.match === r.raftLog.lastIndex()) {
    r.sendTimeoutNow(transferee);
    r.logf(`${r.id} sends MsgTimeoutNow to ${transferee} immediately as ${transferee} already has up-to-date log`);
  } else {
    r.sendAppend(transferee);
  }
}

export function stepCandidate(r: Raft, m: Message): void {
  const myVoteResp = r.state === 'StatePreCandidate' ? MessageType.MsgPreVoteResp : MessageType.MsgVoteResp;
  switch (m.type) {
    case MessageType.MsgProp:
      r.logf(`${r.id} no leader at term ${r.term}; dropping proposal`);
      throw new ProposalDroppedError('no leader');
    case MessageType.MsgApp:
      r.becomeFollower(m.term, m.from);
      handleAppendEntries(r, m);
      return;
    case MessageType.MsgHeartbeat:
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case MessageType.MsgSnap:
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return;
    case MessageType.MsgTimeoutNow:
      r.logf(`${r.id} [term ${r.term} state ${r.state}] ignored MsgTimeoutNow from ${m.from}`);
      return;
    default:
      if (m.type !== myVoteResp) return;
      switch (r.poll(m.from, m.type, !m.reject)) {
        case 'won':
          if (r.state === 'StatePreCandidate') r.campaign('CampaignElection');
          else {
            r.becomeLeader();
            r.bcastAppend();
          }
          return;
        case 'lost':
          // A pre-vote response carries the future term; stay in ours.
          r.becomeFollower(r.term, NO_NODE);
          return;
        case 'pending':
          return;
      }
  }
}

export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.MsgProp:
      if (r.lead === NO_NODE) {
        r.logf(`${r.id} no leader at term ${r.term}; dropping proposal`);
        throw new ProposalDroppedError('no leader');
      }
      if (r.disableProposalForwarding) {
        r.logf(`${r.id} not forwarding to leader ${r.lead} at term ${r.term}; dropping proposal`);
        throw new ProposalDroppedError('proposal forwarding is disabled');
      }
      m.to = r.lead;
      r.send(m);
      return;
    case MessageType.MsgApp:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppendEntries(r, m);
      return;
    case MessageType.MsgHeartbeat:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return;
    case MessageType.MsgSnap:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return;
    case MessageType.MsgTransferLeader:
      if (r.lead === NO_NODE) {
        r.logf(`${r.id} no leader at term ${r.term}; dropping leader transfer msg`);
        return;
      }
      m.to = r.lead;
      r.send(m);
      return;
    case MessageType.MsgTimeoutNow:
      r.logf(`${r.id} [term ${r.term}] received MsgTimeoutNow from ${m.from} and starts an election to get leadership.`);
      // A transfer never uses pre-vote: the cluster is healthy and the leader asked for it.
      r.hup('CampaignTransfer');
      return;
    case MessageType.MsgReadIndex:
      if (r.lead === NO_NODE) {
        r.logf(`${r.id} no leader at term ${r.term}; dropping index reading msg`);
        return;
      }
      m.to = r.lead;
      r.send(m);
      return;
    case MessageType.MsgReadIndexResp:
      if (m.entries.length !== 1) {
        r.logf(`${r.id} invalid format of MsgReadIndexResp from ${m.from}, entries count: ${m.entries.length}`);
        return;
      }
      r.readStates.push({ index: m.index, requestCtx: (m.entries[0] as Entry).data });
      return;
    default:
      return;
  }
}

/** An append from the leader: accept it if the log matches at its previous entry, else hint where they diverge. */
export function handleAppendEntries(r: Raft, m: Message): void {
  if (m.index < r.raftLog.committed) {
    r.send(message({ type: MessageType.MsgAppResp, to: m.from, index: r.raftLog.committed }));
    return;
  }
  const last = r.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (last !== undefined) {
    r.send(message({ type: MessageType.MsgAppResp, to: m.from, index: last }));
    return;
  }
  // The largest index at which the logs could still agree: at or below the probe, with a term
  // at or below the probed term. The leader skips straight past the rest.
  const hint = r.raftLog.findConflictByTerm(index(Math.min(m.index, r.raftLog.lastIndex())), m.logTerm);
  r.logf(`${r.id} [logterm: ${safeTerm(r, m.index)}, index: ${m.index}] rejected MsgApp [logterm: ${m.logTerm}, index: ${m.index}] from ${m.from}`);
  r.send(message({ type: MessageType.MsgAppResp, to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term }));
}

function safeTerm(r: Raft, i: Index): number {
  try {
    return r.raftLog.term(i);
  } catch {
    return 0;
  }
}

export function handleHeartbeat(r: Raft, m: Message): void {
  r.raftLog.commitTo(m.commit);
  r.send(message({ type: MessageType.MsgHeartbeatResp, to: m.from, context: m.context }));
}

export function handleSnapshot(r: Raft, m: Message): void {
  const s = m.snapshot;
  if (s === undefined) throw new RaftInvariantError(`MsgSnap from ${m.from} without a snapshot`);
  if (r.restore(s)) {
    r.send(message({ type: MessageType.MsgAppResp, to: m.from, index: r.raftLog.lastIndex() }));
  } else {
    r.logf(`${r.id} [commit: ${r.raftLog.committed}] ignored snapshot [index: ${s.metadata.index}, term: ${s.metadata.term}]`);
    r.send(message({ type: MessageType.MsgAppResp, to: m.from, index: r.raftLog.committed }));
  }
}
