import {
  type ConfChangeSingle,
  ConfChangeTransition,
  ConfChangeType,
  type ConfChangeV1,
  type ConfChangeV2,
  EntryType,
  NO_NODE,
  type NodeId,
  index,
} from '../../../../server/src/raft/index.js';
import { ELECTION_TICK, RaftSimulation, type SimOptions } from './simulator.js';
import { membersOf } from './views.js';
import type { SimNode } from './sim-node.js';

/** What a finished run saw (for the test's summary line). */
export interface SimSummary {
  steps: number;
  leaders: number;
  committed: number;
  applies: number;
  reads: number;
  livenessTicks: number;
  counts: Map<string, number>;
}

type FaultAction = (sim: RaftSimulation) => void;

/**
 * The fault phase's actions and their weights. A weight may depend on the state (nothing to
 * deliver, no Ready pending, nobody down: weight 0), so that steps are rarely wasted. Crashes
 * and partitions are rare next to ticks: an election takes 10-20 ticks of a node, and the
 * cluster should make progress between faults, not only suffer them.
 */
const FAULT_ACTIONS: [weight: (sim: RaftSimulation) => number, act: FaultAction][] = [
  [() => 20, (sim) => withLive(sim, (n) => sim.tick(n))],
  [(sim) => (sim.alive().some((n) => n.hasWork()) ? 25 : 0), (sim) => readyAction(sim)],
  [(sim) => (sim.net.size > 0 ? 35 : 0), (sim) => sim.deliver()],
  [() => 5, (sim) => withLive(sim, (n) => sim.propose(n, `v${sim.stepNo}`))],
  [() => 1.5, (sim) => withLive(sim, (n) => sim.readIndex(n))],
  [() => 0.3, (sim) => withLive(sim, (n) => sim.transferLeader(n, sim.prng.pick(sim.nodes).id))],
  [() => 1.5, (sim) => withLive(sim, (n) => sim.snapshot(n))],
  [() => 0.3, (sim) => partitionAction(sim)],
  [(sim) => (sim.net.partitioned ? 0.4 : 0), (sim) => sim.heal()],
  [() => 0.25, (sim) => crashAction(sim)],
  [(sim) => (restartable(sim).length > 0 ? 0.5 : 0), (sim) => sim.restart(sim.prng.pick(restartable(sim)))],
  [(sim) => (sim.settings.confChanges ? 1 : 0), (sim) => confChangeAction(sim)],
];

function restartable(sim: RaftSimulation): SimNode[] {
  return sim.nodes.filter((n) => !n.alive && !sim.retired.has(n.id));
}

/**
 * Proposes a membership change on the leader, valid for the configuration it has applied (a
 * leader takes a conf change only when every earlier one is applied, so that configuration is
 * the one the change will meet): add a spare as learner or voter, promote a learner, remove a
 * learner or (keeping at least the initial number of voters) a voter, or a joint change that
 * replaces or demotes a voter. Removed ids are never reused.
 */
function confChangeAction(sim: RaftSimulation): void {
  const leader = sim.leader();
  if (leader === undefined) return;
  const cs = leader.node().raft.trk.confState();
  if (cs.votersOutgoing.length > 0) return; // joint: raft leaves it on its own
  const single = (type: ConfChangeType, id: NodeId): ConfChangeV1 => ({ id: 0n, type, nodeId: id, context: new Uint8Array(0) });
  const joint = (...changes: ConfChangeSingle[]): ConfChangeV2 => ({
    transition: sim.prng.pick([ConfChangeTransition.Auto, ConfChangeTransition.JointImplicit]),
    changes,
    context: new Uint8Array(0),
  });
  const members = membersOf(cs);
  const fresh = sim.nodes.map((n) => n.id).filter((id) => !members.has(id) && !sim.retired.has(id));
  const options: (ConfChangeV1 | ConfChangeV2)[] = [];
  for (const x of fresh) options.push(single(ConfChangeType.AddLearnerNode, x), single(ConfChangeType.AddNode, x));
  for (const x of cs.learners) options.push(single(ConfChangeType.AddNode, x), single(ConfChangeType.RemoveNode, x));
  if (cs.voters.length > sim.options.nodes) for (const v of cs.voters) options.push(single(ConfChangeType.RemoveNode, v));
  for (const x of [...fresh, ...cs.learners]) {
    for (const v of cs.voters) {
      options.push(joint({ type: ConfChangeType.AddNode, nodeId: x }, { type: ConfChangeType.RemoveNode, nodeId: v }));
      options.push(joint({ type: ConfChangeType.AddNode, nodeId: x }, { type: ConfChangeType.AddLearnerNode, nodeId: v }));
    }
  }
  if (options.length > 0) sim.proposeConfChange(leader, sim.prng.pick(options));
}

