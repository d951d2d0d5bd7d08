import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hex16 } from '../util/index.js';
import { WalCorruptError } from './errors.js';

/** A segment file: `%016x-%016x.wal` of its sequence number and the first index it holds. */
export interface Segment {
  seq: number;
  index: number;
  name: string;
}

const NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

export function segmentName(seq: number, index: number): string {
  return `${hex16(seq)}-${hex16(index)}.wal`;
}

export function parseSegmentName(name: string): Segment | undefined {
  const m = NAME.exec(name);
  if (m === null) return undefined;
  const seq = Number.parseInt(m[1] ?? '', 16);
  const index = Number.parseInt(m[2] ?? '', 16);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(index)) return undefined;
  return { seq, index, name };
}

/** A break in the run of segment sequence numbers: the file after it and what is wrong. */
export interface SegmentGap {
  file: string;
  reason: string;
}

/**
 * The segments of a WAL dir in sequence order, up to the first gap or repeat in the sequence
 * numbers (reported, not thrown, so the dump tool can show what comes before it). Files ending
 * in .wal that do not parse are ignored, as etcd does.
 */
export function scanSegments(dir: string): { segments: Segment[]; gap?: SegmentGap } {
  const segs = readdirSync(dir)
    .map(parseSegmentName)
    .filter((s): s is Segment => s !== undefined)
    .sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < segs.length; i++) {
    const prev = segs[i - 1];
    const cur = segs[i];
    if (prev !== undefined && cur !== undefined && cur.seq !== prev.seq + 1) {
      return { segments: segs.slice(0, i), gap: { file: join(dir, cur.name), reason: `segment sequence jumps from ${prev.seq} to ${cur.seq}` } };
    }
  }
  return { segments: segs };
}

/** The segments of a WAL dir in sequence order; a gap or a repeat in the sequence is corruption. */
export function listSegments(dir: string): Segment[] {
  const { segments, gap } = scanSegments(dir);
  if (gap !== undefined) throw new WalCorruptError(gap.file, 0, gap.reason);
  return segments;
}

/** Whether a directory holds any WAL segment. */
export function hasSegments(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) => n.endsWith('.wal'));
  } catch {
    return false;
  }
}

/** The position of the last segment whose first index is <= index (-1 if none). */
export function segmentHolding(segs: readonly Segment[], index: number): number {
  for (let i = segs.length - 1; i >= 0; i--) {
    if ((segs[i]?.index ?? Infinity) <= index) return i;
  }
  return -1;
}
