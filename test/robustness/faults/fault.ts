// A fault: inject it, and get back what heals it. Faults pick their victims with the seeded
// random source, log what they did, and never throw on heal (a heal must always be safe).
import type { Cluster, Member } from '../harness/cluster.js';
import type { Recorder } from '../harness/history.js';

export interface FaultContext {
  readonly cluster: Cluster;
  readonly rec: Recorder;
  readonly rand: () => number;
  /** Crash failpoints a failpoint fault may arm (names; action chosen by the fault). */
  readonly failpoints: readonly string[];
}

export type Heal = () => Promise<void>;

export interface Fault {
  readonly kind: string;
  /** Whether the fault makes sense for this cluster (e.g. partitions need 3 members). */
  applies(cluster: Cluster): boolean;
  inject(ctx: FaultContext): Promise<Heal>;
}

/** A member in the cluster, the leader with probability `leaderBias` when one is known. */
export async function victim(ctx: FaultContext, leaderBias = 0.5): Promise<Member> {
  const members = ctx.cluster.members.filter((m) => m.inCluster);
  if (ctx.rand() < leaderBias) {
    const li = await ctx.cluster.leaderIndex();
    const leader = members.find((m) => m.index === li);
    if (leader !== undefined) return leader;
  }
  const m = members[Math.floor(ctx.rand() * members.length)];
  if (m === undefined) throw new Error('no member to pick');
  return m;
}

/** A member that is not the leader (a follower), when there is one. */
export async function follower(ctx: FaultContext): Promise<Member> {
  const li = await ctx.cluster.leaderIndex();
  const others = ctx.cluster.members.filter((m) => m.inCluster && m.index !== li);
  return others[Math.floor(ctx.rand() * others.length)] ?? (await victim(ctx, 0));
}
