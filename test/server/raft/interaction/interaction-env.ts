/**
 * The environment the interaction scripts run against (our counterpart of etcd's rafttest
 * InteractionEnv): a set of RawNodes over MemoryStorages, a queue of messages in flight, and
 * one command per script verb. Every node uses electionTick=3, heartbeatTick=1 and a
 * `random` that always returns 0, so its randomized election timeout is exactly electionTick
 * (set-randomized-election-timeout changes it) and every output is reproducible.
 */
import {
  ConfChangeTransition,
  ConfChangeType,
  type ConfChangeSingle,
  type ConfChangeV2,
  type ConfState,
  EntryType,
  type Index,
  MemoryStorage,
  type Message,
  type NodeId,
  ProposalDroppedError,
  type RaftConfig,
  type Snapshot,
  RawNode,
  confChangeOfEntry,
  emptyConfState,
  index,
  nodeId,
  progressStateName,
  term,
} from '../../../../server/src/raft/index.js';
import { type TestCommand, listArg } from './datadriven.js';
import { describeConfChange, describeConfState, describeEntry, describeMessage, describeReady, messageTypeByName } from './describe.js';

const ELECTION_TICK = 3;
const HEARTBEAT_TICK = 1;

/**
 * A MemoryStorage whose snapshot() is the state machine at the last applied entry (as etcd's
 * interaction env does), so a leader always sends a snapshot holding the configuration in
 * force: a node added after the storage's initial snapshot finds itself in it.
 */
class EnvStorage extends MemoryStorage {
  latest: Snapshot | undefined;

  override snapshot(): Snapshot {
    const base = super.snapshot();
    return this.latest !== undefined && this.latest.metadata.index > base.metadata.index ? this.latest : base;
  }
}

interface EnvNode {
  id: NodeId;
  rn: RawNode;
  storage: EnvStorage;
  /** The configuration in force after the last applied entry (for snapshots this node creates). */
  confState: ConfState;
  /** The "appender" state machine: the applied proposals, in order, joined by spaces. */
  state: string;
}

export class InteractionEnv {
  private readonly nodes: EnvNode[] = [];
  private queue: Message[] = [];
  private out: string[] = [];
  private logging = false;

  /** Runs one script command; returns its output. */
  handle(cmd: TestCommand): string {
    this.out = [];
    const handler = this.handlers[cmd.name];
    if (handler === undefined) throw new Error(`unknown command ${cmd.name}`);
    handler(cmd);
    return this.out.join('\n');
  }

  private readonly handlers: Record<string, (c: TestCommand) => void> = {
    'add-nodes': (c) => this.addNodes(c),
    campaign: (c) => this.onNodes(c, (n) => n.rn.campaign()),
    propose: (c) => this.propose(c),
    'propose-conf-change': (c) => this.proposeConfChange(c),
    'tick-election': (c) => this.onNodes(c, (n) => this.tick(n, ELECTION_TICK)),
    'tick-heartbeat': (c) => this.onNodes(c, (n) => this.tick(n, HEARTBEAT_TICK)),
    'process-ready': (c) => this.processReadies(c),
    'deliver-msgs': (c) => this.deliverMsgs(c),
    stabilize: (c) => this.stabilize(c),
    'raft-log': (c) => this.onNodes(c, (n) => this.raftLog(n)),
    'raft-state': () => this.raftState(),
    status: (c) => this.onNodes(c, (n) => this.status(n)),
    'read-index': (c) => this.readIndex(c),
    'transfer-leader': (c) => this.node(num(c.keyed.get('from'))).rn.transferLeader(nodeId(num(c.keyed.get('to')))),
    compact: (c) => this.compact(c),
    'report-unreachable': (c) => this.node(num(c.positional[0])).rn.reportUnreachable(nodeId(num(c.positional[1]))),
    'report-snapshot': (c) => this.node(num(c.positional[0])).rn.reportSnapshot(nodeId(num(c.positional[1])), c.positional[2] === 'failed'),
    'set-randomized-election-timeout': (c) => {
      this.node(num(c.positional[0])).rn.raft.randomizedElectionTimeout = num(c.keyed.get('timeout'));
    },
    'log-level': (c) => {
      // The core has one log stream (no levels): info and debug both show it.
      this.logging = c.positional[0] !== 'none';
    },
  };

