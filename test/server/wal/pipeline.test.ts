import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Wal } from '../../../server/src/wal/index.js';
import { waitFor } from '../../support/wait-for.js';
import { META, SNAP0, ents, hs, plain, withDir } from './helpers.js';

const SEG = 256 * 1024;
const opts = { segmentBytes: SEG };

/** Saves batches of ten 1000-byte entries until the tail passes `until`; returns the next index. */
async function fillTo(w: Wal, until: () => boolean, next: number): Promise<number> {
  while (!until()) {
    await w.save(hs(1, next - 1), ents(next, next + 9, 1, 1000));
    next += 10;
  }
  return next;
}

const tmpFiles = (dir: string): string[] => fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'));
const walFiles = (dir: string): string[] => fs.readdirSync(dir).filter((n) => n.endsWith('.wal')).sort();

describe('segment pipeline', () => {
  test('past half a segment the next one is prepared with zeros; the cut uses it, fully allocated', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META, opts);
      let next = await fillTo(w, () => w.tailOffset >= SEG / 2, 1);
      await waitFor(() => w.nextSegmentReady, 'the next segment to be prepared', 20_000);
      assert.equal(tmpFiles(dir).length, 1);
      next = await fillTo(w, () => walFiles(dir).length >= 2, next);
      assert.equal(w.nextSegmentReady, false);
      assert.deepEqual(tmpFiles(dir), []);
      // The new segment was written through with zeros: its blocks are allocated, not a hole.
      const st = fs.statSync(path.join(dir, walFiles(dir)[1]!));
      assert.equal(st.size, SEG);
      assert.ok(st.blocks * 512 >= SEG, `segment has ${st.blocks * 512} bytes allocated of ${SEG}`);
      await w.close();
      const r = await Wal.open(dir, SNAP0, opts);
      assert.deepEqual(plain(r.entries), plain(ents(1, next - 1, 1, 1000)));
      await r.wal.close();
    }));

  test('close waits for a preparation under way and leaves no temp file', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META, opts);
      await fillTo(w, () => w.tailOffset >= SEG / 2, 1);
      assert.equal(w.nextSegmentReady, false, 'preparation has only just started');
      await w.close();
      assert.deepEqual(tmpFiles(dir), []);
      assert.deepEqual(walFiles(dir), ['0000000000000000-0000000000000000.wal']);
    }));

  test('a prepared file left by a crash is removed at open and the log is whole', () =>
    withDir(async (dir) => {
      const w = await Wal.create(dir, META, opts);
      await w.save(hs(1, 0), ents(1, 5, 1, 100));
      await w.close();
      fs.writeFileSync(path.join(dir, 'prealloc-0.tmp'), Buffer.alloc(4096));
      const r = await Wal.open(dir, SNAP0, opts);
      assert.deepEqual(tmpFiles(dir), []);
      assert.equal(r.entries.length, 5);
      await r.wal.close();
    }));
});
