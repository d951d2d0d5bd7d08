import { raftpb } from '../pb/index.js';
import { toSafeNumber, toUint64, toLong } from '../util/index.js';
import {
  type ConfState,
  type Entry,
  type EntryType,
  type HardState,
  type NodeId,
  type Snapshot,
  type SnapshotMetadata,
  index,
  term,
} from './types.js';
import { type Message, MessageType } from './message.js';

/** Conversions between raft's types and their protobuf encodings (etcd's raftpb). */

const ids = (xs: NodeId[]) => xs.map(toLong);
const fromIds = (xs: raftpb.IConfState['voters']): NodeId[] => (xs ?? []).map((x) => toUint64(x) as NodeId);
const EMPTY = new Uint8Array(0);

export function encodeEntry(e: Entry): Uint8Array {
  return raftpb.Entry.encode({ Term: e.term, Index: e.index, Type: e.type, Data: e.data }).finish();
}

export function decodeEntry(buf: Uint8Array): Entry {
  return entryFromPb(raftpb.Entry.decode(buf));
}

function entryFromPb(m: raftpb.IEntry): Entry {
  return {
    term: term(toSafeNumber(m.Term, 'entry term')),
    index: index(toSafeNumber(m.Index, 'entry index')),
    type: entryType(m.Type ?? 0),
    data: m.Data ?? EMPTY,
  };
}

function entryType(t: number): EntryType {
  if (t === 0 || t === 1 || t === 2) return t;
  throw new RangeError(`unknown entry type ${t}`);
}

export function encodeHardState(hs: HardState): Uint8Array {
  return raftpb.HardState.encode({ term: hs.term, vote: toLong(hs.vote), commit: hs.commit }).finish();
}

export function decodeHardState(buf: Uint8Array): HardState {
  const m = raftpb.HardState.decode(buf);
  return {
    term: term(toSafeNumber(m.term, 'hard state term')),
    vote: toUint64(m.vote) as NodeId,
    commit: index(toSafeNumber(m.commit, 'hard state commit')),
  };
}

export function confStateToPb(cs: ConfState): raftpb.IConfState {
  return {
    voters: ids(cs.voters),
    learners: ids(cs.learners),
    votersOutgoing: ids(cs.votersOutgoing),
    learnersNext: ids(cs.learnersNext),
    autoLeave: cs.autoLeave,
  };
}

export function confStateFromPb(m: raftpb.IConfState | null | undefined): ConfState {
  return {
    voters: fromIds(m?.voters),
    learners: fromIds(m?.learners),
    votersOutgoing: fromIds(m?.votersOutgoing),
    learnersNext: fromIds(m?.learnersNext),
    autoLeave: m?.autoLeave ?? false,
  };
}

export function snapshotToPb(s: Snapshot): raftpb.ISnapshot {
  return {
    data: s.data,
    metadata: { index: s.metadata.index, term: s.metadata.term, confState: confStateToPb(s.metadata.confState) },
  };
}

export function snapshotFromPb(m: raftpb.ISnapshot): Snapshot {
  return { data: m.data ?? EMPTY, metadata: metadataFromPb(m.metadata) };
}

function metadataFromPb(m: raftpb.ISnapshotMetadata | null | undefined): SnapshotMetadata {
  return {
    index: index(toSafeNumber(m?.index, 'snapshot index')),
    term: term(toSafeNumber(m?.term, 'snapshot term')),
    confState: confStateFromPb(m?.confState),
  };
}

export function encodeSnapshot(s: Snapshot): Uint8Array {
  return raftpb.Snapshot.encode(snapshotToPb(s)).finish();
}

export function decodeSnapshot(buf: Uint8Array): Snapshot {
  return snapshotFromPb(raftpb.Snapshot.decode(buf));
}

/**
 * A raft message as etcd 3.5 puts it on the wire (raftpb.Message, gogoproto): every scalar
 * field written even when zero, the snapshot always present (an empty one when the message
 * carries none), and the optional bytes (an entry's data, the context) only when non-empty,
 * as Go leaves them nil. Fields go out in field-number order, as protobufjs writes them.
 */
export function encodeMessage(m: Message): Uint8Array {
  const pb: raftpb.IMessage = {
    type: m.type,
    to: toLong(m.to),
    from: toLong(m.from),
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    entries: m.entries.map(entryToWire),
    commit: m.commit,
    snapshot: snapshotToWire(m.snapshot),
    reject: m.reject,
    rejectHint: m.rejectHint,
  };
  if (m.context.length > 0) pb.context = m.context;
  return raftpb.Message.encode(pb).finish();
}

/** The inverse of encodeMessage; an empty snapshot (index 0, no data) decodes as none. */
export function decodeMessage(buf: Uint8Array): Message {
  const m = raftpb.Message.decode(buf);
  return {
    type: messageType(m.type ?? 0),
    to: toUint64(m.to) as NodeId,
    from: toUint64(m.from) as NodeId,
    term: term(toSafeNumber(m.term, 'message term')),
    logTerm: term(toSafeNumber(m.logTerm, 'message log term')),
    index: index(toSafeNumber(m.index, 'message index')),
    entries: m.entries.map(entryFromPb),
    commit: index(toSafeNumber(m.commit, 'message commit')),
    snapshot: snapshotFromWire(m.snapshot),
    reject: m.reject ?? false,
    rejectHint: index(toSafeNumber(m.rejectHint, 'message reject hint')),
    context: m.context ?? EMPTY,
  };
}

function entryToWire(e: Entry): raftpb.IEntry {
  const pb: raftpb.IEntry = { Type: e.type, Term: e.term, Index: e.index };
  if (e.data.length > 0) pb.Data = e.data;
  return pb;
}

function snapshotToWire(s: Snapshot | undefined): raftpb.ISnapshot {
  const meta = s?.metadata;
  const pb: raftpb.ISnapshot = {
    metadata: {
      confState: confStateToPb(meta?.confState ?? EMPTY_CONF_STATE),
      index: meta?.index ?? 0,
      term: meta?.term ?? 0,
    },
  };
  if (s !== undefined && s.data.length > 0) pb.data = s.data;
  return pb;
}

function snapshotFromWire(m: raftpb.ISnapshot | null | undefined): Snapshot | undefined {
  if (m === null || m === undefined) return undefined;
  const s = snapshotFromPb(m);
  return s.metadata.index === 0 && s.data.length === 0 ? undefined : s;
}

const EMPTY_CONF_STATE: ConfState = Object.freeze({ voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false });
const MESSAGE_TYPES = new Set<number>(Object.values(MessageType));

function messageType(t: number): MessageType {
  if (MESSAGE_TYPES.has(t)) return t as MessageType;
  throw new RangeError(`unknown message type ${t}`);
}