  private node(id: number): EnvNode {
    const n = this.nodes[id - 1];
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Runs fn on each node named by the positional arguments (all nodes if none). */
  private onNodes(c: TestCommand, fn: (n: EnvNode) => void): void {
    const ids = c.positional.length > 0 ? c.positional.map(num) : this.nodes.map((n) => Number(n.id));
    for (const id of ids) fn(this.node(id));
  }

  /**
   * add-nodes <n> [voters=(..)] [learners=(..)] [index=i] [content=s] [prevote=true] ...
   * With voters/learners, each new node's storage starts with a snapshot at `index` (default
   * 1, term 1) holding that configuration and `content` as its data, so the nodes start as
   * members of an existing cluster with nothing to replay. Without them the storage is empty
   * (index 0, no configuration): a node that will be added later and learn everything from
   * the leader's snapshot.
   */
  private addNodes(c: TestCommand): void {
    const count = num(c.positional[0]);
    const voters = listArg(c.keyed.get('voters') ?? '').map((s) => nodeId(num(s)));
    const learners = listArg(c.keyed.get('learners') ?? '').map((s) => nodeId(num(s)));
    const withConfig = voters.length > 0 || learners.length > 0;
    for (let k = 0; k < count; k++) {
      const id = nodeId(this.nodes.length + 1);
      const storage = new EnvStorage();
      const confState: ConfState = { ...emptyConfState(), voters, learners };
      const content = c.keyed.get('content') ?? '';
      if (withConfig) {
        const md = { index: index(num(c.keyed.get('index') ?? '1')), term: term(1), confState };
        storage.applySnapshot({ data: new TextEncoder().encode(content), metadata: md });
      }
      const rn = new RawNode(this.config(id, storage, c));
      this.nodes.push({ id, rn, storage, confState: withConfig ? confState : emptyConfState(), state: content });
    }
  }

  private config(id: NodeId, storage: MemoryStorage, c: TestCommand): RaftConfig {
    const cfg: RaftConfig = {
      id,
      electionTick: ELECTION_TICK,
      heartbeatTick: HEARTBEAT_TICK,
      storage,
      maxInflightMsgs: num(c.keyed.get('max-inflight') ?? '256'),
      random: () => 0,
      logger: (line) => {
        if (this.logging) this.out.push(`INFO ${line}`);
      },
      preVote: c.keyed.get('prevote') === 'true',
      checkQuorum: c.keyed.get('checkquorum') === 'true',
      readOnlyOption: c.keyed.get('read-only') === 'lease-based' ? 'leaseBased' : 'safe',
      stepDownOnRemoval: c.keyed.get('step-down-on-removal') !== 'false',
    };
    const maxSize = c.keyed.get('max-size-per-msg');
    if (maxSize !== undefined) cfg.maxSizePerMsg = num(maxSize);
    return cfg;
  }

  private tick(n: EnvNode, times: number): void {
    for (let i = 0; i < times; i++) n.rn.tick();
  }

  /** Runs a proposal-like call, printing a dropped proposal instead of failing. */
  private dropping(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
      this.out.push(err.message);
    }
  }

  private propose(c: TestCommand): void {
    const n = this.node(num(c.positional[0]));
    const data = new TextEncoder().encode(c.positional[1] ?? '');
    this.dropping(() => n.rn.propose(data));
  }

