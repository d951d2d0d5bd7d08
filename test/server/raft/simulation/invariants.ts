import { type Entry, type Index, type NodeId, type Term, type ReadState } from '../../../../server/src/raft/index.js';
import { CairnError } from '../../../../server/src/util/index.js';
import { type AppliedEntry, entryKey } from './sim-node.js';

/** A broken raft safety property (the message names the property). */
export class SafetyViolation extends CairnError {}

/** One node's log as the checker sees it: entries [first, last] and the term just before `first`. */
export interface LogView {
  id: NodeId;
  /** Index of entries[0] (the entries may be empty: everything compacted). */
  first: Index;
  /** The term of entry first-1 (the snapshot's term), for the log-matching chain. */
  prevTerm: Term;
  entries: readonly Entry[];
}

/** The part of a node's state the checker reads after each step. */
export interface NodeView {
  id: NodeId;
  alive: boolean;
  isLeader: boolean;
  term: Term;
  /**
   * The commit index in the node's persisted hard state, and the term persisted with it. Not
   * raft's in-memory commit: a leader counts its own entries before they are on its disk, so
   * its in-memory commit may cover an entry only one follower holds. That commit is tentative
   * (the Ready contract keeps it from leaving the node before the entries are persisted), and
   * a crash may void it, legitimately.
   */
  committed: Index;
  commitTerm: Term;
  log: LogView;
}

interface EntryFact {
  prevTerm: Term;
  key: string;
}

interface CommittedFact {
  term: Term;
  key: string;
  /** The lowest term of a node seen holding it as committed: it was committed in that term or before. */
  observedTerm: Term;
}

interface LeaderWatch {
  term: Term;
  log: LogView;
}

/**
 * Checks raft's safety properties over the whole history of a simulation:
 * - election safety: at most one leader per term, ever;
 * - leader append-only: while a node leads a term, no entry of its log changes or goes away;
 * - log matching: an (index, term) names one entry forever (same data, same term before it),
 *   so any two logs holding it agree up to it;
 * - leader completeness: a leader of term T holds every entry known committed in a term < T;
 *   a committed index never changes its entry;
 * - state machine safety: every node applies the same entry at an index, in index order;
 * - read index: a ReadIndex answer is at or above every commit known when it was requested.
 */
export class SafetyChecker {
  private readonly leaders = new Map<Term, NodeId>();
  private readonly leading = new Map<NodeId, LeaderWatch>();
  private readonly entryFacts = new Map<string, EntryFact>();
  /** Entry objects already matched against entryFacts, with the predecessor term they had then. */
  private readonly checkedAfter = new WeakMap<Entry, Term>();
  private readonly committedFacts = new Map<Index, CommittedFact>();
  private readonly knownCommit = new Map<NodeId, Index>();
  private readonly applied = new Map<Index, AppliedEntry>();
  private readonly lastApplied = new Map<NodeId, Index>();
  private readonly readFloor = new Map<string, Index>();
  /** The highest index seen committed anywhere. */
  maxCommitted = 0;
  /** Counters for reports. */
  readonly stats = { leaders: 0, applies: 0, reads: 0, committed: 0 };

  /** Runs every per-step check on the current state of all nodes. */
  check(nodes: readonly NodeView[]): void {
    for (const n of nodes) {
      this.checkLogMatching(n.log);
      this.recordCommitted(n);
      if (!n.alive) continue;
      if (n.isLeader) this.checkLeader(n);
      else this.leading.delete(n.id);
    }
  }

  private checkLeader(n: NodeView): void {
    const prev = this.leaders.get(n.term);
    if (prev !== undefined && prev !== n.id) {
      throw new SafetyViolation(`election safety: term ${n.term} has two leaders, ${prev} and ${n.id}`);
    }
    const watch = this.leading.get(n.id);
    if (prev === undefined) {
      this.leaders.set(n.term, n.id);
      this.stats.leaders++;
      this.checkCompleteness(n);
    } else if (watch !== undefined && watch.term === n.term) {
      checkAppendOnly(n, watch);
    }
    this.leading.set(n.id, { term: n.term, log: n.log });
  }

  /** A new leader must hold every entry committed in an earlier term (or have it in its snapshot). */
  private checkCompleteness(n: NodeView): void {
    const first = n.log.first;
    const last = first + n.log.entries.length - 1;
    for (const [i, c] of this.committedFacts) {
      if (c.observedTerm >= n.term || i < first) continue;
      const e = i <= last ? n.log.entries[i - first] : undefined;
      if (e === undefined || e.term !== c.term) {
        throw new SafetyViolation(
          `leader completeness: leader ${n.id} of term ${n.term} lacks committed entry ${i} (term ${c.term}, committed by term ${c.observedTerm}); its log has ${e === undefined ? 'nothing' : `term ${e.term}`} there`,
        );
      }
    }
  }

