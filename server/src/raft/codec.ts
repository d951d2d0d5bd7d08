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

/** Conversions between raft's types and their protobuf encodings (etcd's raftpb). */

const ids = (xs: NodeId[]) => xs.map(toLong);
const fromIds = (xs: raftpb.IConfState['voters']): NodeId[] => (xs ?? []).map((x) => toUint64(x) as NodeId);
const EMPTY = new Uint8Array(0);

export function encodeEntry(e: Entry): Uint8Array {
  return raftpb.Entry.encode({ Term: e.term, Index: e.index, Type: e.type, Data: e.data }).finish();
}

export function decodeEntry(buf: Uint8Array): Entry {
  const m = raftpb.Entry.decode(buf);
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