/** Runs a whole seed: the fault phase, then the heal and the liveness requirement. */
export function runSimulation(options: SimOptions): SimSummary {
  const sim = new RaftSimulation(options);
  sim.net.faults = { drop: sim.settings.drop, duplicate: sim.settings.duplicate };
  for (let i = 0; i < options.faultSteps; i++) {
    const weights = FAULT_ACTIONS.map(([w]) => w(sim));
    const [, act] = FAULT_ACTIONS[sim.prng.weighted(weights)] as [unknown, FaultAction];
    act(sim);
  }
  const livenessTicks = runLiveness(sim, options.proposalsAfterHeal ?? 5);
  const s = sim.checker.stats;
  return { steps: sim.stepNo, leaders: s.leaders, committed: s.committed, applies: s.applies, reads: s.reads, livenessTicks, counts: sim.counts };
}

function withLive(sim: RaftSimulation, f: (n: SimNode) => void, preferLeader = false): void {
  const live = sim.alive();
  if (live.length === 0) return;
  const leader = sim.leader();
  f(preferLeader && leader !== undefined && sim.prng.chance(0.4) ? leader : sim.prng.pick(live));
}

/** Crashes a node: often one halfway through a Ready (sent but not persisted), else often the leader. */
function crashAction(sim: RaftSimulation): void {
  const midReady = sim.alive().filter((n) => n.pending !== undefined);
  if (midReady.length > 0 && sim.prng.chance(0.5)) sim.crash(sim.prng.pick(midReady));
  else withLive(sim, (n) => sim.crash(n), true);
}

function readyAction(sim: RaftSimulation): void {
  const busy = sim.alive().filter((n) => n.hasWork());
  if (busy.length > 0) sim.ready(sim.prng.pick(busy), sim.prng.chance(0.5));
}

/** A random bipartition; more often than not the leader is cut off with at most a minority. */
function partitionAction(sim: RaftSimulation): void {
  const ids = shuffle(sim, sim.nodes.map((n) => n.id));
  const leader = sim.leader();
  if (leader !== undefined && sim.prng.chance(0.6)) {
    const others = ids.filter((id) => id !== leader.id);
    const k = sim.prng.int(Math.floor((ids.length - 1) / 2)); // companions: keep the leader's side a minority
    sim.partition([[leader.id, ...others.slice(0, k)], others.slice(k)]);
    return;
  }
  const cut = 1 + sim.prng.int(ids.length - 1);
  sim.partition([ids.slice(0, cut), ids.slice(cut)]);
}

