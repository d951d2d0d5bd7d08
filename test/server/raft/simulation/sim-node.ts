import {
  type ConfState,
  type Entry,
  EntryType,
  type Index,
  MemoryStorage,
  type Message,
  type NodeId,
  RawNode,
  type ReadState,
  type Ready,
  type Term,
  confChangeOfEntry,
  index,
  term,
} from '../../../../server/src/raft/index.js';

/** One entry as the state machine applied it: `key` is the entry's type and data, comparable as a string. */
export interface AppliedEntry {
  index: Index;
  term: Term;
  key: string;
}

/** What a node's raft is configured with; the same for every incarnation of the node. */
export interface SimNodeConfig {
  electionTick: number;
  heartbeatTick: number;
  preVote: boolean;
  checkQuorum: boolean;
  maxSizePerMsg: number;
  maxInflightMsgs: number;
  maxUncommittedEntriesSize: number;
  random: (n: number) => number;
}

/** Where a node's Ready goes: the network, and the safety checker's view of applies and reads. */
export interface SimNodeSink {
  send(msgs: readonly Message[]): void;
  applied(id: NodeId, e: AppliedEntry): void;
  restoredSnapshot(id: NodeId, entries: readonly AppliedEntry[], snapIndex: Index): void;
  readState(id: NodeId, rs: ReadState): void;
  /** The node applied the conf change entry at `at`; `cs` is the configuration now in force. */
  confChanged(id: NodeId, at: Index, cs: ConfState): void;
}

const keys = new WeakMap<Pick<Entry, 'type' | 'data'>, string>();

/** An entry's type and data as a string (cached: entries are never mutated once in a log). */
export function entryKey(e: Pick<Entry, 'type' | 'data'>): string {
  let k = keys.get(e);
  if (k === undefined) {
    k = `${e.type}:${Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).toString('latin1')}`;
    keys.set(e, k);
  }
  return k;
}

/** The state machine's content as snapshot data: what a follower receiving MsgSnap restores. */
export function encodeStateMachine(entries: readonly AppliedEntry[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(entries.map((e) => [e.index, e.term, e.key])));
}

export function decodeStateMachine(data: Uint8Array): AppliedEntry[] {
  if (data.byteLength === 0) return [];
  const rows = JSON.parse(new TextDecoder().decode(data)) as [number, number, string][];
  return rows.map(([i, t, key]) => ({ index: index(i), term: term(t), key }));
}

/**
 * A simulated member: `disk` (a MemoryStorage) is all that survives a crash. The RawNode, its
 * unstable log, a Ready being handled and the state machine are volatile. On restart the state
 * machine is rebuilt from the disk's snapshot and raft re-delivers the committed entries after
 * it (applied = snapshot index), so every apply is checked again against the other nodes.
 *
 * Ready handling is split in two so that a crash can fall between the halves, as on a real
 * machine: begin() takes the Ready and sends `messages` at once; finish() persists, then sends
 * `messagesAfterPersist`, applies and advances. Ticks, proposals and messages may be stepped in
 * between, as etcd's node loop does (the simulator holds back MsgSnap: see SimOptions).
 */
export class SimNode {
  readonly disk = new MemoryStorage();
  raw: RawNode | undefined;
  stateMachine: AppliedEntry[] = [];
  appliedIndex: Index = index(0);
  /** The configuration as of appliedIndex (what a snapshot taken now records). */
  confState: ConfState;
  pending: Ready | undefined;
  /** Test hook: rewrites an entry's key as this node applies it (to check the checker). */
  applyTamper: ((e: AppliedEntry) => AppliedEntry) | undefined;
  /** Harness fault for experiments: send messagesAfterPersist before persisting (breaks the contract). */
  sendAfterPersistEarly = false;

