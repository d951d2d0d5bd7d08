import { EntryType, type Entry, type Snapshot, emptyConfState, index, nodeId, term } from '../../../server/src/raft/types.js';

/** Entry at index i of term t (data optional). */
export function ent(i: number, t: number, data: Uint8Array = new Uint8Array(0)): Entry {
  return { index: index(i), term: term(t), type: EntryType.Normal, data };
}

/** Entries from (index, term) pairs. */
export function ents(...pairs: Array<[number, number]>): Entry[] {
  return pairs.map(([i, t]) => ent(i, t));
}

/** A snapshot at (i, t) with voters 1, 2, 3. */
export function snap(i: number, t: number): Snapshot {
  const confState = { ...emptyConfState(), voters: [nodeId(1), nodeId(2), nodeId(3)] };
  return { data: new Uint8Array([i & 0xff]), metadata: { index: index(i), term: term(t), confState } };
}

/** (index, term) pairs of entries, for compact assertions. */
export function ids(xs: readonly Entry[]): Array<[number, number]> {
  return xs.map((e) => [e.index, e.term]);
}
