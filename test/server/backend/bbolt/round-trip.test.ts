import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BboltInputError,
  BboltUnknownBucketError,
  appendSha256,
  openBbolt,
  readViewSource,
  verifySnapshotFile,
  writeBboltFile,
  type BboltReader,
} from '../../../../server/src/backend/bbolt/index.js';
import { Backend, Bucket } from '../../../../server/src/backend/index.js';
import { randomBytes, rng, sortUnique, tempDir, toSource, type BucketData, type Pairs } from './helpers.js';

function readAll(r: BboltReader): BucketData[] {
  return r.bucketNames().map((name) => ({
    name: Buffer.from(name),
    pairs: [...r.entries(name)].map(([k, v]): [Buffer, Buffer] => [Buffer.from(k), Buffer.from(v)]),
  }));
}

/** Writes, reads back from the file and from memory, and checks both equal the input. */
async function roundTrip(buckets: BucketData[], pageSize?: number): Promise<void> {
  const t = tempDir();
  try {
    const path = join(t.dir, 'db');
    const result = await writeBboltFile(path, toSource(buckets), pageSize === undefined ? {} : { pageSize });
    const expected = toSource(buckets).map((b) => ({ name: b.name, pairs: b.entries }));
    assert.equal(result.keys, expected.reduce((n, b) => n + b.pairs.length, 0));
    for (const src of [path, readFileSync(path)]) {
      const r = openBbolt(src);
      try {
        assert.deepEqual(readAll(r), expected);
        const check = r.check();
        assert.equal(check.pages, result.pages);
        assert.equal(check.reachable, result.pages, 'every page below the high-water mark is reached');
        assert.equal(check.keys, result.keys);
        assert.equal(r.pageSize, pageSize ?? 4096);
      } finally {
        r.close();
      }
    }
  } finally {
    t.cleanup();
  }
}

function randomBuckets(seed: number, bucketCount: number, keysPerBucket: number): BucketData[] {
  const rand = rng(seed);
  const names = new Set<string>();
  while (names.size < bucketCount) names.add(randomBytes(rand, 1 + Math.floor(rand(12))).toString('hex'));
  return [...names].map((n) => {
    const pairs: Pairs = [];
    const count = Math.floor(rand(keysPerBucket + 1));
    for (let i = 0; i < count; i++) {
      const sizeClass = rand(100);
      const vlen = sizeClass < 10 ? 0 : sizeClass < 13 ? 4097 + Math.floor(rand(3000)) : sizeClass < 14 ? 65537 + Math.floor(rand(9000)) : Math.floor(rand(300));
      pairs.push([randomBytes(rand, 1 + Math.floor(rand(40))), randomBytes(rand, vlen)]);
    }
    return { name: Buffer.from(n, 'hex'), pairs: sortUnique(pairs) };
  });
}

