import { assertNever } from '../util/index.js';
import { ConfChangeType, type ConfChangeSingle } from './message.js';
import { MajorityConfig, JointConfig } from './quorum.js';
import { ConfChangeError } from './tracker/errors.js';
import { Progress } from './tracker/progress.js';
import { cloneTrackerConfig, type TrackerConfig } from './tracker/tracker.js';
import { index, type ConfState, type Index, type NodeId } from './types.js';

/** What a Changer reads: a ProgressTracker, or any snapshot of one. Never modified. */
export interface TrackerView {
  readonly config: TrackerConfig;
  readonly progress: ReadonlyMap<NodeId, Progress>;
  readonly maxInflight: number;
  readonly maxInflightBytes: number;
}

/** A configuration and the progress map that goes with it, to be put in force together. */
export interface ConfChangeResult {
  config: TrackerConfig;
  progress: Map<NodeId, Progress>;
}

/**
 * Computes the configuration that a membership change leads to, from the tracker's current
 * one, without touching the tracker: the caller switches to the result (or, on
 * ConfChangeError, keeps what it had). New members get a progress that probes from
 * `lastIndex`; removed ones lose theirs. Every result passes checkInvariants.
 */
export class Changer {
  constructor(
    readonly tracker: TrackerView,
    readonly lastIndex: Index,
  ) {}

  /**
   * Enters joint consensus: the current voters become the outgoing half, the changes apply
   * to the incoming half. With autoLeave, raft leaves the joint config by itself once it is
   * committed; otherwise the application must ask (an empty ConfChangeV2).
   */
  enterJoint(autoLeave: boolean, ...ccs: ConfChangeSingle[]): ConfChangeResult {
    const { config, progress } = this.checkAndCopy();
    if (config.voters.isJoint()) throw new ConfChangeError('config is already joint');
    if (config.voters.incoming.size === 0) {
      // Starting from nothing is allowed (bootstrap, tests) but only by simple changes.
      throw new ConfChangeError("can't make a zero-voter config joint");
    }
    config.voters = new JointConfig(config.voters.incoming, config.voters.incoming.clone());
    this.apply(config, progress, ccs);
    config.autoLeave = autoLeave;
    return checkAndReturn(config, progress);
  }

  /**
   * Leaves joint consensus: the incoming half alone decides; staged learners become
   * learners; outgoing voters that are neither voters nor learners now are dropped.
   */
  leaveJoint(): ConfChangeResult {
    const { config, progress } = this.checkAndCopy();
    if (!config.voters.isJoint()) throw new ConfChangeError("can't leave a non-joint config");
    for (const id of config.learnersNext) {
      config.learners.add(id);
      mustProgress(progress, id).isLearner = true;
    }
    config.learnersNext = new Set();
    for (const id of config.voters.outgoing.ids) {
      if (!config.voters.incoming.ids.has(id) && !config.learners.has(id)) progress.delete(id);
    }
    config.voters = new JointConfig(config.voters.incoming, new MajorityConfig());
    config.autoLeave = false;
    return checkAndReturn(config, progress);
  }

  /**
   * Applies changes without joint consensus. Safe only if at most one voter is added or
   * removed (any two majorities of configs differing by one voter intersect); more is refused.
   */
  simple(...ccs: ConfChangeSingle[]): ConfChangeResult {
    const { config, progress } = this.checkAndCopy();
    if (config.voters.isJoint()) throw new ConfChangeError("can't apply simple config change in joint config");
    this.apply(config, progress, ccs);
    if (symmetricDifference(this.tracker.config.voters.incoming.ids, config.voters.incoming.ids) > 1) {
      throw new ConfChangeError('more than one voter changed without entering joint config');
    }
    return checkAndReturn(config, progress);
  }

  /** Applies changes to the incoming half (and learners), in order. */
  private apply(config: TrackerConfig, progress: Map<NodeId, Progress>, ccs: readonly ConfChangeSingle[]): void {
    for (const cc of ccs) {
      // A change whose node id the application zeroed is one it decided not to make.
      if (cc.nodeId === 0n) continue;
      switch (cc.type) {
        case ConfChangeType.AddNode:
          this.makeVoter(config, progress, cc.nodeId);
          break;
        case ConfChangeType.AddLearnerNode:
          this.makeLearner(config, progress, cc.nodeId);
          break;
        case ConfChangeType.RemoveNode:
          remove(config, progress, cc.nodeId);
          break;
        case ConfChangeType.UpdateNode:
          break;
        default:
          assertNever(cc.type, 'conf change type');
      }
    }
    if (config.voters.incoming.size === 0) throw new ConfChangeError('removed all voters');
  }

