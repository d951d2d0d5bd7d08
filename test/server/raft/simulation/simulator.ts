import {
  type ConfChangeV1,
  type ConfChangeV2,
  type ConfState,
  type Index,
  type Message,
  MessageType,
  type NodeId,
  ProposalDroppedError,
  type ReadState,
  StepPeerNotFoundError,
  messageTypeName,
  nodeId,
} from '../../../../server/src/raft/index.js';
import { CairnError, errorMessage } from '../../../../server/src/util/index.js';
import { SafetyChecker } from './invariants.js';
import { SimNetwork } from './network.js';
import { Prng } from './prng.js';
import { type AppliedEntry, SimNode, type SimNodeConfig, type SimNodeSink } from './sim-node.js';
import { big, describeConfChange, describeMsg, describeReady, membersOf, view } from './views.js';


/** A run's knobs; everything else is drawn from the seed. */
export interface SimOptions {
  seed: number;
  nodes: number;
  /** Random steps with faults before the heal. */
  faultSteps: number;
  /** Values proposed once the healed cluster has a stable leader (default 5). */
  proposalsAfterHeal?: number;
  /** Breaks the Ready contract on every node (an experiment: see the test file). */
  sendAfterPersistEarly?: boolean;
  /** Print every event as it happens. */
  trace?: boolean;
  /** Fixes some of the settings otherwise drawn from the seed (tests). */
  settings?: Partial<SimSettings>;
}

/** The per-seed draw of raft and network settings (reported on failure). */
export interface SimSettings {
  heartbeatTick: number;
  preVote: boolean;
  checkQuorum: boolean;
  maxSizePerMsg: number;
  maxInflightMsgs: number;
  maxUncommittedEntriesSize: number;
  drop: number;
  duplicate: number;
  keepAfterCompact: number;
  /** Membership changes: two spare nodes that may be added (learner, voter, joint) and voters removed. */
  confChanges: boolean;
}

/** Spare nodes (not members at the start) when membership changes are on. */
export const SPARES = 2;

/** A failed run: the cause, with the seed, the step and the last events, and how to replay it. */
export class SimulationFailure extends CairnError {}

export const ELECTION_TICK = 10;
const EVENTS_KEPT = 50;

/**
 * The simulated cluster: nodes, network, checker, the PRNG that decides everything, and the
 * primitive actions (each one "step"), after each of which every safety property is checked.
 * The scenario (which actions, when) is in scenario.ts; tests may drive the actions directly.
 */
export class RaftSimulation {
  readonly prng: Prng;
  readonly net: SimNetwork;
  readonly checker = new SafetyChecker();
  readonly nodes: SimNode[] = [];
  readonly settings: SimSettings;
  stepNo = 0;
  /** Removed members: shut down for good and never restarted (etcd retires a removed member's id). */
  readonly retired = new Set<NodeId>();
  private readonly everMember: Set<NodeId>;
  private confIndex = 0;
  private toRetire: NodeId[] = [];
  /** How often each kind of thing happened (steps by action, plus notable outcomes), for reports. */
  readonly counts = new Map<string, number>();
  private readonly events: string[] = [];
  private seq = 0;

  constructor(readonly options: SimOptions) {
    this.prng = new Prng(options.seed);
    this.net = new SimNetwork(this.prng);
    this.settings = { ...drawSettings(this.prng), ...options.settings };
    const ids = Array.from({ length: options.nodes }, (_, i) => nodeId(i + 1));
    this.everMember = new Set(ids);
    const spares = this.settings.confChanges ? SPARES : 0;
    const all = Array.from({ length: options.nodes + spares }, (_, i) => nodeId(i + 1));
    const config: SimNodeConfig = {
      electionTick: ELECTION_TICK,
      heartbeatTick: this.settings.heartbeatTick,
      preVote: this.settings.preVote,
      checkQuorum: this.settings.checkQuorum,
      maxSizePerMsg: this.settings.maxSizePerMsg,
      maxInflightMsgs: this.settings.maxInflightMsgs,
      maxUncommittedEntriesSize: this.settings.maxUncommittedEntriesSize,
      random: (n) => this.prng.int(n),
    };
    for (const id of all) {
      const node = new SimNode(id, config, this.sink(), ids);
      node.sendAfterPersistEarly = options.sendAfterPersistEarly ?? false;
      this.nodes.push(node);
    }
  }

