import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Backend, Bucket } from '../../../server/src/backend/index.js';
import { disableFailpoint, enableFailpoint, FailpointError } from '../../../server/src/util/index.js';
import { randomBytes, revKey, tempDb, withBackend } from './helpers.js';

const child = fileURLToPath(new URL('./fixtures/crash-child.js', import.meta.url));

function all(b: Backend): Map<string, string> {
  const m = new Map<string, string>();
  for (const bucket of [Bucket.key, Bucket.lease, Bucket.meta]) {
    for (const [k, v] of b.range(bucket, Buffer.alloc(0))) m.set(`${bucket}/${k.toString('hex')}`, v.toString('hex'));
  }
  return m;
}

describe('defrag', () => {
  test('keeps every key and value (random data, many deletes) and shrinks the file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), async (seed) => {
        await withBackend(async (b, path) => {
          let s = seed;
          for (let i = 0; i < 1500; i++) {
            const key = randomBytes(++s, 1 + (s % 40));
            b.put(i % 3 === 0 ? Bucket.lease : Bucket.key, key, randomBytes(s * 7, s % 700));
          }
          await b.commit();
          const keys = b.range(Bucket.key, Buffer.alloc(0)).map(([k]) => k);
          keys.forEach((k, i) => {
            if (i % 8 !== 0) b.delete(Bucket.key, k);
          });
          b.setConsistentIndex(seed, 2);
          await b.commit();
          const before = all(b);
          const r = await b.defrag();
          assert.ok(r.sizeAfter < r.sizeBefore, `file shrinks: ${r.sizeAfter} < ${r.sizeBefore}`);
          assert.equal(b.size(), r.sizeAfter);
          assert.deepEqual(all(b), before);
          assert.deepEqual(b.consistentIndex(), { index: seed, term: 2 });
          assert.deepEqual(readdirSync(dirname(path)).sort(), ['db', 'db-lock']);
        });
      }),
      { numRuns: 4 },
    );
  });

  test('after defrag the new file takes writes and survives close/reopen', async () => {
    const t = tempDb();
    try {
      const b = Backend.open(t.path);
      for (let i = 0; i < 500; i++) b.put(Bucket.key, revKey(i), Buffer.alloc(100, 1));
      await b.commit();
      await b.defrag();
      for (let i = 500; i < 600; i++) b.put(Bucket.key, revKey(i), Buffer.alloc(100, 2));
      b.delete(Bucket.key, revKey(0));
      await b.commit();
      await b.defrag(); // a second defrag of the reopened file
      b.put(Bucket.key, revKey(600), Buffer.from('last'));
      await b.close();
      const again = Backend.open(t.path);
      assert.equal(again.count(Bucket.key), 600);
      assert.equal(again.get(Bucket.key, revKey(0)), undefined);
      assert.equal(again.get(Bucket.key, revKey(600))?.toString(), 'last');
      assert.deepEqual(again.get(Bucket.key, revKey(550)), Buffer.alloc(100, 2));
      await again.close();
    } finally {
      t.cleanup();
    }
  });

  test('writes during defrag wait for it (pending, readable) and then commit', async () => {
    await withBackend(async (b) => {
      for (let i = 0; i < 200; i++) b.put(Bucket.key, revKey(i), Buffer.alloc(50));
      await b.commit();
      const d = b.defrag();
      b.put(Bucket.key, revKey(999), Buffer.from('w'));
      const c = b.commit();
      assert.equal(b.get(Bucket.key, revKey(999))?.toString(), 'w');
      await Promise.all([d, c]);
      assert.equal(b.pendingWrites, 0);
      assert.equal(b.get(Bucket.key, revKey(999))?.toString(), 'w');
    });
  });

  test('a failure before the rename leaves the old file open and usable', async () => {
    await withBackend(async (b, path) => {
      for (let i = 0; i < 100; i++) b.put(Bucket.key, revKey(i), Buffer.from(`v${i}`));
      await b.commit();
      enableFailpoint('defragBeforeRename', 'throw');
      try {
        await assert.rejects(b.defrag(), FailpointError);
      } finally {
        disableFailpoint('defragBeforeRename');
      }
      assert.equal(existsSync(`${path}.defrag.tmp`), false);
      assert.equal(b.count(Bucket.key), 100);
      b.put(Bucket.key, revKey(100), Buffer.from('more'));
      await b.commit();
      assert.equal(b.count(Bucket.key), 101);
    });
  });

  for (const [where, failpoint] of [
    ['before the rename', 'defragBeforeRename=exit'],
    ['after the rename', 'defragAfterRename=exit'],
  ] as const) {
    test(`a crash ${where} leaves a complete db`, async () => {
      const t = tempDb();
      try {
        const r = spawnSync(process.execPath, [child, t.path, 'defrag'], {
          env: { ...process.env, CAIRN_FAILPOINTS: failpoint },
          encoding: 'utf8',
          timeout: 60_000,
        });
        assert.equal(r.signal, 'SIGKILL', r.stderr);
        const b = Backend.open(t.path);
        try {
          const keys = b.range(Bucket.key, Buffer.alloc(0));
          assert.equal(keys.length, 100);
          keys.forEach(([k, v], i) => {
            assert.deepEqual(k, revKey(i * 10));
            assert.deepEqual(v, Buffer.alloc(300, (i * 10) & 0xff));
          });
          assert.deepEqual(b.consistentIndex(), { index: 99, term: 3 });
          // the leftover copy of a crash before the rename is cleaned up on open
          assert.deepEqual(readdirSync(dirname(t.path)).sort(), ['db', 'db-lock']);
        } finally {
          await b.close();
        }
      } finally {
        t.cleanup();
      }
    });
  }
});
