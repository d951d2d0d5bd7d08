import { ConfChangeType, type ConfChangeV1, ProposalDroppedError, type RawNode, nodeId } from '../raft/index.js';
import type { Logger } from '../util/index.js';
import { type ServerConfig, requestTimeoutMs } from './config.js';
import { ServerError, type ServerErrorKind } from './errors.js';
import { type Membership, memberToJson } from './membership.js';
import type { Peers } from './peers.js';
import { PromoteRefusal, type PromoteRefusalReason } from '../transport/index.js';
import { isPromotion, memberOfChange, promotionContext, runtimeMemberId, urlTaken, validPeerUrls } from './reconfig.js';
import type { Header, MemberChange, MemberInfo } from './server-api.js';
import type { Waiters } from './waiters.js';

/** A forwarded promotion the leader refuses, by why (the follower turns the reason back into the error). */
const REFUSAL_OF = new Map<ServerErrorKind, PromoteRefusalReason>([
  ['learnerNotReady', 'notReady'],
  ['memberNotFound', 'notFound'],
  ['memberNotLearner', 'notLearner'],
]);

/** Errors after which a follower asks the leader again (the leader moved, or was out of reach). */
const RETRY_PROMOTE = new Set<ServerErrorKind>(['leaderChanged', 'timeoutDueToConnectionLost', 'noLeader']);

/** What membership changes need of the member. */
export interface MemberChangeHost {
  readonly cfg: ServerConfig;
  readonly node: RawNode;
  readonly membership: Membership;
  readonly peers: Peers;
  readonly memberId: bigint;
  readonly log: Logger;
  nextId(): bigint;
  isStopped(): boolean;
  scheduleReady(): void;
  header(): Header;
  removedFromCluster(by: bigint): void;
  /** The leader this member knows (0: none). */
  leader(): bigint;
}

/**
 * Runtime reconfiguration (etcd's AddMember, RemoveMember, UpdateMember, PromoteMember): the
 * checks before proposing, the raft conf change, and — once committed and checked at apply —
 * the membership side of it. `waiters` hold the proposals: undefined when accepted, else why
 * refused.
 */
export class MemberChanges {
  constructor(
    private readonly host: MemberChangeHost,
    readonly waiters: Waiters<ServerErrorKind | undefined>,
  ) {}

  /** MemberAdd: a new member (voter or learner) with these peer URLs; answers it and every member. */
  async add(peerUrls: string[], isLearner: boolean): Promise<MemberChange> {
    if (!validPeerUrls(peerUrls)) throw new ServerError('memberBadUrls');
    if (urlTaken(this.host.membership, peerUrls)) throw new ServerError('peerUrlExist');
    const m: MemberInfo = { id: runtimeMemberId(peerUrls, Date.now()), name: '', peerUrls, clientUrls: [], isLearner };
    if (!isLearner) this.checkQuorumAfter(1);
    await this.propose(isLearner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode, m.id, m);
    return { header: this.host.header(), member: m, members: this.host.membership.list() };
  }

  async remove(id: bigint): Promise<MemberChange> {
    const m = this.host.membership.get(id);
    if (m !== undefined && !m.isLearner) this.checkQuorumAfter(-1, id);
    await this.propose(ConfChangeType.RemoveNode, id, undefined);
    return { header: this.host.header(), member: m, members: this.host.membership.list() };
  }

  async update(id: bigint, peerUrls: string[]): Promise<MemberChange> {
    if (!validPeerUrls(peerUrls)) throw new ServerError('memberBadUrls');
    const m = this.host.membership.get(id);
    if (m === undefined) throw new ServerError('memberNotFound');
    await this.propose(ConfChangeType.UpdateNode, id, { ...m, peerUrls });
    return { header: this.host.header(), member: this.host.membership.get(id), members: this.host.membership.list() };
  }

  /** MemberPromote: a learner becomes a voter once it holds (nearly) the leader's whole log. */
  async promote(id: bigint): Promise<MemberChange> {
    const m = this.host.membership.get(id);
    if (m === undefined) throw new ServerError('memberNotFound');
    if (!m.isLearner) throw new ServerError('memberNotLearner');
    if (this.host.node.raft.state !== 'StateLeader') return this.promoteThroughLeader(id);
    if (!this.learnerInSync(id)) throw new ServerError('learnerNotReady');
    await this.propose(ConfChangeType.AddNode, id, { ...m, isLearner: false }, true);
    return { header: this.host.header(), member: this.host.membership.get(id), members: this.host.membership.list() };
  }

  /** The leader's side of a promotion a follower forwarded: refusals as PromoteRefusal. */
  async promoteForFollower(id: bigint): Promise<void> {
    if (this.host.node.raft.state !== 'StateLeader') throw new PromoteRefusal('notLeader');
    try {
      await this.promote(id);
    } catch (err) {
      const reason = err instanceof ServerError ? REFUSAL_OF.get(err.kind) : undefined;
      throw reason === undefined ? err : new PromoteRefusal(reason);
    }
  }

