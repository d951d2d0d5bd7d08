import { JointConfig, sortedIds, type VoteResult } from '../quorum.js';
import type { ConfState, Index, NodeId } from '../types.js';
import type { Progress } from './progress.js';

/**
 * Who takes part in replication. Voters decide (joint while changing membership); learners
 * only receive the log. A voter being demoted while joint stays a voter of the outgoing
 * half and waits in learnersNext until the joint config is left.
 */
export interface TrackerConfig {
  voters: JointConfig;
  /** Leave the joint config automatically once it is committed (meaningful only when joint). */
  autoLeave: boolean;
  learners: Set<NodeId>;
  learnersNext: Set<NodeId>;
}

export function emptyTrackerConfig(): TrackerConfig {
  return { voters: new JointConfig(), autoLeave: false, learners: new Set(), learnersNext: new Set() };
}

/** A deep copy (sets and majority configs are not shared). */
export function cloneTrackerConfig(c: TrackerConfig): TrackerConfig {
  return { voters: c.voters.clone(), autoLeave: c.autoLeave, learners: new Set(c.learners), learnersNext: new Set(c.learnersNext) };
}

/** "voters=(1 2)&&(1) learners=(3) learners_next=(4) autoleave", as etcd prints a config. */
export function trackerConfigString(c: TrackerConfig): string {
  let s = `voters=${c.voters.toString()}`;
  if (c.learners.size > 0) s += ` learners=(${sortedIds(c.learners).join(' ')})`;
  if (c.learnersNext.size > 0) s += ` learners_next=(${sortedIds(c.learnersNext).join(' ')})`;
  if (c.autoLeave) s += ' autoleave';
  return s;
}

/** One line per node, ascending: "1: StateProbe match=0 next=1". */
export function progressMapString(progress: ReadonlyMap<NodeId, Progress>): string {
  return sortedIds(progress.keys())
    .map((id) => `${id}: ${(progress.get(id) as Progress).toString()}\n`)
    .join('');
}

/**
 * The leader's bookkeeping of the configuration, every member's progress and the votes of
 * the current election. `config` and `progress` are replaced together by membership changes
 * (see confchange.ts); every id of the config has a progress and vice versa.
 */
export class ProgressTracker {
  config: TrackerConfig = emptyTrackerConfig();
  progress = new Map<NodeId, Progress>();
  votes = new Map<NodeId, boolean>();

  constructor(
    readonly maxInflight: number,
    readonly maxInflightBytes = Infinity,
  ) {}

  /** The configuration as raft persists it (all lists ascending). */
  confState(): ConfState {
    const c = this.config;
    return {
      voters: c.voters.incoming.slice(),
      learners: sortedIds(c.learners),
      votersOutgoing: c.voters.outgoing.slice(),
      learnersNext: sortedIds(c.learnersNext),
      autoLeave: c.autoLeave,
    };
  }

  /** One voter and not joint: the leader alone commits and answers reads. */
  isSingleton(): boolean {
    return this.config.voters.incoming.size === 1 && this.config.voters.outgoing.size === 0;
  }

  /** The highest index replicated on a quorum (of both halves when joint). */
  committed(): Index {
    return this.config.voters.committedIndex((id) => this.progress.get(id)?.match);
  }

  /** Calls fn for every tracked node in ascending id order (a stable order keeps runs replayable). */
  visit(fn: (id: NodeId, pr: Progress) => void): void {
    for (const id of sortedIds(this.progress.keys())) {
      const pr = this.progress.get(id);
      if (pr !== undefined) fn(id, pr);
    }
  }

  /** Whether a quorum of voters was recently active (the leader marks itself active). */
  quorumActive(): boolean {
    // Learners are no voters, so voteResult ignores them.
    const active = new Map<NodeId, boolean>();
    for (const [id, pr] of this.progress) active.set(id, pr.recentActive);
    return this.config.voters.voteResult(active) === 'won';
  }

  /** All voters (both halves), ascending. */
  voterNodes(): NodeId[] {
    return sortedIds(this.config.voters.ids());
  }

  /** All learners, ascending (not learnersNext: those still vote in the outgoing half). */
  learnerNodes(): NodeId[] {
    return sortedIds(this.config.learners);
  }

  resetVotes(): void {
    this.votes = new Map();
  }

  /** Records a vote; the first answer of a node in an election counts, later ones are ignored. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** Votes granted and rejected by tracked voters, and how the election stands. */
  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const [id, pr] of this.progress) {
      if (pr.isLearner) continue;
      const v = this.votes.get(id);
      if (v === undefined) continue;
      if (v) granted++;
      else rejected++;
    }
    return { granted, rejected, result: this.config.voters.voteResult(this.votes) };
  }
}
