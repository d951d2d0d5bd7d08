import { EMPTY_HARD_STATE, type Entry, type HardState } from '../raft/index.js';
import { assertNever } from '../util/index.js';
import { WalCorruptError, WalSnapshotMismatchError, WalSnapshotNotFoundError } from './errors.js';
import { type LogEnd, LogReader } from './log-reader.js';
import type { Segment } from './segment-name.js';
import type { WalContents, WalSnapshot } from './types.js';

/** What replaying the log from a snapshot gives: its contents, and where to append next. */
export interface Replayed extends WalContents {
  /** The highest index the log reaches: the last entry, or a later snapshot marker. */
  lastIndex: number;
  /** The CRC of the last record read: the next record chains from it. */
  crc: number;
  end: LogEnd;
}

/**
 * Replays the segments from the one holding `snap` to the end. An entry with index i replaces
 * the entry i read before it and drops all after it (a new leader overwriting an uncommitted
 * suffix); one at or before the snapshot is not returned but still drops all entries read after
 * the snapshot. An entry beyond the next index is a gap and refused. The snapshot's marker must
 * be among the records read.
 */
export function replay(dir: string, segments: readonly Segment[], snap: WalSnapshot): Replayed {
  const reader = new LogReader(dir, segments);
  let hardState: HardState = EMPTY_HARD_STATE;
  const entries: Entry[] = [];
  let lastIndex: number = snap.index;
  let found = false;
  for (const at of reader.records()) {
    const r = at.record;
    switch (r.type) {
      case 'entry': {
        const e = r.entry;
        if (e.index <= snap.index) {
          // Replaces an entry the snapshot covers, so it drops every entry after it too (etcd
          // skips it and would bring back a truncated suffix beyond the snapshot).
          entries.length = 0;
          lastIndex = snap.index;
          break;
        }
        const pos = e.index - snap.index - 1;
        if (pos > entries.length) {
          throw new WalCorruptError(at.file, at.offset, `entry ${e.index} leaves a gap after index ${snap.index + entries.length}`);
        }
        entries.length = pos;
        entries.push(e);
        lastIndex = e.index;
        break;
      }
      case 'state':
        hardState = r.hardState;
        break;
      case 'snapshot':
        lastIndex = Math.max(lastIndex, r.snapshot.index);
        if (r.snapshot.index !== snap.index) break;
        if (r.snapshot.term !== snap.term) {
          throw new WalSnapshotMismatchError(`snapshot at index ${snap.index} has term ${r.snapshot.term} in the wal, not ${snap.term} (${at.file} at offset ${at.offset})`);
        }
        found = true;
        break;
      case 'crc':
      case 'metadata':
        break;
      default:
        assertNever(r, 'record');
    }
  }
  if (!found) throw new WalSnapshotNotFoundError(`no snapshot marker for index ${snap.index} term ${snap.term} in ${dir}`);
  if (reader.end === undefined || reader.metadata === undefined) throw new WalSnapshotNotFoundError(`no segments to read in ${dir}`);
  return { metadata: reader.metadata, hardState, entries, lastIndex, crc: reader.chain.value, end: reader.end };
}
