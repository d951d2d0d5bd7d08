// WAL append throughput beside raw write+fdatasync of the same bytes, on the same disk, in the
// same run. Not part of `npm test`; run with `npm run bench:wal`.
//
// For each batch size (entries per save, one fsync per save) the WAL saves 256-byte entries
// plus a hard state; the raw side writes the same number of bytes per sync with writeSync +
// fdatasyncSync twice over: appending to a fresh file, and into a file preallocated (ftruncate)
// as WAL segments are. The ratio is taken against the faster raw side, so the WAL gets no credit
// for preallocation alone. The three alternate in short rounds so that disk noise from other
// work on the machine hits all alike. The files live under CAIRN_BENCH_DIR (default: the
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
  while (now < deadline) {
    const first = wal.lastIndex + 1;
    const hs: HardState = { term: term(1), vote: nodeId(1), commit: index(first - 1) };
    await wal.save(hs, batch(first, n));
    rate.entries += n;
    now = process.hrtime.bigint();
  }
  rate.ns += now - start;
}

function rawRound(fd: number, pos: { at: number }, bytesPerSync: number, n: number, rate: Rate): void {
  const buf = Buffer.alloc(bytesPerSync, 0x61);
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ROUND_MS) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    let done = 0;
    while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, pos.at + done);
    pos.at += buf.length;
    fs.fdatasyncSync(fd);
    rate.entries += n;
    now = process.hrtime.bigint();
  }
  rate.ns += now - start;
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
  rawAppend: number;
  rawPrealloc: number;
  /** Median over rounds of WAL ÷ the faster raw side in that same round (paired, so slow spells of the disk cancel out). */
  ratio: number;
  bytes: number;
}

async function cell(dir: string, n: number): Promise<Cell> {
  const bytes = await bytesPerSave(dir, n);
  const walDir = path.join(dir, `wal-${n}`);
  const wal = await Wal.create(walDir, new Uint8Array([8, 1, 16, 1]));
  const appendFile = path.join(dir, `raw-append-${n}`);
  const preallocFile = path.join(dir, `raw-prealloc-${n}`);
  const fdAppend = fs.openSync(appendFile, 'w');
  const fdPrealloc = fs.openSync(preallocFile, 'w');
  fs.ftruncateSync(fdPrealloc, 1024 * 1024 * 1024);
  const posAppend = { at: 0 };
  const posPrealloc = { at: 0 };
  const w: Rate = { entries: 0, ns: 0n };
  const ra: Rate = { entries: 0, ns: 0n };
  const rp: Rate = { entries: 0, ns: 0n };
  try {
    for (let i = 0; i < ROUNDS; i++) {
      rawRound(fdAppend, posAppend, bytes, n, ra);
      endRound(ra);
      rawRound(fdPrealloc, posPrealloc, bytes, n, rp);
      endRound(rp);
      await walRound(wal, n, w);
      endRound(w);
    }
  } finally {
    fs.closeSync(fdAppend);
    fs.closeSync(fdPrealloc);
    await wal.close();
    fs.rmSync(walDir, { recursive: true, force: true });
    fs.rmSync(appendFile, { force: true });
    fs.rmSync(preallocFile, { force: true });
  }
  const ratios = (w.rounds ?? []).map((x, i) => x / Math.max(ra.rounds?.[i] ?? 0, rp.rounds?.[i] ?? 0));
  return { wal: median(w), rawAppend: median(ra), rawPrealloc: median(rp), ratio: median({ entries: 0, ns: 0n, rounds: ratios }), bytes };
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
    const head = ['entries/sync', 'bytes/sync', 'WAL entries/s', 'raw append/s', 'raw prealloc/s', 'ratio'];
    console.log(head.map((h) => h.padStart(14)).join(' '));
    for (const n of BATCHES) {
      const c = await cell(dir, n);
      const line = [
        String(n),
        String(c.bytes),
        c.wal.toFixed(0),
        c.rawAppend.toFixed(0),
        c.rawPrealloc.toFixed(0),
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
