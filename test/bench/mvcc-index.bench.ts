/**
 * Memory and speed of the in-memory key index (not a test: prints numbers, asserts nothing).
 *   npx tsc -p tsconfig.json --outDir dist-mvcc && node --expose-gc dist-mvcc/test/bench/mvcc-index.bench.js
 * - heap bytes per key: 1,000,000 8-byte keys, one revision each (etcd: about 120)
 * - heap bytes per extra version: 1,000,000 more revisions, one on each key (etcd: about 30)
 * - the steady cost of a version beyond the second: 100,000 keys written 20 times each
 * - memory of compaction's `available` set (one entry per surviving key)
 * - puts/s and gets/s of the index alone
 * Keys are inserted in a scrambled order (a multiplicative hash of the counter), as a B+tree
 * sees them from real clients, not in sorted order.
 */
import { TreeIndex } from '../../server/src/mvcc/index.js';

const N = 1_000_000;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) collect();
}

function heap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** An 8-byte key for counter i, scrambled so consecutive i land far apart in key order. */
function keyOf(i: number, buf: Uint8Array): Uint8Array {
  const h = Math.imul(i, 0x9e3779b1) >>> 0;
  const view = new DataView(buf.buffer, buf.byteOffset, 8);
  view.setUint32(0, h);
  view.setUint32(4, i);
  return buf;
}

function rate(n: number, ms: number): string {
  return `${Math.round(n / (ms / 1000)).toLocaleString('en')} /s`;
}

/** 1M keys, then one more version each: bytes per key and per extra version, speeds, compaction. */
function millionKeys(): void {
  const buf = new Uint8Array(8); // reused: the index must copy what it keeps
  let ti: TreeIndex | undefined = new TreeIndex();
  const h0 = heap();
  let t0 = performance.now();
  for (let i = 0; i < N; i++) ti.put(keyOf(i, buf), { main: i + 1, sub: 0 });
  const putMs = performance.now() - t0;
  const h1 = heap();
  t0 = performance.now();
  for (let i = 0; i < N; i++) ti.put(keyOf(i, buf), { main: N + i + 1, sub: 0 });
  const put2Ms = performance.now() - t0;
  const h2 = heap();
  t0 = performance.now();
  let found = 0;
  for (let i = 0; i < N; i++) if (ti.get(keyOf((i * 7919) % N, buf), 2 * N) !== undefined) found++;
  const getMs = performance.now() - t0;
  t0 = performance.now();
  let oldFound = 0;
  for (let i = 0; i < N; i++) if (ti.get(keyOf(i, buf), N) !== undefined) oldFound++;
  const getOldMs = performance.now() - t0;
  t0 = performance.now();
  const counted = ti.countRevisions(Uint8Array.of(0), Uint8Array.of(0), 2 * N);
  const countMs = performance.now() - t0;
  t0 = performance.now();
  let available: ReturnType<TreeIndex['compact']> | undefined = ti.compact(N + N / 2);
  const compactMs = performance.now() - t0;
  const kept = available.size;
  const h3 = heap();
  available = undefined;
  const h4 = heap();
  const size = ti.size;
  ti = undefined;

  console.log(`${size} keys of 8 bytes`);
  console.log(`heap per key (1 revision):         ${((h1 - h0) / N).toFixed(1)} bytes   (etcd ~120)`);
  console.log(`heap per extra version (2nd):      ${((h2 - h1) / N).toFixed(1)} bytes   (etcd ~30)`);
  console.log(`heap per key after compaction:     ${((h4 - h0) / N).toFixed(1)} bytes   (half the keys back to one revision)`);
  console.log(`compaction's available set:        ${((h3 - h4) / kept).toFixed(1)} bytes per entry (${kept} entries)`);
  console.log(`put (new keys):      ${rate(N, putMs)}`);
  console.log(`put (existing keys): ${rate(N, put2Ms)}`);
  console.log(`get (latest):        ${rate(N, getMs)} (${found} found)`);
  console.log(`get (older rev):     ${rate(N, getOldMs)} (${oldFound} found)`);
  console.log(`count of all keys:   ${countMs.toFixed(0)} ms (${counted})`);
  console.log(`compact at ${N + N / 2}:  ${compactMs.toFixed(0)} ms = ${rate(N, compactMs)} keys`);
}

/** The steady cost of versions beyond the second: 100k keys written 20 times each. */
function manyVersions(): void {
  const keys = 100_000;
  const buf = new Uint8Array(8);
  const ti = new TreeIndex();
  let rev = 0;
  for (let i = 0; i < keys; i++) ti.put(keyOf(i, buf), { main: ++rev, sub: 0 });
  for (let i = 0; i < keys; i++) ti.put(keyOf(i, buf), { main: ++rev, sub: 0 });
  const h0 = heap();
  for (let v = 0; v < 18; v++) for (let i = 0; i < keys; i++) ti.put(keyOf(i, buf), { main: ++rev, sub: 0 });
  const h1 = heap();
  console.log(`heap per version (3rd..20th):      ${((h1 - h0) / (18 * keys)).toFixed(1)} bytes   (${ti.size} keys)`);
}

console.log(`node ${process.version}; run as: node --expose-gc dist-mvcc/test/bench/mvcc-index.bench.js`);
millionKeys();
manyVersions();