  private makeVoter(config: TrackerConfig, progress: Map<NodeId, Progress>, id: NodeId): void {
    const pr = progress.get(id);
    if (pr === undefined) {
      this.initProgress(config, progress, id, false);
      return;
    }
    pr.isLearner = false;
    config.learners.delete(id);
    config.learnersNext.delete(id);
    config.voters.incoming.ids.add(id);
  }

  /**
   * Makes `id` a learner. A voter of the outgoing half cannot be a learner while joint, so
   * it is staged in learnersNext (keeping its progress) until the joint config is left.
   */
  private makeLearner(config: TrackerConfig, progress: Map<NodeId, Progress>, id: NodeId): void {
    const pr = progress.get(id);
    if (pr === undefined) {
      this.initProgress(config, progress, id, true);
      return;
    }
    if (pr.isLearner) return;
    remove(config, progress, id);
    progress.set(id, pr);
    if (config.voters.outgoing.ids.has(id)) {
      config.learnersNext.add(id);
    } else {
      pr.isLearner = true;
      config.learners.add(id);
    }
  }

  /**
   * A new member: probed from the last index (optimistic: a fresh node will reject and walk
   * back, or get a snapshot), and counted active so check-quorum does not count it against
   * the leader before it could answer.
   */
  private initProgress(config: TrackerConfig, progress: Map<NodeId, Progress>, id: NodeId, isLearner: boolean): void {
    if (isLearner) config.learners.add(id);
    else config.voters.incoming.ids.add(id);
    // next = max(lastIndex, 1) keeps match (0) < next.
    const pr = new Progress(index(Math.max(this.lastIndex, 1)), this.tracker.maxInflight, this.tracker.maxInflightBytes, isLearner);
    pr.recentActive = true;
    progress.set(id, pr);
  }

  /** A deep copy of the tracker's config and progress, after checking them. */
  private checkAndCopy(): ConfChangeResult {
    const config = cloneTrackerConfig(this.tracker.config);
    const progress = new Map<NodeId, Progress>();
    for (const [id, pr] of this.tracker.progress) progress.set(id, pr.clone());
    return checkAndReturn(config, progress);
  }
}

/** Removes `id` from the incoming half and the learners; its progress stays while it is an outgoing voter. */
function remove(config: TrackerConfig, progress: Map<NodeId, Progress>, id: NodeId): void {
  if (!progress.has(id)) return;
  config.voters.incoming.ids.delete(id);
  config.learners.delete(id);
  config.learnersNext.delete(id);
  if (!config.voters.outgoing.ids.has(id)) progress.delete(id);
}

function mustProgress(progress: ReadonlyMap<NodeId, Progress>, id: NodeId): Progress {
  const pr = progress.get(id);
  if (pr === undefined) throw new ConfChangeError(`no progress for ${id}`);
  return pr;
}

function checkAndReturn(config: TrackerConfig, progress: Map<NodeId, Progress>): ConfChangeResult {
  checkInvariants(config, progress);
  return { config, progress };
}

/**
 * The rules every configuration keeps (throws ConfChangeError naming the broken one):
 * every member has a progress and every progress a member; staged learners are outgoing
 * voters not yet marked learners; learners are in neither half and are marked learners;
 * outside joint consensus nothing is staged and autoLeave is off. The empty config is
 * allowed, so an initial config can be built by changes.
 */
