import { EMPTY_HARD_STATE, type HardState } from '../raft/index.js';
import { LogReader } from './log-reader.js';
import { listSegments } from './segment-name.js';
import type { WalSnapshot } from './types.js';

/**
 * The snapshot markers etcdserver may start from: those at or below the last hard state's
 * commit (a marker above it belongs to a snapshot whose entries may not all be durable here).
 * Reads the whole log without locking or repairing it; a torn tail just ends the reading.
 */
export async function validSnapshots(dir: string): Promise<WalSnapshot[]> {
  const reader = new LogReader(dir, listSegments(dir));
  const snaps: WalSnapshot[] = [];
  let hs: HardState = EMPTY_HARD_STATE;
  for (const at of reader.records()) {
    if (at.record.type === 'snapshot') snaps.push(at.record.snapshot);
    else if (at.record.type === 'state') hs = at.record.hardState;
  }
  return snaps.filter((s) => s.index <= hs.commit);
}