  /**
   * A follower cannot see whether the learner caught up, so it asks the leader to promote (as
   * etcd's followers do, over the peer port), asking again while leadership moves, until the
   * request timeout; then it answers once the promotion has reached its own membership.
   */
  private async promoteThroughLeader(id: bigint): Promise<MemberChange> {
    const h = this.host;
    const deadline = Date.now() + requestTimeoutMs(h.cfg);
    const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, h.cfg.heartbeatMs));
    for (;;) {
      if (h.isStopped()) throw new ServerError('stopped');
      if (h.node.raft.state === 'StateLeader') return this.promote(id);
      const leader = h.leader();
      if (leader !== 0n) {
        try {
          await h.peers.promoteOnLeader(leader, id);
          break;
        } catch (err) {
          if (!(err instanceof ServerError) || !RETRY_PROMOTE.has(err.kind)) throw err;
        }
      }
      if (Date.now() > deadline) throw new ServerError('timeout');
      await pause();
    }
    while (h.membership.get(id)?.isLearner === true && Date.now() <= deadline) await pause();
    return { header: h.header(), member: h.membership.get(id), members: h.membership.list() };
  }

  /**
   * etcd's readiness rule for a promotion, decided by the leader: the learner's match index is
   * within 90% of the leader's.
   */
  private learnerInSync(id: bigint): boolean {
    const r = this.host.node.raft;
    if (r.state !== 'StateLeader') return false;
    const pr = r.trk.progress.get(nodeId(id));
    const last = r.raftLog.lastIndex();
    return pr !== undefined && pr.match >= Math.floor(last * 0.9);
  }

  /**
   * --strict-reconfig-check: a change of the voters by `delta` must leave enough started voters
   * (this member and the peers the transport reaches) for a quorum of the new configuration.
   * As in etcd, a member alone may always add a second one (how a cluster grows from one).
   */
  private checkQuorumAfter(delta: 1 | -1, removing?: bigint): void {
    if (this.host.cfg.strictReconfigCheck === false) return;
    const voters = this.host.membership.list().filter((m) => !m.isLearner).length + delta;
    if (delta === 1 && voters === 2) return;
    const started = 1 + this.host.peers.activePeers() - (removing !== undefined && removing !== this.host.memberId && this.host.peers.isActive(removing) ? 1 : 0);
    if (started < Math.floor(voters / 2) + 1) throw new ServerError('notEnoughStartedMembers');
  }

  private async propose(type: ConfChangeType, id: bigint, member: MemberInfo | undefined, promote = false): Promise<void> {
    if (this.host.isStopped()) throw new ServerError('stopped');
    const reqId = this.host.nextId();
    const done = this.waiters.register(reqId);
    const json = member === undefined ? '' : promote ? promotionContext(memberToJson(member)) : memberToJson(member);
    try {
      this.host.node.proposeConfChange({ id: reqId, type, nodeId: nodeId(id), context: Buffer.from(json) });
    } catch (err) {
      this.waiters.reject(reqId, err instanceof ProposalDroppedError ? new ServerError('noLeader') : (err as Error));
    }
    this.host.scheduleReady();
    const refused = await done;
    if (refused !== undefined) throw new ServerError(refused);
  }

  /**
   * A change committed and checked: if accepted, its membership side (the members bucket, the
   * transport's peers); then whoever proposed it hears how it went.
   */
  applied(cc: ConfChangeV1, refused: ServerErrorKind | undefined): void {
    if (refused === undefined) this.applyAccepted(cc);
    this.waiters.resolve(cc.id, refused);
  }

  private applyAccepted(cc: ConfChangeV1): void {
    const existing = this.host.membership.get(cc.nodeId);
    switch (cc.type) {
      case ConfChangeType.AddNode:
      case ConfChangeType.AddLearnerNode: {
        if (cc.context.byteLength === 0) return;
        const next = existing !== undefined && isPromotion(cc) ? { ...existing, isLearner: false } : memberOfChange(cc);
        this.host.membership.add(next);
        this.host.peers.memberAdded(next);
        this.host.log.info('added member', { 'member-id': next.id.toString(16), 'peer-urls': next.peerUrls, learner: next.isLearner });
        return;
      }
      case ConfChangeType.UpdateNode: {
        if (existing === undefined) return;
        const next = { ...existing, peerUrls: memberOfChange(cc).peerUrls };
        this.host.membership.add(next);
        this.host.peers.memberUpdated(next);
        this.host.log.info('updated member', { 'member-id': next.id.toString(16), 'peer-urls': next.peerUrls });
        return;
      }
      case ConfChangeType.RemoveNode:
        this.host.membership.remove(cc.nodeId);
        this.host.peers.memberRemoved(cc.nodeId);
        this.host.log.info('removed member', { 'member-id': cc.nodeId.toString(16) });
        if (cc.nodeId === this.host.memberId) this.host.removedFromCluster(this.host.memberId);
    }
  }

  /**
   * MoveLeader (etcd's): asked of the leader, hands leadership to a voting member and resolves
   * once this member sees it lead; "leader transfer took too long" after the request timeout.
   */
  async moveLeader(target: bigint): Promise<void> {
    const h = this.host;
    if (h.leader() !== h.memberId) throw new ServerError('notLeader');
    const m = h.membership.get(target);
    if (m === undefined || m.isLearner) throw new ServerError('badLeaderTransferee');
    if (target === h.memberId) return;
    h.log.info('leadership transfer starting', { 'local-member-id': h.memberId.toString(16), 'transferee': target.toString(16) });
    h.node.transferLeader(nodeId(target));
    h.scheduleReady();
    const deadline = Date.now() + requestTimeoutMs(h.cfg);
    while (h.leader() !== target) {
      if (h.isStopped()) throw new ServerError('stopped');
      if (Date.now() > deadline) throw new ServerError('timeoutLeaderTransfer');
      await new Promise((resolve) => setTimeout(resolve, h.cfg.heartbeatMs));
    }
  }
}