export function checkInvariants(config: TrackerConfig, progress: ReadonlyMap<NodeId, Progress>): void {
  const { voters, learners, learnersNext } = config;
  for (const ids of [voters.ids(), learners, learnersNext]) {
    for (const id of ids) mustProgress(progress, id);
  }
  for (const id of progress.keys()) {
    if (!voters.incoming.ids.has(id) && !voters.outgoing.ids.has(id) && !learners.has(id) && !learnersNext.has(id)) {
      throw new ConfChangeError(`progress for ${id}, but it is not in the config`);
    }
  }
  for (const id of learnersNext) {
    if (!voters.outgoing.ids.has(id)) throw new ConfChangeError(`${id} is in LearnersNext, but not Voters[1]`);
    if (mustProgress(progress, id).isLearner) throw new ConfChangeError(`${id} is in LearnersNext, but is already marked as learner`);
  }
  for (const id of learners) {
    if (voters.outgoing.ids.has(id)) throw new ConfChangeError(`${id} is in Learners and Voters[1]`);
    if (voters.incoming.ids.has(id)) throw new ConfChangeError(`${id} is in Learners and Voters[0]`);
    if (!mustProgress(progress, id).isLearner) throw new ConfChangeError(`${id} is in Learners, but is not marked as learner`);
  }
  for (const id of voters.ids()) {
    if (mustProgress(progress, id).isLearner) throw new ConfChangeError(`${id} is a voter, but is marked as learner`);
  }
  // (Outside joint consensus learnersNext is necessarily empty: its ids must be outgoing voters.)
  if (!voters.isJoint() && config.autoLeave) throw new ConfChangeError('AutoLeave must be false when not joint');
}

function symmetricDifference(a: ReadonlySet<NodeId>, b: ReadonlySet<NodeId>): number {
  let n = 0;
  for (const id of a) if (!b.has(id)) n++;
  for (const id of b) if (!a.has(id)) n++;
  return n;
}

/**
 * The changes that rebuild a ConfState from an empty config: `outgoing` (simple additions of
 * the outgoing voters), then `incoming` (applied while entering joint: remove those voters,
 * add the incoming voters, the learners, and the staged learners — which, being outgoing
 * voters, land in learnersNext).
 */
export function toConfChangeSingles(cs: ConfState): { outgoing: ConfChangeSingle[]; incoming: ConfChangeSingle[] } {
  const single = (type: ConfChangeType) => (nodeId: NodeId): ConfChangeSingle => ({ type, nodeId });
  const outgoing = cs.votersOutgoing.map(single(ConfChangeType.AddNode));
  const incoming = [
    ...cs.votersOutgoing.map(single(ConfChangeType.RemoveNode)),
    ...cs.voters.map(single(ConfChangeType.AddNode)),
    ...cs.learners.map(single(ConfChangeType.AddLearnerNode)),
    ...cs.learnersNext.map(single(ConfChangeType.AddLearnerNode)),
  ];
  return { outgoing, incoming };
}

/**
 * Rebuilds the configuration a ConfState describes, by replaying changes through the
 * changer (so the result obeys every rule a live change does). Not joint: the incoming
 * changes one simple change at a time. Joint: the outgoing voters first, as simple changes,
 * then entering joint with the incoming changes. The changer's tracker is not modified.
 */
export function restore(changer: Changer, cs: ConfState): ConfChangeResult {
  const { outgoing, incoming } = toConfChangeSingles(cs);
  let view: TrackerView = changer.tracker;
  const step = (f: (c: Changer) => ConfChangeResult): void => {
    const next = f(new Changer(view, changer.lastIndex));
    view = { ...next, maxInflight: view.maxInflight, maxInflightBytes: view.maxInflightBytes };
  };
  if (outgoing.length === 0) {
    for (const cc of incoming) step((c) => c.simple(cc));
  } else {
    for (const cc of outgoing) step((c) => c.simple(cc));
    step((c) => c.enterJoint(cs.autoLeave, ...incoming));
  }
  if (view === changer.tracker) {
    // Nothing to replay (an empty ConfState): still hand back copies, never the tracker's own.
    const progress = new Map<NodeId, Progress>();
    for (const [id, pr] of view.progress) progress.set(id, pr.clone());
    return checkAndReturn(cloneTrackerConfig(view.config), progress);
  }
  return { config: view.config, progress: new Map(view.progress) };
}

/** "v1 l2 r3 u4": a compact form of changes (v voter, l learner, r remove, u update), for logs and tests. */
export function describeChanges(ccs: readonly ConfChangeSingle[]): string {
  return ccs.map((cc) => `${CHANGE_LETTER[cc.type]}${cc.nodeId}`).join(' ');
}

const CHANGE_LETTER: Record<ConfChangeType, string> = {
  [ConfChangeType.AddNode]: 'v',
  [ConfChangeType.AddLearnerNode]: 'l',
  [ConfChangeType.RemoveNode]: 'r',
  [ConfChangeType.UpdateNode]: 'u',
};
