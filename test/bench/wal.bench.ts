// WAL append throughput beside raw write+fdatasync of the same bytes, on the same disk, in the
// same run. Not part of `npm test`; run with `npm run bench:wal`.
//
// For each batch size (entries per save, one fsync per save) the WAL saves 256-byte entries
// plus a hard state, with a turn of the event loop about every millisecond (so the segment
// pipeline's thread-pool work completes, as it does in a busy member), after a warm-up past
// the log's first segment (see warmUp). The raw side writes the same number of
// bytes per sync with writeSync + fdatasyncSync three ways: appending to a fresh file, into a
// sparse file (ftruncate), and into a file written through with zeros beforehand. The ratio is
// taken per round against the fastest raw side, so the WAL gets no credit for its preallocation
// alone. All four alternate in short rounds so that disk noise hits all alike. The files live under CAIRN_BENCH_DIR (default: the
// project's own folder, so on the disk a data dir would use).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { type Entry, type HardState, index, nodeId, term } from '../../server/src/raft/index.js';
import { Wal } from '../../server/src/wal/index.js';

const ENTRY_BYTES = 256;
const BATCHES = (process.env['WAL_BENCH_BATCHES'] ?? '1,10,100,1000').split(',').map(Number);
const ROUNDS = Number(process.env['WAL_BENCH_ROUNDS'] ?? 15);
const ROUND_MS = Number(process.env['WAL_BENCH_ROUND_MS'] ?? 300);

/** Totals of the round under way, and the rate (entries/s) of every finished round. */
interface Rate {
  entries: number;
  ns: bigint;
  rounds?: number[];
}

/** Ends a round: records its rate and resets the totals. */
function endRound(rate: Rate): void {
  (rate.rounds ??= []).push((rate.entries * 1e9) / Number(rate.ns));
  rate.entries = 0;
  rate.ns = 0n;
}

/** The median round: this disk's fsync latency swings several-fold from second to second. */
function median(rate: Rate): number {
  const xs = [...(rate.rounds ?? [])].sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)] ?? 0;
}

const payload = Buffer.alloc(ENTRY_BYTES, 0x61);

function batch(first: number, n: number): Entry[] {
  const out: Entry[] = new Array<Entry>(n);
  for (let i = 0; i < n; i++) out[i] = { term: term(1), index: index(first + i), type: 0, data: payload };
  return out;
}

async function walRound(wal: Wal, n: number, rate: Rate): Promise<void> {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ROUND_MS) * 1_000_000n;
  let now = start;
  let lastTurn = start;
  while (now < deadline) {
    const first = wal.lastIndex + 1;
    const hs: HardState = { term: term(1), vote: nodeId(1), commit: index(first - 1) };
    await wal.save(hs, batch(first, n));
    rate.entries += n;
    now = process.hrtime.bigint();
    // A turn of the event loop every millisecond or so, as a busy member has them, lets the
    // thread pool's work (the next segment being prepared) report back, without charging
    // the cost of a turn to every save.
    if (now - lastTurn > 1_000_000n) {
      await new Promise((resolve) => setImmediate(resolve));
      lastTurn = now;
    }
  }
  rate.ns += now - start;
}

/**
 * Writes through the first segment in large batches, so the rounds measure the steady state of
 * a running member: the first segment of a new log is sparse (created at once), every later one
 * is written through with zeros ahead of time by the segment pipeline, which makes appends
 * cheaper on this disk (see segment-pipeline.ts).
 */
async function warmUp(wal: Wal): Promise<void> {
  while (wal.segmentNames.length < 2) {
    const first = wal.lastIndex + 1;
    await wal.save({ term: term(1), vote: nodeId(1), commit: index(first - 1) }, batch(first, 1000));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Bytes one save of n entries (plus its hard state) adds to the log. */
async function bytesPerSave(dir: string, n: number): Promise<number> {
  const wal = await Wal.create(path.join(dir, 'probe'), new Uint8Array([8, 1, 16, 1]));
  const before = wal.tailOffset;
  await wal.save({ term: term(1), vote: nodeId(1), commit: index(0) }, batch(1, n));
  const bytes = wal.tailOffset - before;
  await wal.close();
  fs.rmSync(path.join(dir, 'probe'), { recursive: true, force: true });
  return bytes;
}

interface Cell {
  wal: number;
  /** Median rates of raw append, raw sparse, raw zero-filled. */
  raw: number[];
  /** Median over rounds of WAL ÷ the fastest raw side in that same round (paired, so slow spells of the disk cancel out). */
  ratio: number;
  bytes: number;
}

/** A raw side: a file, where the next write goes, and (for a written-through file) where to wrap. */
interface RawSide {
  fd: number;
  at: number;
  wrap: number;
  rate: Rate;
}

function rawRound(side: RawSide, bytesPerSync: number, n: number): void {
  const buf = Buffer.alloc(bytesPerSync, 0x61);
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ROUND_MS) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    if (side.at + buf.length > side.wrap) side.at = 0;
    let done = 0;
    while (done < buf.length) done += fs.writeSync(side.fd, buf, done, buf.length - done, side.at + done);
    side.at += buf.length;
    fs.fdatasyncSync(side.fd);
    side.rate.entries += n;
    now = process.hrtime.bigint();
  }
  side.rate.ns += now - start;
}

const ZEROED_BYTES = 256 * 1024 * 1024;

