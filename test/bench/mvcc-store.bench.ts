/**
 * The MVCC store in process, on a real backend file (not a test: prints numbers, asserts nothing).
 *   npm run bench:store
 * - puts/s: one write txn per put (8-byte keys over 100,000 distinct keys, 256-byte values),
 *   the backend batching as a member runs it (100 ms / 10,000 writes), until durable
 * - point ranges/s and ranges of 1,000 keys/s at the current revision
 * - watch events delivered/s with 1,000 watchers: each on its own key (one event per put),
 *   and each on a prefix covering every key (1,000 events per put), read by 10 streams
 * - memory for 1,000,000 keys of 8 bytes with 256-byte values: heap per key (the index and
 *   the rest of the store's objects) and resident set per key (heap + LMDB pages touched)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend } from '../../server/src/backend/index.js';
import { WatchableStore, type WatchStream } from '../../server/src/mvcc/index.js';

const value = Buffer.alloc(256, 0x61);
const ALL = Buffer.from([0]);

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) collect();
}

/** An 8-byte key for counter i, scrambled so consecutive i land far apart in key order. */
function keyOf(i: number): Buffer {
  const k = Buffer.alloc(8);
  k.writeUInt32BE(Math.imul(i, 0x9e3779b1) >>> 0, 0);
  k.writeUInt32BE(i, 4);
  return k;
}

/** An 8-byte key 'r', 0, then 6-byte big-endian i: consecutive i are neighbours in key order. */
function orderedKey(i: number): Buffer {
  const k = Buffer.alloc(8);
  k[0] = 0x72;
  k.writeUIntBE(i, 2, 6);
  return k;
}

function rate(n: number, ms: number): string {
  return `${Math.round(n / (ms / 1000)).toLocaleString('en')}/s`;
}

async function withStore<T>(fn: (s: WatchableStore, b: Backend) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-storebench-'));
  const backend = Backend.open(join(dir, 'db'));
  const store = await WatchableStore.open(backend);
  try {
    return await fn(store, backend);
  } finally {
    store.close();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function put(store: WatchableStore, key: Buffer): void {
  const w = store.kv.write();
  w.put(key, value);
  w.end();
}

async function puts(store: WatchableStore, backend: Backend, n: number, keys: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    put(store, keyOf(i % keys));
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r)); // let batches commit, as a member would
  }
  await backend.commit();
  return performance.now() - t0;
}

async function writesAndReads(): Promise<void> {
  await withStore(async (store, backend) => {
    const n = 200_000;
    const ms = await puts(store, backend, n, 100_000);
    console.log(`puts: ${n.toLocaleString('en')} in ${(ms / 1000).toFixed(2)} s = ${rate(n, ms)} (durable at the end)`);
    const m = 200_000;
    let t0 = performance.now();
    let found = 0;
    for (let i = 0; i < m; i++) found += store.kv.range(keyOf((i * 7919) % 100_000)).kvs.length;
    let t = performance.now() - t0;
    console.log(`point ranges: ${rate(m, t)} (${found} found)`);
    for (let i = 0; i < 100_000; i++) put(store, orderedKey(i));
    const r = 2000;
    t0 = performance.now();
    let got = 0;
    for (let i = 0; i < r; i++) {
      const from = (i * 7) % 99;
      got += store.kv.range(orderedKey(from * 1000), orderedKey((from + 1) * 1000)).kvs.length;
    }
    t = performance.now() - t0;
    console.log(`ranges of 1,000 keys: ${rate(r, t)} (${(got / r).toFixed(0)} keys each on average)`);
  });
}

/** Puts `n` values while 10 streams read; returns events delivered per second until all are read. */
async function watchRun(store: WatchableStore, streams: WatchStream[], n: number, expected: number): Promise<number> {
  let delivered = 0;
  const readers = streams.map(async (s) => {
    for await (const r of s) {
      delivered += r.events.length;
      if (delivered >= expected) break;
    }
  });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    put(store, keyOf(i % 1000));
    if (i % 100 === 99) await new Promise((r) => setImmediate(r));
  }
  while (delivered < expected) await new Promise((r) => setImmediate(r));
  const ms = performance.now() - t0;
  for (const s of streams) s.close();
  await Promise.all(readers);
  return delivered / (ms / 1000);
}

async function watches(): Promise<void> {
  await withStore(async (store) => {
    const streams = Array.from({ length: 10 }, () => store.newWatchStream());
    for (let i = 0; i < 1000; i++) streams[i % 10]?.watch({ key: keyOf(i) });
    const n = 100_000;
    const eps = await watchRun(store, streams, n, n);
    console.log(`watch, 1,000 watchers on one key each: ${Math.round(eps).toLocaleString('en')} events delivered/s (${n.toLocaleString('en')} puts)`);
  });
  await withStore(async (store) => {
    const streams = Array.from({ length: 10 }, () => store.newWatchStream());
    for (let i = 0; i < 1000; i++) streams[i % 10]?.watch({ key: Buffer.alloc(1), end: ALL });
    const n = 1000;
    const eps = await watchRun(store, streams, n, n * 1000);
    console.log(`watch, 1,000 watchers on every key: ${Math.round(eps).toLocaleString('en')} events delivered/s (${n.toLocaleString('en')} puts)`);
  });
}

async function memory(): Promise<void> {
  await withStore(async (store, backend) => {
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    const rss0 = process.memoryUsage().rss;
    const n = 1_000_000;
    await puts(store, backend, n, n);
    gc();
    const heap = (process.memoryUsage().heapUsed - heap0) / n;
    const rss = (process.memoryUsage().rss - rss0) / n;
    console.log(`memory, ${n.toLocaleString('en')} keys (8-byte keys, 256-byte values): ${heap.toFixed(1)} B heap per key, ${rss.toFixed(0)} B resident per key`);
    console.log(`  (etcd's stated index cost: about 120 B per key; the resident figure includes the LMDB pages of the values)`);
  });
}

await writesAndReads();
await watches();
await memory();
