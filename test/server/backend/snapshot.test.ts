import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import {
  Backend,
  Bucket,
  SNAPSHOT_DIGEST_BYTES,
  SnapshotDigestError,
  verifySnapshotDigest,
} from '../../../server/src/backend/index.js';
import { randomBytes, revKey, tempDb, waitFor, withBackend } from './helpers.js';

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function leftovers(path: string): string[] {
  return readdirSync(dirname(path)).filter((n) => n.endsWith('.tmp'));
}

describe('snapshot stream', () => {
  test('streams the db and its SHA-256; the digest verifies, a flipped byte does not; the bytes open as a db with every key', async () => {
    await withBackend(async (b, path) => {
      const expected = new Map<string, Buffer>();
      for (let i = 0; i < 2000; i++) {
        const v = randomBytes(i + 1, i % 300);
        b.put(Bucket.key, revKey(i), v);
        expected.set(revKey(i).toString('hex'), v);
      }
      b.put(Bucket.members, Buffer.from('m1'), Buffer.from('{"id":1}'));
      b.setConsistentIndex(2000, 4);
      // still pending: snapshot() commits first
      const snap = await b.snapshot();
      b.put(Bucket.key, revKey(5000), Buffer.from('after the snapshot'));
      await b.commit();
      const bytes = await collect(snap.stream);
      assert.equal(bytes.length, snap.size);
      assert.equal(snap.size, snap.dbSize + SNAPSHOT_DIGEST_BYTES);
      assert.deepEqual(await verifySnapshotDigest(bytes), { dbSize: snap.dbSize });
      assert.deepEqual(leftovers(path), []);

      for (const pos of [0, Math.floor(snap.dbSize / 2), snap.dbSize - 1, snap.size - 1]) {
        const bad = Buffer.from(bytes);
        bad[pos] = (bad[pos] ?? 0) ^ 0x01;
        await assert.rejects(verifySnapshotDigest(bad), SnapshotDigestError);
      }
      await assert.rejects(verifySnapshotDigest(bytes.subarray(0, 10)), SnapshotDigestError);

      // as a file: verify, then open the db part with the backend
      const t = tempDb();
      try {
        const file = join(t.dir, 'snapshot.db');
        writeFileSync(file, bytes);
        assert.deepEqual(await verifySnapshotDigest(file), { dbSize: snap.dbSize });
        const badFile = join(t.dir, 'bad.db');
        const bad = Buffer.from(bytes);
        bad[100] = (bad[100] ?? 0) ^ 0xff;
        writeFileSync(badFile, bad);
        await assert.rejects(verifySnapshotDigest(badFile), SnapshotDigestError);
        const restoredPath = join(t.dir, 'restored', 'db');
        const restored = Backend.open(restoredPath);
        await restored.close();
        writeFileSync(restoredPath, bytes.subarray(0, snap.dbSize));
        const r = Backend.open(restoredPath);
        try {
          const got = r.range(Bucket.key, Buffer.alloc(0));
          assert.equal(got.length, expected.size);
          for (const [k, v] of got) assert.deepEqual(v, expected.get(k.toString('hex')));
          assert.equal(r.get(Bucket.key, revKey(5000)), undefined);
          assert.equal(r.get(Bucket.members, Buffer.from('m1'))?.toString(), '{"id":1}');
          assert.deepEqual(r.consistentIndex(), { index: 2000, term: 4 });
        } finally {
          await r.close();
        }
      } finally {
        t.cleanup();
      }
    });
  });

  test('writers are not blocked while a snapshot is streamed slowly', async () => {
    await withBackend(async (b) => {
      for (let i = 0; i < 3000; i++) b.put(Bucket.key, revKey(i), Buffer.alloc(500, 3));
      const snap = await b.snapshot();
      const it = snap.stream[Symbol.asyncIterator]();
      const first = await it.next(); // streaming has started and is paused here
      assert.equal(first.done, false);
      for (let i = 3000; i < 3100; i++) b.put(Bucket.key, revKey(i), Buffer.from('new'));
      await b.commit();
      assert.equal(b.count(Bucket.key), 3100);
      const rest: Buffer[] = [first.value as Buffer];
      for (let r = await it.next(); r.done !== true; r = await it.next()) rest.push(r.value as Buffer);
      const bytes = Buffer.concat(rest);
      await verifySnapshotDigest(bytes);
    });
  });

  test('the temporary copy is removed when the stream is destroyed, read or not', async () => {
    await withBackend(async (b, path) => {
      for (let i = 0; i < 3000; i++) b.put(Bucket.key, revKey(i), Buffer.alloc(500, 3));
      const unread = await b.snapshot();
      assert.equal(leftovers(path).length, 1);
      unread.stream.destroy();
      await waitFor(() => leftovers(path).length === 0, 'temp copy removal after destroy');

      const partly = await b.snapshot();
      await once(partly.stream, 'readable');
      assert.ok(partly.stream.read() !== null);
      const errors: unknown[] = [];
      partly.stream.on('error', (e) => errors.push(e));
      const closed = new Promise((resolve) => partly.stream.once('close', resolve));
      partly.stream.destroy(new Error('client went away'));
      await closed;
      assert.equal(errors.length, 1);
      await waitFor(() => leftovers(path).length === 0, 'temp copy removal after abort');
    });
  });

  test('a snapshot copy taken while defrag runs is consistent', async () => {
    await withBackend(async (b) => {
      for (let i = 0; i < 1000; i++) b.put(Bucket.key, revKey(i), Buffer.alloc(100, 9));
      await b.commit();
      for (let i = 0; i < 900; i++) b.delete(Bucket.key, revKey(i));
      const d = b.defrag();
      const s = b.snapshot();
      const [, snap] = await Promise.all([d, s]);
      const bytes = await collect(snap.stream);
      await verifySnapshotDigest(bytes);
      assert.equal(b.count(Bucket.key), 100);
    });
  });
});
