import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { index, term } from '../../../server/src/raft/index.js';
import { Wal, WalCorruptError, WalSnapshotNotFoundError } from '../../../server/src/wal/index.js';
import { parseSegmentName } from '../../../server/src/wal/segment-name.js';
import { META, SNAP0, ents, hs, plain, records, withDir } from './helpers.js';

const SEG = 2048;
const opts = { segmentBytes: SEG };

/** Saves entries 1..n, `per` per save, 100-byte data; commit trails by 2. */
async function fill(dir: string, n: number, per = 3): Promise<Wal> {
  const w = await Wal.create(dir, META, opts);
  for (let i = 1; i <= n; i += per) {
    const to = Math.min(n, i + per - 1);
    await w.save(hs(1, Math.max(0, i - 2)), ents(i, to, 1, 100));
  }
  return w;
}

function walFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith('.wal')).sort();
}

describe('segments', () => {
  test('rollover: names carry seq and first index, each segment opens with its header', () =>
    withDir(async (dir) => {
      const w = await fill(dir, 60);
      const names = w.segmentNames;
      await w.close();
      assert.ok(names.length >= 4, `want several segments, got ${names.length}`);
      assert.deepEqual(walFiles(dir), names);
      const recs = records(dir);
      let lastIndexBefore = 0;
      let runningState = hs(0, 0);
      names.forEach((name, k) => {
        const seg = parseSegmentName(name)!;
        assert.equal(seg.seq, k);
        const mine = recs.filter((r) => r.file === path.join(dir, name));
        const types = mine.slice(0, 3).map((r) => r.record.type);
        assert.deepEqual(types, k === 0 ? ['crc', 'metadata', 'snapshot'] : ['crc', 'metadata', 'state']);
        if (k > 0) {
          // The name's index is the first entry this segment holds; the state is the last one.
          assert.equal(seg.index, lastIndexBefore + 1);
          assert.deepEqual(mine[2]!.record, { type: 'state', hardState: runningState });
          const firstEntry = mine.find((r) => r.record.type === 'entry');
          if (firstEntry !== undefined && firstEntry.record.type === 'entry') assert.equal(firstEntry.record.entry.index, seg.index);
        }
        for (const r of mine) {
          if (r.record.type === 'entry') lastIndexBefore = r.record.entry.index;
          if (r.record.type === 'state') runningState = r.record.hardState;
        }
        const size = fs.statSync(path.join(dir, name)).size;
        if (k < names.length - 1) {
          // A finished segment is cut at its last frame; the live one stays preallocated.
          const lastRec = mine[mine.length - 1]!;
          assert.equal(size, lastRec.offset + 8 + lastRec.size + ((8 - (lastRec.size % 8)) % 8));
        } else {
          assert.equal(size, SEG);
        }
      });
      const r = await Wal.open(dir, SNAP0, opts);
      assert.deepEqual(plain(r.entries), plain(ents(1, 60, 1, 100)));
      await r.wal.close();
    }));

  test('release deletes exactly the segments wholly before the index', () =>
    withDir(async (dir) => {
      const w = await fill(dir, 60);
      const segs = w.segmentNames.map((n) => parseSegmentName(n)!);
      const third = segs[2]!;
      await w.releaseTo(third.index - 1);
      // The segment holding third.index-1 is the second one: only the first goes.
      assert.deepEqual(walFiles(dir), segs.slice(1).map((s) => s.name));
      await w.releaseTo(third.index);
      assert.deepEqual(walFiles(dir), segs.slice(2).map((s) => s.name));
      await w.releaseTo(third.index); // idempotent
      assert.deepEqual(w.segmentNames, segs.slice(2).map((s) => s.name));
      await w.releaseTo(1_000_000); // never the last segment
      assert.deepEqual(w.segmentNames, [segs[segs.length - 1]!.name]);
      await w.close();
    }));

  test("release with a limit keeps that many segments, oldest deleted first; 0 keeps all (etcd's --max-wals)", () =>
    withDir(async (dir) => {
      const w = await fill(dir, 60);
      const all = w.segmentNames;
      assert.ok(all.length >= 4, `segments: ${all.length}`);
      await w.releaseTo(1_000_000, 0);
      assert.deepEqual(walFiles(dir), all, 'max-wals 0: nothing deleted');
      await w.releaseTo(1_000_000, 3);
      assert.deepEqual(walFiles(dir), all.slice(-3), 'the newest three stay');
      const segs = w.segmentNames.map((n) => parseSegmentName(n)!);
      await w.releaseTo(segs[1]!.index, 1);
      assert.deepEqual(walFiles(dir), all.slice(-2), 'a segment not yet released stays, whatever the limit');
      await w.close();
    }));

  test('reopen after release: at a snapshot in the kept segments; {0,0} is gone', () =>
    withDir(async (dir) => {
      const w = await fill(dir, 60);
      await w.save(hs(1, 58), []);
      await w.saveSnapshot({ index: index(40), term: term(1) });
      await w.releaseTo(40);
      const kept = w.segmentNames;
      await w.save(hs(1, 60), []);
      await w.close();
      assert.ok(parseSegmentName(kept[0]!)!.index <= 40);
      await assert.rejects(Wal.open(dir, SNAP0, opts), WalSnapshotNotFoundError);
      const r = await Wal.open(dir, { index: index(40), term: term(1) }, opts);
      assert.deepEqual(plain(r.entries), plain(ents(41, 60, 1, 100)));
      assert.deepEqual(r.hardState, hs(1, 60));
      await r.wal.save(hs(1, 60), ents(61, 70, 1, 100));
      await r.wal.close();
      const again = await Wal.open(dir, { index: index(40), term: term(1) }, opts);
      assert.equal(again.entries.length, 30);
      await again.wal.close();
    }));

  test('a gap in segment sequence numbers refuses to open, naming the file after the gap', () =>
    withDir(async (dir) => {
      const w = await fill(dir, 60);
      const names = w.segmentNames;
      await w.close();
      fs.unlinkSync(path.join(dir, names[1]!));
      await assert.rejects(Wal.open(dir, SNAP0, opts), (e: unknown) => {
        assert.ok(e instanceof WalCorruptError);
        assert.equal(e.file, path.join(dir, names[2]!));
        assert.equal(e.offset, 0);
        assert.match(e.message, /sequence jumps from 0 to 2/);
        return true;
      });
    }));

  test('leftover .tmp segments are removed at open', () =>
    withDir(async (dir) => {
      const w = await fill(dir, 10);
      await w.close();
      fs.writeFileSync(path.join(dir, '0000000000000009-0000000000000063.wal.tmp'), Buffer.alloc(100, 1));
      const r = await Wal.open(dir, SNAP0, opts);
      assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
      assert.equal(r.entries.length, 10);
      await r.wal.close();
    }));

  test('one save larger than a segment goes whole into the current segment, then cuts', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META, opts);
      await w.save(hs(1, 0), ents(1, 40, 1, 200)); // ~10 KB in a 2 KB segment
      assert.equal(w.segmentNames.length, 2);
      assert.equal(w.segmentNames[1], '0000000000000001-0000000000000029.wal');
      await w.save(hs(1, 40), ents(41, 41, 1, 10));
      await w.close();
      const r = await Wal.open(dir, SNAP0, opts);
      assert.equal(r.entries.length, 41);
      await r.wal.close();
    }));
});