  constructor(
    readonly id: NodeId,
    private readonly config: SimNodeConfig,
    private readonly sink: SimNodeSink,
    voters: NodeId[],
  ) {
    const confState: ConfState = { voters, learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
    this.confState = confState;
    this.disk.applySnapshot({ data: encodeStateMachine([]), metadata: { index: index(1), term: term(1), confState } });
    this.start();
  }

  get alive(): boolean {
    return this.raw !== undefined;
  }

  /** The live RawNode; throws if crashed. */
  node(): RawNode {
    if (this.raw === undefined) throw new Error(`node ${this.id} is down`);
    return this.raw;
  }

  /** Loses everything not on disk. */
  crash(): void {
    this.raw = undefined;
    this.pending = undefined;
    this.stateMachine = [];
    this.appliedIndex = index(0);
  }

  /** Starts a fresh incarnation from the disk. */
  start(): void {
    const snap = this.disk.snapshot();
    this.stateMachine = decodeStateMachine(snap.data);
    this.appliedIndex = snap.metadata.index;
    this.confState = snap.metadata.confState;
    const c = this.config;
    this.raw = new RawNode({
      id: this.id,
      storage: this.disk,
      applied: snap.metadata.index,
      electionTick: c.electionTick,
      heartbeatTick: c.heartbeatTick,
      preVote: c.preVote,
      checkQuorum: c.checkQuorum,
      maxSizePerMsg: c.maxSizePerMsg,
      maxInflightMsgs: c.maxInflightMsgs,
      maxUncommittedEntriesSize: c.maxUncommittedEntriesSize,
      random: c.random,
    });
  }

  /** Whether begin() or finish() has something to do. */
  hasWork(): boolean {
    return this.pending !== undefined || (this.raw?.hasReady() ?? false);
  }

  /** First half of Ready handling: take it, send what may go before the disk write. */
  begin(): Ready {
    const rd = this.node().ready();
    this.pending = rd;
    this.sink.send(rd.messages);
    if (this.sendAfterPersistEarly) this.sink.send(rd.messagesAfterPersist);
    for (const rs of rd.readStates) this.sink.readState(this.id, rs);
    return rd;
  }

  /** Second half: persist, send the promises, apply, advance. */
  finish(): void {
    const rd = this.pending;
    if (rd === undefined) throw new Error(`node ${this.id} has no Ready in progress`);
    this.pending = undefined;
    if (rd.snapshot !== undefined) this.disk.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) this.disk.append(rd.entries);
    if (rd.hardState !== undefined) this.disk.setHardState(rd.hardState);
    if (!this.sendAfterPersistEarly) this.sink.send(rd.messagesAfterPersist);
    if (rd.snapshot !== undefined) {
      this.stateMachine = decodeStateMachine(rd.snapshot.data);
      this.appliedIndex = rd.snapshot.metadata.index;
      this.confState = rd.snapshot.metadata.confState;
      this.sink.restoredSnapshot(this.id, this.stateMachine, this.appliedIndex);
    }
    for (const e of rd.committedEntries) this.apply(e);
    this.node().advance(rd);
  }

  /** Both halves at once. */
  handleReady(): void {
    if (this.pending === undefined) this.begin();
    this.finish();
  }

  private apply(e: Entry): void {
    let a: AppliedEntry = { index: e.index, term: e.term, key: entryKey(e) };
    if (this.applyTamper !== undefined) a = this.applyTamper(a);
    this.sink.applied(this.id, a);
    this.stateMachine.push(a);
    this.appliedIndex = e.index;
    if (e.type !== EntryType.Normal) {
      const cc = confChangeOfEntry(e);
      if (cc !== undefined) {
        this.confState = this.node().applyConfChange(cc);
        this.sink.confChanged(this.id, e.index, this.confState);
      }
    }
  }

  /** Snapshots the state machine at its applied index and compacts the log, keeping `keep` entries. */
  snapshotAndCompact(keep: number): boolean {
    const snapIndex = this.disk.snapshot().metadata.index;
    if (this.appliedIndex <= snapIndex) return false;
    this.disk.createSnapshot(this.appliedIndex, this.confState, encodeStateMachine(this.stateMachine));
    const compactTo = index(this.appliedIndex - keep);
    if (compactTo > this.disk.firstIndex() - 1) this.disk.compact(compactTo);
    return true;
  }
}
