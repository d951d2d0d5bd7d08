// Shared helpers for the WAL tests: throwaway dirs, entries and hard states, frame listings.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Entry, type EntryType, type HardState, index, nodeId, term } from '../../../server/src/raft/index.js';
import { LogReader } from '../../../server/src/wal/log-reader.js';
import { listSegments } from '../../../server/src/wal/segment-name.js';
import type { RecordAt } from '../../../server/src/wal/index.js';

export const META = Uint8Array.from([0x08, 0x2a, 0x10, 0x07]); // etcdserverpb.Metadata{NodeID:42, ClusterID:7}
export const SNAP0 = { index: index(0), term: term(0) };

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-wal-'));
}

export function rmDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Runs `body` with a fresh temp dir, removing it afterwards. */
export async function withDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = tmpDir();
  try {
    return await body(dir);
  } finally {
    rmDir(dir);
  }
}

/** Copies a WAL dir (to damage the copy and keep the original). */
export function copyDir(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
}

/** Deterministic, non-zero bytes (so no sector of test data is all zero by accident). */
export function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = 1 + ((x >>> 16) % 255);
  }
  return out;
}

export function ent(i: number, t: number, size = 16, type: EntryType = 0): Entry {
  return { term: term(t), index: index(i), type, data: bytes(size, i * 31 + t) };
}

export function ents(from: number, to: number, t: number, size = 16): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(ent(i, t, size));
  return out;
}

export function hs(t: number, commit: number, vote = 1): HardState {
  return { term: term(t), vote: nodeId(vote), commit: index(commit) };
}

/** Every record of every segment with its file and frame offset, read without repairing. */
export function records(dir: string): RecordAt[] {
  return [...new LogReader(dir, listSegments(dir)).records()];
}

/** Frames of one file: [offset, end) of each, from the record offsets and the file's tail. */
export function frameBounds(dir: string, file: string): { offset: number; end: number; at: RecordAt }[] {
  const reader = new LogReader(dir, listSegments(dir));
  const all = [...reader.records()].filter((r) => r.file === file);
  return all.map((at) => ({ offset: at.offset, end: at.offset + 8 + at.size + ((8 - (at.size % 8)) % 8), at }));
}

export function segmentFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.wal'))
    .sort()
    .map((n) => path.join(dir, n));
}

/** Entries as plain comparable values. */
export function plain(es: Entry[]): { term: number; index: number; type: number; data: string }[] {
  return es.map((e) => ({ term: e.term, index: e.index, type: e.type, data: Buffer.from(e.data).toString('hex') }));
}