function shuffle<T>(sim: RaftSimulation, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = sim.prng.int(i + 1);
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

/**
 * The liveness requirement. Everything heals: partitions gone, no drops or duplicates, crashed
 * nodes restarted, Readies in progress finished, messages of the fault phase forgotten. Time then
 * moves in rounds (every node ticks once, then all work and messages are drained), so no node
 * starves. Within 50 election timeouts there must be a leader every node follows, and every
 * value raft accepts after that must be applied on every node. Returns the ticks used.
 */
export function runLiveness(sim: RaftSimulation, proposals: number): number {
  heal(sim);
  const budget = 50 * ELECTION_TICK;
  let ticks = 0;
  // Stable means: the same settled leader for a whole election timeout of rounds. By then every
  // follower heard a heartbeat within the last heartbeatTick ticks, so no election timer (at
  // least electionTick) can fire while the cluster stays healthy, and accepted proposals cannot
  // be lost to a leader change. (A follower whose timer was about to fire at the heal may still
  // take over before that: raft legitimately loses uncommitted entries then.)
  let stable = 0;
  let lastLeader: SimNode | undefined;
  while (stable < ELECTION_TICK) {
    if (ticks >= budget) throw sim.failure(`liveness: no stable leader within ${budget} ticks after the heal: ${describeLeader(sim)}`);
    nudgeJointLeader(sim);
    round(sim, ticks);
    ticks++;
    const leader = settled(sim) ? sim.leader() : undefined;
    stable = leader !== undefined && leader === lastLeader ? stable + 1 : leader !== undefined ? 1 : 0;
    lastLeader = leader;
  }
  const wanted: string[] = [];
  let attempts = 0;
  while (ticks < budget) {
    while (wanted.length < proposals && attempts < proposals * 20) {
      attempts++;
      const value = `h${wanted.length}`;
      if (!sim.propose(sim.prng.pick(sim.alive()), value)) break; // retry in a later round
      wanted.push(value);
    }
    if (wanted.length === proposals && appliedEverywhere(sim, wanted)) return ticks;
    round(sim, ticks);
    ticks++;
  }
  throw sim.failure(`liveness: after ${budget} ticks, ${wanted.length}/${proposals} values accepted; not applied everywhere: ${missing(sim, wanted)}`);
}

function heal(sim: RaftSimulation): void {
  sim.heal();
  sim.net.faults = { drop: 0, duplicate: 0 };
  for (const n of restartable(sim)) sim.restart(n);
  // Messages raft queued during the fault phase (a forwarded transfer request, say) go out in
  // the next Ready: take them all, then empty the network, so nothing old acts after the heal.
  for (const n of sim.nodes) while (n.hasWork()) sim.ready(n, true);
  sim.dropInFlight();
  sim.event('liveness phase: healed, network emptied, all nodes up');
}

/**
 * Every node ticks once (in random order), then the cluster runs until it is quiet. Every
 * election timeout each node also snapshots, as etcd does periodically: a member added after
 * the leader's last snapshot, behind its compacted log, can only catch up from a snapshot
 * that includes it (an older one is refused: it is not in that configuration).
 */
function round(sim: RaftSimulation, n: number): void {
  for (const node of shuffle(sim, sim.alive())) sim.tick(node);
  if (n % ELECTION_TICK === ELECTION_TICK - 1) for (const node of sim.alive()) sim.snapshot(node);
  drain(sim);
}

/** Handles Readies and delivers messages (random order, the network's faults apply) until quiet. */
export function drain(sim: RaftSimulation): void {
  for (let i = 0; i < 100_000; i++) {
    const busy = sim.alive().filter((n) => n.hasWork());
    if (busy.length > 0) sim.ready(sim.prng.pick(busy), true);
    else if (sim.net.size > 0) sim.deliver();
    else return;
  }
  throw sim.failure('liveness: the cluster never went quiet');
}

/**
 * A leader leaves a joint configuration when it applies something after entering it; if that
 * proposal was dropped (a leadership transfer was under way), an idle cluster stays joint until
 * the next apply (as in etcd). A real application always proposes again sooner or later: so
 * does this one, with a value nobody waits for.
 */
function nudgeJointLeader(sim: RaftSimulation): void {
  const leader = sim.leader();
  if (leader === undefined) return;
  const r = leader.node().raft;
  const stuck = r.trk.config.autoLeave && r.leadTransferee === NO_NODE && r.raftLog.lastIndex() === r.raftLog.applied;
  if (stuck) sim.propose(leader, `nudge${sim.stepNo}`);
}

/** The members of the leader's configuration (nodes outside it are not required to do anything). */
function members(sim: RaftSimulation, leader: SimNode): SimNode[] {
  const ids = membersOf(leader.node().raft.trk.confState());
  return sim.nodes.filter((n) => ids.has(n.id));
}

/**
 * A leader all members follow in its term, with an entry of its term committed, no transfer
 * under way and no membership change unfinished (leaving a joint configuration may remove the
 * leader itself, and a leader change may lose what it accepted). Unfinished is judged from the
 * log, not pendingConfIndex: a conf change refused by the uncommitted-size limit leaves
 * pendingConfIndex one past the log (as in etcd) until the log grows past it.
 */
function settled(sim: RaftSimulation): boolean {
  const leader = sim.leader();
  if (leader === undefined) return false;
  const r = leader.node().raft;
  if (r.leadTransferee !== NO_NODE || !r.committedEntryInCurrentTerm()) return false;
  if (r.trk.config.voters.outgoing.ids.size > 0 || hasUnappliedConfChange(leader)) return false;
  return members(sim, leader).every((n) => n.alive && n.node().raft.term === r.term && n.node().raft.lead === leader.id);
}

/** Whether the node's log holds a conf change it has not applied yet. */
function hasUnappliedConfChange(n: SimNode): boolean {
  const log = n.node().raft.raftLog;
  if (log.lastIndex() <= log.applied) return false;
  return log.slice(index(log.applied + 1), index(log.lastIndex() + 1), Infinity).some((e) => e.type !== EntryType.Normal);
}

function appliedEverywhere(sim: RaftSimulation, values: string[]): boolean {
  const leader = sim.leader();
  if (leader === undefined) return false;
  return members(sim, leader).every((n) => {
    const have = new Set(n.stateMachine.map((e) => e.key));
    return values.every((v) => have.has(`0:${v}`));
  });
}

function describeLeader(sim: RaftSimulation): string {
  const leader = sim.leader();
  if (leader === undefined) return 'no leader';
  const r = leader.node().raft;
  const states = sim.alive().map((n) => `n${n.id} ${n.node().raft.state}/${n.node().raft.term} lead ${n.node().raft.lead}`);
  return `leader n${leader.id} term ${r.term}, config ${r.trk.config.voters.toString()} learners ${[...r.trk.config.learners].join(',')}, pendingConf ${r.pendingConfIndex}, applied ${r.raftLog.applied}, committed ${r.raftLog.committed}, last ${r.raftLog.lastIndex()}, transferee ${r.leadTransferee}; ${states.join('; ')}`;
}

function missing(sim: RaftSimulation, values: string[]): string {
  const out: string[] = [];
  for (const n of sim.nodes.filter((x) => x.alive)) {
    const have = new Set(n.stateMachine.map((e) => e.key));
    const lack = values.filter((v) => !have.has(`0:${v}`));
    if (lack.length > 0) out.push(`n${n.id} lacks ${lack.join(',')} (applied ${n.appliedIndex}, commit ${n.node().raft.raftLog.committed})`);
  }
  const leader = sim.leader();
  if (leader !== undefined) {
    leader.node().raft.trk.visit((id, pr) => out.push(`leader n${leader.id} sees ${id}: ${pr.toString()}`));
  }
  return out.join('; ');
}