/** Opens the three raw files: a fresh one to append to, a sparse (ftruncate) one, one written through with zeros. */
function rawSides(dir: string, n: number): RawSide[] {
  const open = (name: string): number => fs.openSync(path.join(dir, `raw-${name}-${n}`), 'w');
  const append: RawSide = { fd: open('append'), at: 0, wrap: Infinity, rate: { entries: 0, ns: 0n } };
  const sparse: RawSide = { fd: open('sparse'), at: 0, wrap: Infinity, rate: { entries: 0, ns: 0n } };
  fs.ftruncateSync(sparse.fd, 1024 * 1024 * 1024);
  const zeroed: RawSide = { fd: open('zeroed'), at: 0, wrap: ZEROED_BYTES, rate: { entries: 0, ns: 0n } };
  const zeros = Buffer.alloc(1024 * 1024);
  for (let at = 0; at < ZEROED_BYTES; at += zeros.length) fs.writeSync(zeroed.fd, zeros, 0, zeros.length, at);
  fs.fsyncSync(zeroed.fd);
  return [append, sparse, zeroed];
}

async function cell(dir: string, n: number): Promise<Cell> {
  const bytes = await bytesPerSave(dir, n);
  const walDir = path.join(dir, `wal-${n}`);
  const wal = await Wal.create(walDir, new Uint8Array([8, 1, 16, 1]));
  await warmUp(wal);
  const raws = rawSides(dir, n);
  const w: Rate = { entries: 0, ns: 0n };
  try {
    for (let i = 0; i < ROUNDS; i++) {
      for (const side of raws) {
        rawRound(side, bytes, n);
        endRound(side.rate);
      }
      await walRound(wal, n, w);
      endRound(w);
    }
  } finally {
    for (const side of raws) fs.closeSync(side.fd);
    await wal.close();
    fs.rmSync(walDir, { recursive: true, force: true });
    for (const name of ['append', 'sparse', 'zeroed']) fs.rmSync(path.join(dir, `raw-${name}-${n}`), { force: true });
  }
  const fastestRaw = (i: number): number => Math.max(...raws.map((r) => r.rate.rounds?.[i] ?? 0));
  const ratios = (w.rounds ?? []).map((x, i) => x / fastestRaw(i));
  return {
    wal: median(w),
    raw: raws.map((r) => median(r.rate)),
    ratio: median({ entries: 0, ns: 0n, rounds: ratios }),
    bytes,
  };
}

/**
 * Why the WAL uses synchronous fs calls: the same 312-byte append + fdatasync (one entry and
 * its hard state) through writeSync/fdatasyncSync, through fs.promises (two thread-pool round
 * trips per save), and writeSync with a callback fdatasync. Files preallocated as the WAL's are.
 */
async function ioModes(dir: string): Promise<void> {
  const buf = Buffer.alloc(312, 0x61);
  const modes: Record<string, (fd: number, fh: fsp.FileHandle, pos: number) => Promise<void> | void> = {
    'writeSync + fdatasyncSync': (fd, _fh, pos) => {
      fs.writeSync(fd, buf, 0, buf.length, pos);
      fs.fdatasyncSync(fd);
    },
    'fs.promises write + datasync': async (_fd, fh, pos) => {
      await fh.write(buf, 0, buf.length, pos);
      await fh.datasync();
    },
    'writeSync + fdatasync callback': (fd, _fh, pos) => {
      fs.writeSync(fd, buf, 0, buf.length, pos);
      return new Promise<void>((resolve, reject) => fs.fdatasync(fd, (e) => (e ? reject(e) : resolve())));
    },
  };
  const rates = new Map<string, Rate>(Object.keys(modes).map((k) => [k, { entries: 0, ns: 0n }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, op] of Object.entries(modes)) {
      const file = path.join(dir, 'io-mode');
      const fh = await fsp.open(file, 'w+');
      await fh.truncate(64 * 1024 * 1024);
      const rate = rates.get(name)!;
      const start = process.hrtime.bigint();
      const deadline = start + BigInt(ROUND_MS) * 1_000_000n;
      let now = start;
      for (let pos = 0; now < deadline; pos += buf.length) {
        await op(fh.fd, fh, pos);
        rate.entries++;
        now = process.hrtime.bigint();
      }
      rate.ns += now - start;
      await fh.close();
      fs.rmSync(file);
    }
  }
  console.log('\nI/O mode at 1 entry per sync (312 bytes, preallocated file):');
  for (const [name, r] of rates) console.log(`${name.padStart(32)} ${((r.entries * 1e9) / Number(r.ns)).toFixed(0).padStart(8)} syncs/s`);
}

async function main(): Promise<void> {
  const base = process.env['CAIRN_BENCH_DIR'] ?? path.join(path.dirname(new URL(import.meta.url).pathname), '../../..');
  const dir = fs.mkdtempSync(path.join(base, '.cairn-walbench-'));
  try {
    console.log(`wal bench: ${ENTRY_BYTES}-byte entries, one fsync per save, median of ${ROUNDS} interleaved rounds of ${ROUND_MS} ms per side, dir ${dir}`);
    const head = ['entries/sync', 'bytes/sync', 'WAL entries/s', 'raw append/s', 'raw sparse/s', 'raw zeroed/s', 'WAL/best raw'];
    console.log(head.map((h) => h.padStart(14)).join(' '));
    for (const n of BATCHES) {
      const c = await cell(dir, n);
      const line = [
        String(n),
        String(c.bytes),
        c.wal.toFixed(0),
        ...c.raw.map((r) => r.toFixed(0)),
        c.ratio.toFixed(2),
      ].map((x) => x.padStart(14));
      console.log(line.join(' '));
    }
    await ioModes(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