  private sink(): SimNodeSink {
    return {
      send: (msgs: readonly Message[]) => this.net.send(msgs),
      applied: (id: NodeId, e: AppliedEntry) => this.checker.recordApply(id, e),
      restoredSnapshot: (id: NodeId, entries: readonly AppliedEntry[], snapIndex) => {
        this.event(`n${id} restored snapshot at ${snapIndex}`);
        this.count('snapshot-restored');
        this.checker.recordRestore(id, entries, snapIndex);
      },
      readState: (id: NodeId, rs: ReadState) => this.checker.recordReadState(id, rs),
      confChanged: (id: NodeId, at: Index, cs: ConfState) => this.confChanged(id, at, cs),
    };
  }

  /**
   * The first node to apply each conf change (they apply them in the same order) updates the
   * cluster's membership: a member no longer in the configuration is retired once its
   * removal is applied (after the current action: it may be the node applying).
   */
  private confChanged(id: NodeId, at: Index, cs: ConfState): void {
    if (at <= this.confIndex) return;
    this.confIndex = at;
    const members = membersOf(cs);
    this.event(`n${id} applied conf change at ${at}: voters ${cs.voters.join(',')}${cs.votersOutgoing.length > 0 ? ` & ${cs.votersOutgoing.join(',')}` : ''} learners ${[...cs.learners, ...cs.learnersNext].join(',')}`);
    for (const m of members) this.everMember.add(m);
    for (const x of this.everMember) if (!members.has(x) && !this.retired.has(x)) this.toRetire.push(x);
  }

  private retirePending(): void {
    for (const x of this.toRetire) {
      this.retired.add(x);
      const n = this.node(x);
      if (n.alive) n.crash();
      this.checker.forgetNode(x);
      this.event(`n${x} removed from the cluster: shut down for good`);
      this.count('retired');
    }
    this.toRetire = [];
  }

