import { hex16 } from '../util/index.js';
import type { Index, Term } from '../raft/index.js';

/**
 * Snapshot file names, `%016x-%016x.snap` (term, index), as etcd writes them. Names are parsed
 * to bigints so that ordering never depends on string comparison and a hand-made name with
 * 64-bit values still sorts correctly (its contents are then refused at decode).
 */
export interface SnapName {
  name: string;
  term: bigint;
  index: bigint;
}

export const SNAP_SUFFIX = '.snap';
const SNAP_NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;
const TMP_NAME = /^[0-9a-f]{16}-[0-9a-f]{16}\.snap\.\d+\.tmp$/;

export function formatSnapName(term: Term | number, index: Index | number): string {
  return `${hex16(term)}-${hex16(index)}${SNAP_SUFFIX}`;
}

/** Parses a snapshot file name; undefined for any name that is not exactly our format. */
export function parseSnapName(name: string): SnapName | undefined {
  const m = SNAP_NAME.exec(name);
  if (m === null) return undefined;
  return { name, term: BigInt(`0x${m[1] ?? ''}`), index: BigInt(`0x${m[2] ?? ''}`) };
}

/** The name a save writes to before the rename; `seq` keeps concurrent saves apart. */
export function tmpSnapName(finalName: string, seq: number): string {
  return `${finalName}.${seq}.tmp`;
}

export function isTmpSnapName(name: string): boolean {
  return TMP_NAME.test(name);
}

/** Orders newest first: higher term, then higher index. */
export function newestFirst(a: SnapName, b: SnapName): number {
  if (a.term !== b.term) return a.term > b.term ? -1 : 1;
  if (a.index !== b.index) return a.index > b.index ? -1 : 1;
  return 0;
}