  /** propose-conf-change <id> [transition=auto|implicit|explicit] [v1=true] <changes...> (args or input lines). */
  private proposeConfChange(c: TestCommand): void {
    const n = this.node(num(c.positional[0]));
    const words = [...c.positional.slice(1), ...c.input.flatMap((l) => l.split(/\s+/))].filter((w) => w !== '');
    const changes = words.map(parseChange);
    if (c.keyed.get('v1') === 'true') {
      const [only] = changes;
      if (only === undefined || changes.length !== 1) throw new Error('v1=true needs exactly one change');
      this.dropping(() => n.rn.proposeConfChange({ id: 0n, type: only.type, nodeId: only.nodeId, context: new Uint8Array(0) }));
      return;
    }
    const tr = c.keyed.get('transition') ?? 'auto';
    const transition = tr === 'auto' ? ConfChangeTransition.Auto : tr === 'implicit' ? ConfChangeTransition.JointImplicit : tr === 'explicit' ? ConfChangeTransition.JointExplicit : undefined;
    if (transition === undefined) throw new Error(`unknown transition ${tr}`);
    const cc: ConfChangeV2 = { transition, changes, context: new Uint8Array(0) };
    this.dropping(() => n.rn.proposeConfChange(cc));
  }

  /** process-ready <ids...>: one Ready each (headed by "> id handling Ready" when several). */
  private processReadies(c: TestCommand): void {
    const several = c.positional.length !== 1;
    this.onNodes(c, (n) => {
      if (!several) return this.processReady(n);
      this.out.push(`> ${n.id} handling Ready`);
      this.indented(() => this.processReady(n));
    });
  }

  /** One Ready handled as the contract says: persist, queue messages, apply, advance. */
  private processReady(n: EnvNode): void {
    const rd = n.rn.ready();
    this.out.push(...describeReady(rd));
    if (rd.snapshot !== undefined) {
      n.storage.applySnapshot(rd.snapshot);
      n.confState = rd.snapshot.metadata.confState;
      n.state = new TextDecoder().decode(rd.snapshot.data);
    }
    if (rd.entries.length > 0) n.storage.append(rd.entries);
    if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
    this.queue.push(...rd.messages, ...rd.messagesAfterPersist);
    for (const e of rd.committedEntries) {
      if (e.type === EntryType.Normal && e.data.byteLength > 0) {
        n.state = n.state === '' ? new TextDecoder().decode(e.data) : `${n.state} ${new TextDecoder().decode(e.data)}`;
        continue;
      }
      const cc = confChangeOfEntry(e);
      if (cc !== undefined) {
        n.confState = n.rn.applyConfChange(cc);
        this.out.push(`applied ${describeConfChange(cc)} -> ${describeConfState(n.confState)}`);
      }
    }
    const last = rd.committedEntries[rd.committedEntries.length - 1];
    if (last !== undefined) {
      n.storage.latest = { data: new TextEncoder().encode(n.state), metadata: { index: last.index, term: last.term, confState: n.confState } };
    }
    n.rn.advance(rd);
  }

