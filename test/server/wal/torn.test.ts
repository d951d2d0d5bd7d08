import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { EMPTY_HARD_STATE, type Entry, type HardState } from '../../../server/src/raft/index.js';
import { type RecordAt, Wal, WalCorruptError } from '../../../server/src/wal/index.js';
import { META, SNAP0, ent, ents, hs, plain, records, segmentFiles, withDir } from './helpers.js';

const opts = { segmentBytes: 64 * 1024 };

const frameEnd = (r: RecordAt) => r.offset + 8 + r.size + ((8 - (r.size % 8)) % 8);

/** What open should give back from these records (snapshot {0,0}). */
function expected(recs: RecordAt[]): { entries: Entry[]; hardState: HardState } {
  const entries: Entry[] = [];
  let hardState = EMPTY_HARD_STATE;
  for (const r of recs) {
    if (r.record.type === 'entry') {
      entries.length = r.record.entry.index - 1;
      entries.push(r.record.entry);
    } else if (r.record.type === 'state') hardState = r.record.hardState;
  }
  return { entries, hardState };
}

/** A log over several segments whose last segment ends with frames of assorted sizes. */
async function build(dir: string): Promise<void> {
  const small = await Wal.create(dir, META, { segmentBytes: 512 });
  for (let i = 1; i <= 12; i += 2) await small.save(hs(1, i - 1), ents(i, i + 1, 1, 60));
  await small.close();
  const { wal: w } = await Wal.open(dir, SNAP0, opts); // the last segment now has room
  await w.save(hs(1, 12), [ent(13, 1, 0)]); // empty data
  await w.save(hs(2, 12, 2), [ent(14, 2, 700), ent(15, 2, 3)]); // crosses sector boundaries
  await w.save(EMPTY_HARD_STATE, [ent(16, 2, 9)]);
  await w.close();
}

/** Snapshot of the dir's segment files, to restore between damage attempts. */
function saveFiles(dir: string): Map<string, Buffer> {
  return new Map(segmentFiles(dir).map((f) => [f, fs.readFileSync(f)]));
}

function restore(dir: string, files: Map<string, Buffer>): void {
  for (const f of segmentFiles(dir)) if (!files.has(f)) fs.unlinkSync(f);
  for (const [f, b] of files) fs.writeFileSync(f, b);
}

