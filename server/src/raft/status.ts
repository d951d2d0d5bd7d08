import type { Raft, SoftState } from './raft.js';
import type { Progress } from './tracker/progress.js';
import type { ConfState, HardState, Index, NodeId } from './types.js';

/** A node's state without the per-follower progress (cheap to take). */
export interface BasicStatus {
  id: NodeId;
  hardState: HardState;
  softState: SoftState;
  applied: Index;
  leadTransferee: NodeId;
}

/** A node's state, with the leader's view of each follower's progress (leader only). */
export interface Status extends BasicStatus {
  config: ConfState;
  progress: Map<NodeId, ProgressStatus>;
}

/** A copy of one follower's progress, as the leader sees it. */
export interface ProgressStatus {
  match: Index;
  next: Index;
  state: Progress['state'];
  isLearner: boolean;
  recentActive: boolean;
  pendingSnapshot: Index;
}

export function basicStatus(r: Raft): BasicStatus {
  return { id: r.id, hardState: r.hardState(), softState: r.softState(), applied: r.raftLog.applied, leadTransferee: r.leadTransferee };
}

export function status(r: Raft): Status {
  const progress = new Map<NodeId, ProgressStatus>();
  if (r.state === 'StateLeader') {
    r.trk.visit((id, pr) => {
      progress.set(id, { match: pr.match, next: pr.next, state: pr.state, isLearner: pr.isLearner, recentActive: pr.recentActive, pendingSnapshot: pr.pendingSnapshot });
    });
  }
  return { ...basicStatus(r), config: r.trk.confState(), progress };
}
