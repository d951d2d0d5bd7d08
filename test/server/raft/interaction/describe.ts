/**
 * Text forms of raft values for the golden interaction scripts, close to etcd's raft
 * describe functions so that scripts read alike:
 *   1->2 MsgApp Term:1 Log:1/10 Commit:10 Entries:[1/11 EntryNormal "prop"]
 */
import {
  ConfChangeTransition,
  type ConfChangeV2,
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  type Message,
  MessageType,
  type NodeId,
  type Ready,
  type Snapshot,
  confChangeOfEntry,
  describeChanges,
  messageTypeName,
} from '../../../../server/src/raft/index.js';

const decoder = new TextDecoder();

export function quoted(data: Uint8Array): string {
  return JSON.stringify(decoder.decode(data));
}

function ids(xs: readonly NodeId[]): string {
  return [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join(' ');
}

export function describeConfState(cs: ConfState): string {
  return `Voters:[${ids(cs.voters)}] VotersOutgoing:[${ids(cs.votersOutgoing)}] Learners:[${ids(cs.learners)}] LearnersNext:[${ids(cs.learnersNext)}] AutoLeave:${cs.autoLeave}`;
}

const TRANSITION_NAMES: Record<number, string> = {
  [ConfChangeTransition.Auto]: '',
  [ConfChangeTransition.JointImplicit]: 'implicit',
  [ConfChangeTransition.JointExplicit]: 'explicit',
};

/** "v2 l3" (with the transition if not auto); "leave-joint" for an empty V2 change. */
export function describeConfChange(cc: ConfChangeV2): string {
  const parts: string[] = [];
  const tr = TRANSITION_NAMES[cc.transition] ?? String(cc.transition);
  if (tr !== '') parts.push(`transition=${tr}`);
  if (cc.changes.length > 0) parts.push(describeChanges(cc.changes));
  return parts.length === 0 ? 'leave-joint' : parts.join(' ');
}

export function describeEntry(e: Entry): string {
  const head = `${e.term}/${e.index}`;
  switch (e.type) {
    case EntryType.Normal:
      return `${head} EntryNormal ${quoted(e.data)}`;
    case EntryType.ConfChange:
    case EntryType.ConfChangeV2: {
      const cc = confChangeOfEntry(e) as ConfChangeV2;
      return `${head} ${e.type === EntryType.ConfChange ? 'EntryConfChange' : 'EntryConfChangeV2'} ${describeConfChange(cc)}`;
    }
    default:
      return `${head} EntryType(${e.type as number})`;
  }
}

export function describeEntries(es: readonly Entry[]): string {
  return es.map(describeEntry).join(', ');
}

export function describeHardState(hs: HardState): string {
  return `HardState Term:${hs.term} Vote:${hs.vote} Commit:${hs.commit}`;
}

export function describeSnapshot(s: Snapshot): string {
  const md = s.metadata;
  return `Index:${md.index} Term:${md.term} ConfState:${describeConfState(md.confState)} Data:${quoted(s.data)}`;
}

/** One message on one line; only the fields that carry something are shown. */
export function describeMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${messageTypeName(m.type)} Term:${m.term} Log:${m.logTerm}/${m.index}`;
  if (m.reject) s += ` Rejected (Hint: ${m.rejectHint})`;
  if (m.commit !== 0) s += ` Commit:${m.commit}`;
  if (m.entries.length > 0) s += ` Entries:[${describeEntries(m.entries)}]`;
  if (m.context.byteLength > 0) s += ` Context:${quoted(m.context)}`;
  if (m.snapshot !== undefined) s += ` Snapshot: ${describeSnapshot(m.snapshot)}`;
  return s;
}

/** A Ready, one item per line (after-persist messages marked). */
export function describeReady(rd: Ready): string[] {
  const out: string[] = [`Ready MustSync=${rd.mustSync}:`];
  if (rd.softState !== undefined) out.push(`Lead:${rd.softState.lead} State:${rd.softState.raftState}`);
  if (rd.hardState !== undefined) out.push(describeHardState(rd.hardState));
  if (rd.readStates.length > 0) {
    out.push('ReadStates:');
    for (const r of rd.readStates) out.push(`Index:${r.index} RequestCtx:${quoted(r.requestCtx)}`);
  }
  if (rd.entries.length > 0) out.push('Entries:', ...rd.entries.map(describeEntry));
  if (rd.snapshot !== undefined) out.push(`Snapshot ${describeSnapshot(rd.snapshot)}`);
  if (rd.committedEntries.length > 0) out.push('CommittedEntries:', ...rd.committedEntries.map(describeEntry));
  if (rd.messages.length > 0 || rd.messagesAfterPersist.length > 0) {
    out.push('Messages:', ...rd.messages.map(describeMessage), ...rd.messagesAfterPersist.map((m) => `${describeMessage(m)} (after persist)`));
  }
  return out;
}

/** Every message type name, for parsing `type=MsgApp`. */
export function messageTypeByName(name: string): MessageType | undefined {
  const v = (MessageType as Record<string, MessageType>)[name];
  return v;
}