describe('torn tail', () => {
  test('truncating the last segment at every offset in its last frames keeps exactly the whole records before it', () =>
    withDir(async (dir) => {
      await build(dir);
      const files = saveFiles(dir);
      const all = records(dir);
      const last = segmentFiles(dir).at(-1)!;
      const lastRecs = all.filter((r) => r.file === last);
      assert.ok(segmentFiles(dir).length >= 3, 'the log spans several segments');
      assert.ok(lastRecs.length >= 9, `last segment has ${lastRecs.length} records`);
      const from = frameEnd(lastRecs[2]!); // after the header (written whole before the rename)
      const to = frameEnd(lastRecs.at(-1)!);
      let checkedAppend = 0;
      for (let t = from; t <= to; t++) {
        restore(dir, files);
        fs.truncateSync(last, t);
        const keep = all.filter((r) => r.file !== last || frameEnd(r) <= t);
        const want = expected(keep);
        const r = await Wal.open(dir, SNAP0, opts);
        assert.deepEqual(plain(r.entries), plain(want.entries), `truncated at ${t}`);
        assert.deepEqual(r.hardState, want.hardState, `truncated at ${t}`);
        const cut = keep.at(-1)!.file === last ? frameEnd(keep.at(-1)!) : 0;
        assert.equal(r.wal.repairedTail?.offset, cut === t ? undefined : cut, `repair reported at ${t}`);
        // Appending after the repair works, and a reopen shows it (checked at every 4th offset
        // and around every frame boundary: each check costs fsyncs).
        const near = keep.length > 0 && Math.abs(frameEnd(keep.at(-1)!) - t) <= 1;
        if (t % 4 !== 0 && !near) {
          await r.wal.close();
          continue;
        }
        checkedAppend++;
        const next = r.wal.lastIndex + 1;
        await r.wal.save(hs(3, next - 1, 3), [ent(next, 3, 40)]);
        await r.wal.close();
        const again = await Wal.open(dir, SNAP0, opts);
        assert.deepEqual(plain(again.entries), plain([...want.entries, ent(next, 3, 40)]), `append after truncation at ${t}`);
        assert.deepEqual(again.hardState, hs(3, next - 1, 3));
        await again.wal.close();
      }
      assert.ok(checkedAppend >= (to - from) / 4, `${checkedAppend} appends checked`);
      assert.ok(to - from > 800, `${to - from} offsets`);
    }));

  test('a zeroed sector inside the last frame of a preallocated segment is a torn write: truncated', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META, { segmentBytes: 8192 });
      await w.save(hs(1, 0), ents(1, 3, 1, 50));
      await w.save(EMPTY_HARD_STATE, [ent(4, 1, 2000)]);
      await w.close();
      const file = segmentFiles(dir)[0]!;
      const original = fs.readFileSync(file);
      const lastRec = records(dir).at(-1)!;
      const recStart = lastRec.offset + 8;
      const recEnd = recStart + lastRec.size;
      const sectors: number[] = [];
      for (let s = Math.ceil(recStart / 512) * 512; s + 512 <= recEnd; s += 512) sectors.push(s);
      assert.ok(sectors.length >= 2);
      // One unwritten sector in the middle, or everything from a sector boundary on.
      const damages = [...sectors.map((s) => [s, s + 512] as const), ...sectors.map((s) => [s, original.length] as const)];
      for (const [a, b] of damages) {
        const buf = Buffer.from(original);
        buf.fill(0, a, b);
        fs.writeFileSync(file, buf);
        const r = await Wal.open(dir, SNAP0, { segmentBytes: 8192 });
        assert.deepEqual(plain(r.entries), plain(ents(1, 3, 1, 50)), `zeroed [${a}, ${b})`);
        assert.equal(r.wal.tailOffset, lastRec.offset);
        assert.deepEqual(r.wal.repairedTail, { file, offset: lastRec.offset, reason: r.wal.repairedTail?.reason });
        assert.match(r.wal.repairedTail?.reason ?? '', /crc mismatch|undecodable/);
        await r.wal.close();
        const after = fs.readFileSync(file);
        assert.equal(after.length, 8192);
        assert.ok(after.subarray(lastRec.offset).every((x) => x === 0), 'the torn frame was zeroed on disk');
      }
    }));

  test('a zeroed sector in a frame that is not the last one is corruption, not a torn tail', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META, { segmentBytes: 8192 });
      await w.save(EMPTY_HARD_STATE, [ent(1, 1, 2000)]);
      await w.save(hs(1, 1), [ent(2, 1, 10)]);
      await w.close();
      const file = segmentFiles(dir)[0]!;
      const big = records(dir)[3]!;
      const s = Math.ceil((big.offset + 8) / 512) * 512;
      const buf = fs.readFileSync(file);
      buf.fill(0, s, s + 512);
      fs.writeFileSync(file, buf);
      await assert.rejects(Wal.open(dir, SNAP0, { segmentBytes: 8192 }), (e: unknown) => {
        assert.ok(e instanceof WalCorruptError);
        assert.equal(e.file, file);
        assert.equal(e.offset, big.offset);
        assert.match(e.message, new RegExp(`${file} at offset ${big.offset}: crc mismatch`));
        return true;
      });
    }));

  test('a segment truncated mid-frame that is not the last segment is corruption', () =>
    withDir(async (dir) => {
      await build(dir);
      const first = segmentFiles(dir)[0]!;
      const size = fs.statSync(first).size;
      fs.truncateSync(first, size - 3);
      await assert.rejects(Wal.open(dir, SNAP0, opts), (e: unknown) => e instanceof WalCorruptError && e.file === first && /runs past end of file/.test(e.message));
    }));

  test('nonzero bytes after the zero tail of the last segment are corruption', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META, { segmentBytes: 8192 });
      await w.save(hs(1, 0), ents(1, 3, 1, 50));
      const tail = w.tailOffset;
      await w.close();
      const file = segmentFiles(dir)[0]!;
      const buf = fs.readFileSync(file);
      buf[7000] = 0x42;
      fs.writeFileSync(file, buf);
      await assert.rejects(Wal.open(dir, SNAP0), (e: unknown) => e instanceof WalCorruptError && e.offset === tail && /nonzero data after a zero length word/.test(e.message));
    }));
});
