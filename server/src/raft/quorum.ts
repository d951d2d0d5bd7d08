import type { Index, NodeId } from './types.js';

/** How an election (or any yes/no poll of the voters) stands. */
export type VoteResult = 'pending' | 'lost' | 'won';

/** Orders node ids numerically (bigints do not sort correctly with the default sort). */
export function compareNodeIds(a: NodeId, b: NodeId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The ids of a set, ascending: the stable order of every listing and every string form. */
export function sortedIds(ids: Iterable<NodeId>): NodeId[] {
  return [...ids].sort(compareNodeIds);
}

/**
 * The highest index a voter acknowledged, or undefined if it has not acknowledged anything
 * (counted as 0, so an unknown voter never helps a commit).
 */
export type AckedIndexer = (id: NodeId) => Index | undefined;

/**
 * An index larger than any real one: what an empty configuration "commits". It makes the empty
 * outgoing half of a non-joint JointConfig neutral under min(), the way etcd uses MaxUint64.
 */
export const UNBOUNDED_INDEX = Infinity as Index;

/** A set of voters deciding by simple majority. */
export class MajorityConfig {
  readonly ids: Set<NodeId>;

  constructor(ids?: Iterable<NodeId>) {
    this.ids = new Set(ids);
  }

  get size(): number {
    return this.ids.size;
  }

  /** The voters, ascending. */
  slice(): NodeId[] {
    return sortedIds(this.ids);
  }

  clone(): MajorityConfig {
    return new MajorityConfig(this.ids);
  }

  /**
   * The largest index that a majority of the voters has acknowledged. Sorting the acks
   * descending, the (n/2+1)-th one is held by a majority (itself and every voter before it).
   */
  committedIndex(acked: AckedIndexer): Index {
    const n = this.ids.size;
    if (n === 0) return UNBOUNDED_INDEX;
    const acks: number[] = [];
    for (const id of this.ids) acks.push(acked(id) ?? 0);
    acks.sort((a, b) => b - a);
    return acks[Math.floor(n / 2)] as Index;
  }

  /**
   * Won once a majority said yes, lost once a majority can no longer say yes, pending
   * otherwise. Votes of non-members are ignored. An empty config wins (by convention: it
   * makes the unused outgoing half of a joint config agree with anything).
   */
  voteResult(votes: ReadonlyMap<NodeId, boolean>): VoteResult {
    const n = this.ids.size;
    if (n === 0) return 'won';
    let yes = 0;
    let missing = 0;
    for (const id of this.ids) {
      const v = votes.get(id);
      if (v === undefined) missing++;
      else if (v) yes++;
    }
    const quorum = Math.floor(n / 2) + 1;
    if (yes >= quorum) return 'won';
    if (yes + missing >= quorum) return 'pending';
    return 'lost';
  }

  /** "(1 2 3)": the ids ascending, as etcd prints a majority config. */
  toString(): string {
    return `(${this.slice().join(' ')})`;
  }
}

/**
 * Two majority configs that must both agree: joint consensus while membership changes. When
 * not joint, the outgoing half is empty and, by the conventions above, never decides anything.
 */
export class JointConfig {
  constructor(
    readonly incoming: MajorityConfig = new MajorityConfig(),
    readonly outgoing: MajorityConfig = new MajorityConfig(),
  ) {}

  /** Every voter of either half. */
  ids(): Set<NodeId> {
    const all = new Set(this.incoming.ids);
    for (const id of this.outgoing.ids) all.add(id);
    return all;
  }

  isJoint(): boolean {
    return this.outgoing.size > 0;
  }

  clone(): JointConfig {
    return new JointConfig(this.incoming.clone(), this.outgoing.clone());
  }

  /** Committed in a joint config means committed in both halves: the smaller of the two. */
  committedIndex(acked: AckedIndexer): Index {
    const a = this.incoming.committedIndex(acked);
    const b = this.outgoing.committedIndex(acked);
    return (a < b ? a : b);
  }

  /** Won only if both halves won; lost if either lost; pending otherwise. */
  voteResult(votes: ReadonlyMap<NodeId, boolean>): VoteResult {
    const a = this.incoming.voteResult(votes);
    const b = this.outgoing.voteResult(votes);
    if (a === b) return a;
    if (a === 'lost' || b === 'lost') return 'lost';
    return 'pending';
  }

  /** "(1 2 3)&&(1 2 4)" when joint, "(1 2 3)" otherwise. */
  toString(): string {
    const inc = this.incoming.toString();
    return this.outgoing.size > 0 ? `${inc}&&${this.outgoing.toString()}` : inc;
  }
}
