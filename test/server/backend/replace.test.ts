import assert from 'node:assert/strict';
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { Backend, Bucket } from '../../../server/src/backend/index.js';
import { revKey, tempDb } from './helpers.js';

/** A db file holding keys [from, to) of the key bucket, made by another backend's snapshot copy. */
async function dbFileWith(dir: string, from: number, to: number): Promise<string> {
  const t = tempDb();
  try {
    const other = Backend.open(t.path);
    for (let i = from; i < to; i++) other.put(Bucket.key, revKey(i), Buffer.from(`v${i}`));
    other.setConsistentIndex(to, 2);
    const snap = await other.snapshot();
    const file = join(dir, 'incoming.snap.db');
    let left = snap.dbSize;
    await pipeline(
      snap.stream,
      async function* (src: AsyncIterable<Buffer>) {
        for await (const c of src) {
          const part = c.subarray(0, Math.max(0, Math.min(c.length, left)));
          left -= part.length;
          if (part.length > 0) yield part;
        }
      },
      createWriteStream(file),
    );
    await other.close();
    return file;
  } finally {
    t.cleanup();
  }
}

describe('replacing the db with a received one', () => {
  test('drops pending writes, serves the new content from the swap on, and keeps it after reopening', async () => {
    const t = tempDb();
    try {
      const b = Backend.open(t.path, { batchIntervalMs: 3_600_000, batchLimit: 1e9 });
      for (let i = 0; i < 50; i++) b.put(Bucket.key, revKey(i), Buffer.from('old'));
      await b.commit();
      b.put(Bucket.key, revKey(999), Buffer.from('pending, superseded'));
      const file = await dbFileWith(t.dir, 100, 130);
      let seenInSwap = -1;
      await b.replaceWith(file, () => (seenInSwap = b.count(Bucket.key)));
      assert.equal(seenInSwap, 30, 'the callback already reads the new file');
      assert.equal(existsSync(file), false, 'the file was moved into place');
      assert.equal(b.get(Bucket.key, revKey(0)), undefined);
      assert.equal(b.get(Bucket.key, revKey(999)), undefined, 'a write pending at the swap is dropped');
      assert.equal(b.get(Bucket.key, revKey(120))?.toString(), 'v120');
      assert.deepEqual(b.consistentIndex(), { index: 130, term: 2 });
      b.put(Bucket.key, revKey(200), Buffer.from('after'));
      await b.close();
      const again = Backend.open(t.path);
      assert.equal(again.count(Bucket.key), 31);
      assert.equal(again.get(Bucket.key, revKey(200))?.toString(), 'after');
      await again.close();
    } finally {
      t.cleanup();
    }
  });

  test('a missing file is refused before anything changes', async () => {
    const t = tempDb();
    try {
      const b = Backend.open(t.path);
      b.put(Bucket.key, revKey(1), Buffer.from('old'));
      await assert.rejects(b.replaceWith(join(t.dir, 'no-such.snap.db')), /ENOENT/);
      assert.equal(b.get(Bucket.key, revKey(1))?.toString(), 'old');
      await b.close();
    } finally {
      t.cleanup();
    }
  });
});