  node(id: NodeId | number): SimNode {
    const n = this.nodes[Number(id) - 1];
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  alive(): SimNode[] {
    return this.nodes.filter((n) => n.alive);
  }

  /** The live node that believes it leads with the highest term, if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.alive()) {
      const r = n.node().raft;
      if (r.state === 'StateLeader' && (best === undefined || r.term > best.node().raft.term)) best = n;
    }
    return best;
  }

  event(line: string): void {
    const text = `#${this.stepNo} ${line}`;
    if (this.options.trace === true) console.log(text);
    this.events.push(text);
    if (this.events.length > EVENTS_KEPT) this.events.shift();
  }

  count(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  /** Runs one action as a numbered step, then checks every safety property. */
  step(name: string, action: () => void): void {
    this.stepNo++;
    this.count(name.split(' ')[0] as string);
    try {
      action();
      this.retirePending();
      this.checkNow();
    } catch (err) {
      throw this.failure(`${name}: ${errorMessage(err)}`, err);
    }
  }

  failure(what: string, cause?: unknown): SimulationFailure {
    if (cause instanceof SimulationFailure) return cause;
    const o = this.options;
    const lines = [
      `raft simulation failed: ${what}`,
      `seed ${o.seed}, ${o.nodes} nodes, step ${this.stepNo}, settings ${JSON.stringify(this.settings)}`,
      `replay: CAIRN_RAFT_SEED=${o.seed} CAIRN_RAFT_NODES=${o.nodes} node --test dist/test/server/raft/simulation/simulation.test.js`,
      `last ${this.events.length} events:`,
      ...this.events.map((e) => `  ${e}`),
    ];
    return new SimulationFailure(lines.join('\n'), { cause });
  }

  checkNow(): void {
    this.checker.check(this.nodes.map((n) => view(n)));
  }

  tick(n: SimNode): void {
    this.step(`tick n${n.id}`, () => {
      const r = n.node().raft;
      const before = `${r.state}/${r.term}`;
      n.node().tick();
      const after = `${r.state}/${r.term}`;
      if (before !== after) this.event(`n${n.id} tick: ${before} -> ${after}`);
    });
  }

  /** One half of Ready handling: finish the one in progress, or begin the next. */
  ready(n: SimNode, both: boolean): void {
    this.step(`ready n${n.id}`, () => {
      if (n.pending !== undefined) {
        this.event(`n${n.id} persist+apply: ${describeReady(n)}`);
        n.finish();
        return;
      }
      const rd = n.begin();
      this.event(`n${n.id} ready${both ? '+persist+apply' : ''}: ${rd.entries.length} ents, hs ${JSON.stringify(rd.hardState ?? null, big)}, ${rd.messages.length}+${rd.messagesAfterPersist.length} msgs, snap ${rd.snapshot?.metadata.index ?? '-'}`);
      if (both) n.finish();
    });
  }

  deliver(): void {
    this.step('deliver', () => {
      const d = this.net.next();
      if (d === undefined) return;
      const m = d.msg;
      const to = this.node(m.to);
      if (d.kind === 'drop' || !to.alive) {
        this.event(`drop ${describeMsg(m)} (${d.kind === 'drop' ? d.reason : 'down'})`);
        this.reportLoss(m, d.kind === 'drop' && d.reason === 'partition');
        return;
      }
      this.event(`deliver ${describeMsg(m)}${d.duplicated ? ' (dup kept)' : ''}`);
      this.count(`msg:${messageTypeName(m.type)}`);
      if (m.type === MessageType.MsgTimeoutNow) this.count('transfer-timeout-now');
      stepIgnoringDrops(to, m);
      const from = this.node(m.from);
      if (m.type === MessageType.MsgSnap && from.alive) from.node().reportSnapshot(m.to, false);
    });
  }

  /** Empties the network, telling senders what a transport would (a lost snapshot failed). */
  dropInFlight(): void {
    this.step('drop-in-flight', () => {
      const lost = this.net.clear();
      for (const m of lost) this.reportLoss(m, false);
      this.event(`network emptied (${lost.length} messages lost)`);
    });
  }

  /** What a transport would tell the sender about a lost message. */
  private reportLoss(m: Message, unreachable: boolean): void {
    const from = this.node(m.from);
    if (!from.alive) return;
    if (m.type === MessageType.MsgSnap) from.node().reportSnapshot(m.to, true);
    else if (unreachable && this.prng.chance(0.3)) from.node().reportUnreachable(m.to);
  }

  /** Proposes a value on a node; returns it if raft took it (it may still be lost later). */
  propose(n: SimNode, value: string): boolean {
    let ok = false;
    this.step(`propose n${n.id}`, () => {
      try {
        n.node().propose(new TextEncoder().encode(value));
        ok = true;
        this.count('proposal-accepted');
        this.event(`n${n.id} propose ${value}`);
      } catch (err) {
        if (!(err instanceof ProposalDroppedError)) throw err;
        this.event(`n${n.id} propose ${value} dropped: ${err.message}`);
      }
    });
    return ok;
  }

  proposeConfChange(n: SimNode, cc: ConfChangeV1 | ConfChangeV2): boolean {
    let ok = false;
    const what = describeConfChange(cc);
    this.step(`confchange n${n.id}`, () => {
      try {
        n.node().proposeConfChange(cc);
        ok = true;
        this.count('confchange-accepted');
        this.event(`n${n.id} propose conf change ${what}`);
      } catch (err) {
        if (!(err instanceof ProposalDroppedError)) throw err;
        this.event(`n${n.id} propose conf change ${what} dropped: ${err.message}`);
      }
    });
    return ok;
  }

  readIndex(n: SimNode): void {
    this.step(`read n${n.id}`, () => {
      const ctx = `read-${this.seq++}`;
      this.checker.recordReadRequest(ctx);
      this.event(`n${n.id} readIndex ${ctx} (floor ${this.checker.maxCommitted})`);
      n.node().readIndex(new TextEncoder().encode(ctx));
    });
  }

  /** Makes a node campaign now (tests; the scenario campaigns by ticking). */
  campaign(n: SimNode): void {
    this.step(`campaign n${n.id}`, () => {
      this.event(`n${n.id} campaign`);
      n.node().campaign();
    });
  }

  transferLeader(n: SimNode, to: NodeId): void {
    this.step(`transfer n${n.id}`, () => {
      this.event(`n${n.id} transferLeader to ${to}`);
      n.node().transferLeader(to);
    });
  }

  snapshot(n: SimNode): void {
    this.step(`snapshot n${n.id}`, () => {
      if (n.snapshotAndCompact(this.settings.keepAfterCompact)) {
        this.event(`n${n.id} snapshot at ${n.appliedIndex}, log now [${n.disk.firstIndex()}, ${n.disk.lastIndex()}]`);
      }
    });
  }

  partition(groups: NodeId[][]): void {
    this.step('partition', () => {
      this.net.partition(groups);
      this.event(`partition ${groups.map((g) => `{${g.join(',')}}`).join(' ')}`);
    });
  }

  heal(): void {
    this.step('heal', () => {
      this.net.heal();
      this.event('heal');
    });
  }

  crash(n: SimNode): void {
    this.step(`crash n${n.id}`, () => {
      this.event(`n${n.id} crash (${n.node().raft.state}, term ${n.node().raft.term})`);
      n.crash();
      this.checker.forgetNode(n.id);
    });
  }

  restart(n: SimNode): void {
    this.step(`restart n${n.id}`, () => {
      n.start();
      this.checker.recordRestore(n.id, n.stateMachine, n.appliedIndex);
      const hs = n.disk.initialState().hardState;
      this.event(`n${n.id} restart (term ${hs.term}, vote ${hs.vote}, commit ${hs.commit}, log [${n.disk.firstIndex()}, ${n.disk.lastIndex()}])`);
    });
  }

  /** Test hook: puts a message in the network as if a node had sent it. */
  inject(m: Message): void {
    this.net.send([m]);
  }

  /** Test hook: delivers the first in-flight message matching `pred`, reliably. */
  deliverWhere(pred: (m: Message) => boolean): boolean {
    let found = false;
    this.step('deliver-where', () => {
      const m = this.net.take(pred);
      if (m === undefined) return;
      found = true;
      this.event(`deliver ${describeMsg(m)}`);
      stepIgnoringDrops(this.node(m.to), structuredClone(m));
    });
    return found;
  }
}

/**
 * Steps a message; what raft refuses (a proposal it cannot take, a response from a node no
 * longer in its configuration) is lost, as etcd's server ignores those errors.
 */
function stepIgnoringDrops(n: SimNode, m: Message): void {
  try {
    n.node().step(m);
  } catch (err) {
    if (!(err instanceof ProposalDroppedError || err instanceof StepPeerNotFoundError)) throw err;
  }
}

function drawSettings(prng: Prng): SimSettings {
  return {
    heartbeatTick: prng.pick([1, 2, 3]),
    preVote: prng.chance(0.5),
    checkQuorum: prng.chance(0.5),
    maxSizePerMsg: prng.pick([Infinity, 64, 256]),
    maxInflightMsgs: prng.pick([1, 4, 256]),
    maxUncommittedEntriesSize: prng.pick([Infinity, Infinity, 32]),
    drop: prng.pick([0, 0.05, 0.15, 0.3]),
    duplicate: prng.pick([0, 0.05, 0.1]),
    keepAfterCompact: prng.pick([0, 2, 5]),
    confChanges: prng.chance(0.5),
  };
}