  /**
   * deliver-msgs [drop=(ids)] [type=MsgApp] [<ids...>]: delivers (or with drop=, drops) the
   * queued messages addressed to those nodes (all nodes if none named), oldest first; those of
   * another type, with type=, stay queued. Returns how many were taken from the queue.
   */
  private deliverMsgs(c: TestCommand): number {
    const drop = c.keyed.has('drop');
    const targets = new Set((drop ? listArg(c.keyed.get('drop') ?? '') : c.positional).map((s) => nodeId(num(s))));
    const typeName = c.keyed.get('type');
    const type = typeName === undefined ? undefined : messageTypeByName(typeName);
    if (typeName !== undefined && type === undefined) throw new Error(`unknown message type ${typeName}`);
    const picked = (m: Message): boolean => (targets.size === 0 || targets.has(m.to)) && (type === undefined || m.type === type);
    const take = this.queue.filter(picked);
    this.queue = this.queue.filter((m) => !picked(m));
    for (const m of take) {
      if (drop) {
        this.out.push(`dropped: ${describeMessage(m)}`);
        continue;
      }
      this.out.push(describeMessage(m));
      const to = this.nodes[Number(m.to) - 1];
      if (to === undefined) {
        this.out.push(`  no node ${m.to}: message lost`);
        continue;
      }
      try {
        to.rn.step(m);
      } catch (err) {
        this.out.push(`  step error: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return take.length;
  }

  /** stabilize [<ids...>]: Readies and deliveries among those nodes until none is left. */
  private stabilize(c: TestCommand): void {
    const ids = c.positional.length > 0 ? c.positional.map(num) : this.nodes.map((n) => Number(n.id));
    for (let round = 0; round < 1000; round++) {
      let busy = false;
      for (const id of ids) {
        const n = this.node(id);
        if (!n.rn.hasReady()) continue;
        busy = true;
        this.out.push(`> ${id} handling Ready`);
        this.indented(() => this.processReady(n));
      }
      for (const id of ids) {
        if (!this.queue.some((m) => m.to === nodeId(id))) continue;
        busy = true;
        this.out.push(`> ${id} receiving messages`);
        this.indented(() => this.deliverMsgs({ ...c, positional: [String(id)], keyed: new Map() }));
      }
      if (!busy) return;
    }
    throw new Error('stabilize: no quiescence after 1000 rounds');
  }

  private indented(fn: () => void): void {
    const start = this.out.length;
    fn();
    for (let i = start; i < this.out.length; i++) this.out[i] = `  ${this.out[i]}`;
  }

  private raftLog(n: EnvNode): void {
    const first = n.storage.firstIndex();
    const last = n.storage.lastIndex();
    if (last < first) {
      this.out.push(`log is empty: first index=${first}, last index=${last}`);
      return;
    }
    for (const e of n.storage.entries(first, index(last + 1), Infinity)) this.out.push(describeEntry(e));
  }

  private raftState(): void {
    for (const n of this.nodes) {
      const r = n.rn.raft;
      const role = r.trk.progress.get(n.id) === undefined ? 'Removed' : r.isLearner ? 'Learner' : 'Voter';
      this.out.push(`${n.id}: ${r.state} (${role}) Term:${r.term} Lead:${r.lead} Commit:${r.raftLog.committed} Applied:${r.raftLog.applied}`);
    }
  }

  /** The leader's view of every member's progress (nothing on a non-leader). */
  private status(n: EnvNode): void {
    const r = n.rn.raft;
    if (r.state !== 'StateLeader') {
      this.out.push(`${n.id} is not the leader (${r.state})`);
      return;
    }
    r.trk.visit((id, pr) => {
      let s = `${id}: ${progressStateName(pr.state)} match=${pr.match} next=${pr.next}`;
      if (pr.isLearner) s += ' learner';
      if (pr.isPaused()) s += ' paused';
      if (pr.pendingSnapshot > 0) s += ` pendingSnap=${pr.pendingSnapshot}`;
      const inflight = pr.inflights.count();
      if (inflight > 0) s += ` inflight=${inflight}${pr.inflights.full() ? '[full]' : ''}`;
      this.out.push(s);
    });
  }

  private readIndex(c: TestCommand): void {
    const n = this.node(num(c.positional[0]));
    n.rn.readIndex(new TextEncoder().encode(c.positional[1] ?? ''));
  }

  /**
   * compact <id> <index>: records a snapshot of the node's state machine at its applied index
   * (unless the storage already has one there), then drops the log up to <index>.
   */
  private compact(c: TestCommand): void {
    const n = this.node(num(c.positional[0]));
    const applied: Index = n.rn.raft.raftLog.applied;
    if (applied > n.storage.snapshot().metadata.index) n.storage.createSnapshot(applied, n.confState, new TextEncoder().encode(n.state));
    n.storage.compact(index(num(c.positional[1])));
    this.raftLog(n);
  }
}

function num(s: string | undefined): number {
  const v = Number(s);
  if (s === undefined || !Number.isInteger(v)) throw new Error(`expected an integer, got ${s}`);
  return v;
}

const CHANGE_TYPES: Record<string, ConfChangeType> = {
  v: ConfChangeType.AddNode,
  l: ConfChangeType.AddLearnerNode,
  r: ConfChangeType.RemoveNode,
  u: ConfChangeType.UpdateNode,
};

/** "v2" → add voter 2; l = learner, r = remove, u = update. */
function parseChange(w: string): ConfChangeSingle {
  const type = CHANGE_TYPES[w.slice(0, 1)];
  if (type === undefined) throw new Error(`bad conf change ${w}`);
  return { type, nodeId: nodeId(num(w.slice(1))) };
}
