import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prng } from '../../../support/prng.js';

export type Pairs = [Buffer, Buffer][];
export interface BucketData {
  name: Buffer;
  pairs: Pairs;
}

/** A temp dir; `cleanup` removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A small seeded PRNG (mulberry32), so a failing case can be replayed from its seed. */
export function rng(seed: number): (n: number) => number {
  const next = prng(seed);
  return (n: number) => next() * n;
}

export function randomBytes(rand: (n: number) => number, len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = Math.floor(rand(256));
  return b;
}

/** Sorts by key and drops duplicate keys (bbolt's input must be strictly increasing). */
export function sortUnique(pairs: Pairs): Pairs {
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  return pairs.filter((p, i) => i === 0 || !p[0].equals((pairs[i - 1] as [Buffer, Buffer])[0]));
}

/** Writer input from bucket data (buckets sorted by name). */
export function toSource(buckets: BucketData[]): { name: Buffer; entries: Pairs }[] {
  return [...buckets].sort((a, b) => Buffer.compare(a.name, b.name)).map((b) => ({ name: b.name, entries: b.pairs }));
}

export { revKey } from '../helpers.js';
