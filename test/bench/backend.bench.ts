/**
 * Backend figures on this machine (not a test: prints numbers, asserts nothing).
 *   npm run bench:backend
 * - put throughput through the batch (default options: 100 ms interval, 10k limit), until durable
 * - commit of 10,000 writes (17-byte keys, 256-byte values): latency and event-loop block
 * - read: get through a view-less read, and readView()+get+release
 * - defrag of a ~50 MB file after deleting most of it, and a snapshot copy + stream of it
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Backend, Bucket } from '../../server/src/backend/index.js';
import { revKey } from '../server/backend/helpers.js';

const value = Buffer.alloc(256, 0x61);

async function throughput(path: string): Promise<void> {
  const b = Backend.open(path);
  const n = 200_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    b.put(Bucket.key, revKey(i), value);
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r)); // let batches commit, as a server would
  }
  await b.commit();
  const s = (performance.now() - t0) / 1000;
  console.log(`put throughput: ${n} puts durable in ${s.toFixed(2)} s = ${Math.round(n / s)} writes/s (${b.commitCount} commits)`);
  await b.close();
}

async function commitLatency(path: string): Promise<void> {
  const b = Backend.open(path, { batchIntervalMs: 3_600_000, batchLimit: 1e9 });
  const lat: number[] = [];
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  for (let r = 0; r < 10; r++) {
    for (let i = 0; i < 10_000; i++) b.put(Bucket.key, revKey(r * 10_000 + i), value);
    const t0 = performance.now();
    await b.commit();
    lat.push(performance.now() - t0);
  }
  h.disable();
  lat.sort((a, c) => a - c);
  console.log(
    `commit of 10k writes: median ${lat[5]?.toFixed(1)} ms, max ${lat[9]?.toFixed(1)} ms; ` +
      `event-loop delay max ${(h.max / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms`,
  );
  const reads = 200_000;
  let t0 = performance.now();
  for (let i = 0; i < reads; i++) b.get(Bucket.key, revKey(i % 100_000));
  console.log(`get: ${((performance.now() - t0) * 1000 / reads).toFixed(2)} µs each`);
  const v = b.readView();
  t0 = performance.now();
  for (let i = 0; i < reads; i++) v.get(Bucket.key, revKey(i % 100_000));
  console.log(`view.get: ${((performance.now() - t0) * 1000 / reads).toFixed(2)} µs each`);
  v.release();
  t0 = performance.now();
  const rows = b.range(Bucket.key, revKey(0), revKey(100_000)).length;
  console.log(`range of ${rows} pairs: ${(performance.now() - t0).toFixed(1)} ms`);
  await b.close();
}

async function defrag(path: string): Promise<void> {
  const b = Backend.open(path);
  const big = Buffer.alloc(1000, 0x62);
  for (let i = 0; i < 50_000; i++) {
    b.put(Bucket.key, revKey(i), big);
    if (i % 5000 === 4999) await b.commit();
  }
  await b.commit();
  for (let i = 0; i < 50_000; i++) if (i % 4 !== 0) b.delete(Bucket.key, revKey(i));
  await b.commit();
  const sizeBefore = b.size();
  let t0 = performance.now();
  const r = await b.defrag();
  console.log(
    `defrag: ${(sizeBefore / 1e6).toFixed(1)} MB -> ${(r.sizeAfter / 1e6).toFixed(1)} MB in ${(performance.now() - t0).toFixed(0)} ms`,
  );
  t0 = performance.now();
  const snap = await b.snapshot();
  let bytes = 0;
  for await (const c of snap.stream) bytes += (c as Buffer).length;
  console.log(`snapshot: ${(bytes / 1e6).toFixed(1)} MB copied and streamed in ${(performance.now() - t0).toFixed(0)} ms`);
  await b.close();
}

const dir = mkdtempSync(join(tmpdir(), 'cairn-'));
try {
  await throughput(join(dir, 'a', 'db'));
  await commitLatency(join(dir, 'b', 'db'));
  await defrag(join(dir, 'c', 'db'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