  private checkLogMatching(log: LogView): void {
    let prevTerm: Term = log.prevTerm;
    for (const e of log.entries) {
      // An entry object already checked with this predecessor term needs no second look.
      if (this.checkedAfter.get(e) === prevTerm) {
        prevTerm = e.term;
        continue;
      }
      this.checkedAfter.set(e, prevTerm);
      const k = `${e.index}/${e.term}`;
      const key = entryKey(e);
      const fact = this.entryFacts.get(k);
      if (fact === undefined) this.entryFacts.set(k, { prevTerm, key });
      else if (fact.key !== key || fact.prevTerm !== prevTerm) {
        throw new SafetyViolation(
          `log matching: node ${log.id} has entry ${e.index} of term ${e.term} with ${describe(key, prevTerm)}, another log had ${describe(fact.key, fact.prevTerm)}`,
        );
      }
      prevTerm = e.term;
    }
  }

  private recordCommitted(n: NodeView): void {
    const known = this.knownCommit.get(n.id) ?? 0;
    if (n.committed <= known) return;
    const first = n.log.first;
    for (let i = Math.max(known + 1, first); i <= n.committed; i++) {
      const e = n.log.entries[i - first];
      if (e === undefined) throw new SafetyViolation(`node ${n.id} has commit index ${n.committed} beyond its log (last ${first + n.log.entries.length - 1})`);
      const key = entryKey(e);
      const fact = this.committedFacts.get(e.index);
      if (fact === undefined) {
        this.committedFacts.set(e.index, { term: e.term, key, observedTerm: n.commitTerm });
        this.stats.committed++;
      } else if (fact.term !== e.term || fact.key !== key) {
        throw new SafetyViolation(`committed entry changed: index ${e.index} was committed with term ${fact.term}, node ${n.id} commits term ${e.term}`);
      } else if (n.commitTerm < fact.observedTerm) fact.observedTerm = n.commitTerm;
    }
    this.knownCommit.set(n.id, n.committed);
    if (n.committed > this.maxCommitted) this.maxCommitted = n.committed;
  }

  /** A node applies an entry: the next index, and the entry every other node applied there. */
  recordApply(id: NodeId, a: AppliedEntry): void {
    const last = this.lastApplied.get(id);
    if (last !== undefined && a.index !== last + 1) {
      throw new SafetyViolation(`state machine safety: node ${id} applied index ${a.index} after ${last}`);
    }
    this.lastApplied.set(id, a.index);
    this.stats.applies++;
    const other = this.applied.get(a.index);
    if (other === undefined) this.applied.set(a.index, a);
    else if (other.term !== a.term || other.key !== a.key) {
      throw new SafetyViolation(
        `state machine safety: node ${id} applied ${describe(a.key, a.term)} at index ${a.index}, another node applied ${describe(other.key, other.term)}`,
      );
    }
  }

  /** A node's state machine was replaced (restart or snapshot): its entries must match what was applied. */
  recordRestore(id: NodeId, entries: readonly AppliedEntry[], snapIndex: Index): void {
    for (const a of entries) {
      const other = this.applied.get(a.index);
      if (other === undefined) this.applied.set(a.index, a);
      else if (other.term !== a.term || other.key !== a.key) {
        throw new SafetyViolation(`state machine safety: snapshot restored on node ${id} has a different entry at index ${a.index}`);
      }
    }
    this.lastApplied.set(id, snapIndex);
  }

  /** A node crashed: its state machine starts again from its snapshot. */
  forgetNode(id: NodeId): void {
    this.lastApplied.delete(id);
    this.leading.delete(id);
  }

  /** Remembers the commit floor a read must reach (every commit known now). */
  recordReadRequest(ctx: string): void {
    this.readFloor.set(ctx, this.maxCommitted as Index);
  }

  recordReadState(id: NodeId, rs: ReadState): void {
    const ctx = Buffer.from(rs.requestCtx).toString('latin1');
    const floor = this.readFloor.get(ctx);
    if (floor === undefined) throw new SafetyViolation(`read index: node ${id} got a read state for unknown request ${JSON.stringify(ctx)}`);
    this.stats.reads++;
    if (rs.index < floor) {
      throw new SafetyViolation(`read index: request ${ctx} answered at index ${rs.index} on node ${id}, but ${floor} was committed when it was made`);
    }
  }

  /** Whether an index is known committed (for liveness: every node applied it). */
  committedEntry(i: Index): { term: Term; key: string } | undefined {
    return this.committedFacts.get(i);
  }
}

function checkAppendOnly(n: NodeView, watch: LeaderWatch): void {
  const first = n.log.first;
  const oldFirst = watch.log.first;
  const oldLast = oldFirst + watch.log.entries.length - 1;
  const last = first + n.log.entries.length - 1;
  if (last < oldLast) throw new SafetyViolation(`leader append-only: leader ${n.id} of term ${n.term} shrank its log from ${oldLast} to ${last}`);
  for (let i = Math.max(first, oldFirst); i <= oldLast; i++) {
    const was = watch.log.entries[i - oldFirst] as Entry;
    const is = n.log.entries[i - first] as Entry;
    if (was.term !== is.term || entryKey(was) !== entryKey(is)) {
      throw new SafetyViolation(`leader append-only: leader ${n.id} of term ${n.term} replaced its entry ${i} (term ${was.term} → ${is.term})`);
    }
  }
}

function describe(key: string, t: Term | undefined): string {
  return `${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)} (term before/at: ${t ?? '?'})`;
}
