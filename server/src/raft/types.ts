/**
 * Raft's data types, as the pure core and the storage modules see them. Terms and indexes are
 * numbers (checked ≤ 2^53-1 when decoded); member ids are random 64-bit values, so bigints.
 */
export type Term = number & { readonly __brand: 'Term' };
export type Index = number & { readonly __brand: 'Index' };
export type NodeId = bigint & { readonly __brand: 'NodeId' };

export const term = (n: number): Term => n as Term;
export const index = (n: number): Index => n as Index;
export const nodeId = (n: bigint | number): NodeId => BigInt(n) as NodeId;

/** No member: the vote of a member that has not voted in its term. */
export const NO_NODE = 0n as NodeId;

export const EntryType = {
  Normal: 0,
  ConfChange: 1,
  ConfChangeV2: 2,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  term: Term;
  index: Index;
  type: EntryType;
  data: Uint8Array;
}

export interface HardState {
  term: Term;
  vote: NodeId;
  commit: Index;
}

export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
  votersOutgoing: NodeId[];
  learnersNext: NodeId[];
  autoLeave: boolean;
}

export interface SnapshotMetadata {
  index: Index;
  term: Term;
  confState: ConfState;
}

export interface Snapshot {
  data: Uint8Array;
  metadata: SnapshotMetadata;
}

export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: term(0), vote: NO_NODE, commit: index(0) });

export function emptyConfState(): ConfState {
  return { voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
}

export function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === NO_NODE && hs.commit === 0;
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/**
 * Whether persisting this hard state and these entries must reach the disk before anything
 * else happens: new entries, or a change of term or vote (raft's MustSync).
 */
export function mustSync(prev: HardState, next: HardState, entryCount: number): boolean {
  return entryCount > 0 || prev.term !== next.term || prev.vote !== next.vote;
}
