import { type ConfChangeV1, type ConfChangeV2, type ConfState, type Message, type NodeId, index, messageTypeName } from '../../../../server/src/raft/index.js';
import type { LogView, NodeView } from './invariants.js';
import type { SimNode } from './sim-node.js';

// How the harness looks at things: the checker's view of a node, members, and event text.

/** Every member of a configuration: voters (both halves when joint) and learners. */
export function membersOf(cs: ConfState): Set<NodeId> {
  return new Set([...cs.voters, ...cs.votersOutgoing, ...cs.learners, ...cs.learnersNext]);
}

const CHANGE_NAMES = ['add', 'remove', 'update', 'learner'];
export function describeConfChange(cc: ConfChangeV1 | ConfChangeV2): string {
  if (!('changes' in cc)) return `v1 ${CHANGE_NAMES[cc.type]} ${cc.nodeId}`;
  return `v2(transition ${cc.transition}) ${cc.changes.map((c) => `${CHANGE_NAMES[c.type]} ${c.nodeId}`).join(', ')}`;
}

/** What the checker sees of a node: its whole log (persisted + unstable) if up, its disk if down. */
export function view(n: SimNode): NodeView {
  const hs = n.disk.initialState().hardState;
  if (n.raw === undefined) {
    const first = n.disk.firstIndex();
    const last = n.disk.lastIndex();
    const log: LogView = { id: n.id, first, prevTerm: n.disk.term(index(first - 1)), entries: last >= first ? n.disk.entries(first, index(last + 1), Infinity) : [] };
    return { id: n.id, alive: false, isLeader: false, term: hs.term, committed: hs.commit, commitTerm: hs.term, log };
  }
  const r = n.raw.raft;
  const first = r.raftLog.firstIndex();
  const last = r.raftLog.lastIndex();
  const entries = last >= first ? r.raftLog.slice(first, index(last + 1), Infinity) : [];
  const log: LogView = { id: n.id, first, prevTerm: r.raftLog.term(index(first - 1)), entries };
  return { id: n.id, alive: true, isLeader: r.state === 'StateLeader', term: r.term, committed: hs.commit, commitTerm: hs.term, log };
}

export function describeMsg(m: Message): string {
  const ents = m.entries.length > 0 ? ` ents[${m.entries[0]?.index}..${m.entries[m.entries.length - 1]?.index}]` : '';
  const snap = m.snapshot !== undefined ? ` snap@${m.snapshot.metadata.index}` : '';
  const rej = m.reject ? ` reject(hint ${m.rejectHint})` : '';
  return `${messageTypeName(m.type)} ${m.from}->${m.to} t${m.term} i${m.index}/lt${m.logTerm} c${m.commit}${ents}${snap}${rej}`;
}

export function describeReady(n: SimNode): string {
  const rd = n.pending;
  if (rd === undefined) return '-';
  const ce = rd.committedEntries;
  return `${rd.entries.length} ents, apply ${ce.length > 0 ? `${ce[0]?.index}..${ce[ce.length - 1]?.index}` : '-'}`;
}

export function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? Number(v) : v;
}
