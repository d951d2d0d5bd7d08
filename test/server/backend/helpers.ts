import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend, type BackendOptions } from '../../../server/src/backend/index.js';

/** A fresh temp dir with the member/snap/db path inside; `cleanup` removes it. */
export function tempDb(): { dir: string; path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-'));
  return { dir, path: join(dir, 'member', 'snap', 'db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs fn with a backend on a fresh file, then closes it and removes the dir. Background
 * batching is slowed down (1 hour, huge limit) unless the test asks for it, so that only the
 * test decides when commits happen.
 */
export async function withBackend(fn: (b: Backend, path: string) => Promise<void> | void, options: BackendOptions = {}): Promise<void> {
  const t = tempDb();
  const b = Backend.open(t.path, { batchIntervalMs: 3_600_000, batchLimit: 1e9, ...options });
  try {
    await fn(b, t.path);
  } finally {
    await b.close();
    t.cleanup();
  }
}

export { waitFor } from '../../support/wait-for.js';

export function bytes(...b: number[]): Buffer {
  return Buffer.from(b);
}

/** A 17-byte etcd-style revision key for (main, sub). */
export function revKey(main: number, sub = 0): Buffer {
  const b = Buffer.alloc(17);
  b.writeBigUInt64BE(BigInt(main), 0);
  b[8] = 0x5f;
  b.writeBigUInt64BE(BigInt(sub), 9);
  return b;
}

/** Deterministic pseudo-random bytes (xorshift), so failures replay. */
export function randomBytes(seed: number, n: number): Buffer {
  let x = seed | 0 || 1;
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function hex(entries: [Buffer, Buffer][]): string[] {
  return entries.map(([k, v]) => `${k.toString('hex')}=${v.toString('hex')}`);
}