describe('bbolt writer → reader round trip', () => {
  test('random buckets with empty, small, > 4 KiB and > 64 KiB values (several seeds)', async () => {
    for (const seed of [1, 2, 3, 4, 5]) await roundTrip(randomBuckets(seed, 1 + (seed % 4), 400));
  });

  test('one key', async () => {
    await roundTrip([{ name: Buffer.from('key'), pairs: [[Buffer.from('k'), Buffer.from('v')]] }]);
  });

  test('empty buckets and an empty database', async () => {
    await roundTrip([{ name: Buffer.from('a'), pairs: [] }, { name: Buffer.from('b'), pairs: [] }]);
    await roundTrip([]);
  });

  test('100,000 keys (a three-level tree)', async () => {
    const pairs: Pairs = [];
    for (let i = 0; i < 100_000; i++) {
      const k = Buffer.alloc(17);
      k.writeBigUInt64BE(BigInt(i + 1));
      pairs.push([k, Buffer.alloc(i % 50, i & 0xff)]);
    }
    await roundTrip([{ name: Buffer.from('key'), pairs }, { name: Buffer.from('meta'), pairs: [[Buffer.from('x'), Buffer.alloc(8)]] }]);
  });

  test('a single value far bigger than a page, and large keys that overflow branch pages', async () => {
    const rand = rng(9);
    const big: Pairs = [[Buffer.from('a'), randomBytes(rand, 300_000)]];
    const bigKeys: Pairs = [];
    for (let i = 0; i < 40; i++) bigKeys.push([Buffer.concat([Buffer.from([i]), randomBytes(rand, 5000)]), Buffer.from([i])]);
    await roundTrip([{ name: Buffer.from('big'), pairs: big }, { name: Buffer.from('bigkeys'), pairs: bigKeys }]);
  });

  test('other page sizes', async () => {
    for (const size of [1024, 16384]) await roundTrip(randomBuckets(11, 2, 300), size);
  });

  test('async sources are accepted', async () => {
    const t = tempDir();
    try {
      const path = join(t.dir, 'db');
      async function* entries(): AsyncGenerator<[Uint8Array, Uint8Array]> {
        for (let i = 0; i < 1000; i++) yield [Buffer.from(`k${String(i).padStart(4, '0')}`), Buffer.from(`v${i}`)];
      }
      async function* buckets(): AsyncGenerator<{ name: Uint8Array; entries: AsyncIterable<[Uint8Array, Uint8Array]> }> {
        yield { name: Buffer.from('x'), entries: entries() };
      }
      await writeBboltFile(path, buckets());
      const r = openBbolt(path);
      const got = [...r.entries('x')];
      r.close();
      assert.equal(got.length, 1000);
      assert.equal(got[999]?.[1].toString(), 'v999');
    } finally {
      t.cleanup();
    }
  });

  test('refuses unordered or duplicate keys, empty keys and unordered bucket names, leaving no file', async () => {
    const t = tempDir();
    try {
      const path = join(t.dir, 'db');
      const bad = [
        [{ name: Buffer.from('b'), entries: [[Buffer.from('2'), Buffer.alloc(0)], [Buffer.from('1'), Buffer.alloc(0)]] }],
        [{ name: Buffer.from('b'), entries: [[Buffer.from('1'), Buffer.alloc(0)], [Buffer.from('1'), Buffer.alloc(0)]] }],
        [{ name: Buffer.from('b'), entries: [[Buffer.alloc(0), Buffer.alloc(1)]] }],
        [{ name: Buffer.from('b'), entries: [] }, { name: Buffer.from('a'), entries: [] }],
        [{ name: Buffer.from('a'), entries: [] }, { name: Buffer.from('a'), entries: [] }],
        [{ name: Buffer.alloc(0), entries: [] }],
        [{ name: Buffer.from('b'), entries: [[Buffer.alloc(32769, 1), Buffer.alloc(0)]] }],
      ] as const;
      for (const source of bad) {
        await assert.rejects(writeBboltFile(path, source), BboltInputError);
        assert.equal(existsSync(path), false);
      }
    } finally {
      t.cleanup();
    }
  });

  test('reading a bucket the file does not hold throws', async () => {
    const t = tempDir();
    try {
      const path = join(t.dir, 'db');
      await writeBboltFile(path, [{ name: Buffer.from('a'), entries: [] }]);
      const r = openBbolt(path);
      assert.equal(r.has('a'), true);
      assert.equal(r.has('b'), false);
      assert.throws(() => [...r.entries('b')], BboltUnknownBucketError);
      r.close();
    } finally {
      t.cleanup();
    }
  });

  test('a Cairn backend exported through one read view, with a SHA-256 trailer, reads back equal', async () => {
    const t = tempDir();
    const backend = Backend.open(join(t.dir, 'member', 'snap', 'db'), { batchIntervalMs: 3_600_000, batchLimit: 1e9 });
    try {
      for (let i = 0; i < 500; i++) backend.put(Bucket.key, Buffer.from(`k${String(i).padStart(5, '0')}`), Buffer.alloc(i % 9, i));
      backend.put(Bucket.meta, Buffer.from('consistent_index'), Buffer.alloc(8, 1));
      backend.setConsistentIndex(42, 3);
      await backend.commit();
      backend.put(Bucket.key, Buffer.from('pending'), Buffer.from('yes'));
      const view = backend.readView();
      const path = join(t.dir, 'snap.db');
      try {
        const writing = writeBboltFile(path, readViewSource(view));
        backend.put(Bucket.key, Buffer.from('after-view'), Buffer.from('no'));
        await writing;
      } finally {
        view.release();
      }
      await appendSha256(path);
      assert.deepEqual(await verifySnapshotFile(path), { hasHash: true, dbSize: (await import('node:fs')).statSync(path).size - 32 });
      const r = openBbolt(path);
      try {
        assert.deepEqual(
          r.bucketNames().map(String),
          ['alarm', 'auth', 'authRoles', 'authUsers', 'cluster', 'key', 'lease', 'members', 'members_removed', 'meta'],
        );
        const keys = [...r.entries('key')].map(([k]) => k.toString());
        assert.equal(keys.length, 501);
        assert.ok(keys.includes('pending'), 'pending writes visible in the view are exported');
        assert.ok(!keys.includes('after-view'), 'writes after the view are not');
        const meta = new Map([...r.entries('meta')].map(([k, v]) => [k.toString(), v]));
        assert.equal(meta.get('consistent_index')?.readBigUInt64BE(), 42n);
      } finally {
        r.close();
      }
    } finally {
      await backend.close();
      t.cleanup();
    }
  });
});
