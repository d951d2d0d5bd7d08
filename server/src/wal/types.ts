import type { ConfState, Entry, HardState, Index, Term } from '../raft/index.js';

/** A snapshot marker in the log: the raft snapshot's index and term (and conf state). */
export interface WalSnapshot {
  index: Index;
  term: Term;
  confState?: ConfState;
}

export interface WalOptions {
  /** Size a segment is preallocated to; a save that takes the tail past it cuts a new one. */
  segmentBytes?: number;
}

/** What open reads back: the metadata, the last hard state and the entries after the snapshot. */
export interface WalContents {
  metadata: Uint8Array;
  hardState: HardState;
  entries: Entry[];
}

/** A decoded record, as the reader hands it out. */
export type WalRecord =
  | { type: 'crc'; crc: number }
  | { type: 'metadata'; data: Uint8Array }
  | { type: 'entry'; entry: Entry }
  | { type: 'state'; hardState: HardState }
  | { type: 'snapshot'; snapshot: WalSnapshot };

/** A record and where it sits: file path, frame offset, encoded record size. */
export interface RecordAt {
  file: string;
  offset: number;
  size: number;
  record: WalRecord;
}
