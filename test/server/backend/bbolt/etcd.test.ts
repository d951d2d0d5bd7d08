import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { appendSha256, openBbolt, verifySnapshotFile, writeBboltFile } from '../../../../server/src/backend/bbolt/index.js';
import { decodeKeyValue, encodeKeyValue, type KeyValue } from '../../../../server/src/mvcc/kv-codec.js';
import { decodeRevisionKey, encodeRevisionKey, revision } from '../../../../server/src/mvcc/revision.js';
import { crc32c } from '../../../../server/src/util/index.js';
import { ETCD_MISSING, etcdctl, freePort, startEtcd } from './etcd-process.js';
import { tempDir, toSource, type BucketData, type Pairs } from './helpers.js';

const EMPTY = Buffer.alloc(0);

interface Op {
  readonly key: string;
  readonly value?: string; // undefined: a delete
}

/**
 * etcd's `key` bucket for a history of single-op revisions starting at revision 2 (revision 1
 * is the empty store), as etcd 3.4 writes it: revision key → mvccpb.KeyValue (tombstones:
 * the 18-byte key ending in 't', holding a KeyValue with just the key).
 */
function keyBucket(ops: readonly Op[]): { pairs: Pairs; live: Map<string, KeyValue>; rev: number } {
  const pairs: Pairs = [];
  const live = new Map<string, KeyValue>();
  let rev = 1;
  for (const op of ops) {
    rev++;
    const key = Buffer.from(op.key);
    if (op.value === undefined) {
      live.delete(op.key);
      pairs.push([Buffer.from(encodeRevisionKey(revision(rev), true)), Buffer.from(encodeKeyValue({ key, createRevision: 0, modRevision: 0, version: 0, value: EMPTY, lease: 0n }))]);
      continue;
    }
    const prev = live.get(op.key);
    const kv: KeyValue = { key, createRevision: prev?.createRevision ?? rev, modRevision: rev, version: (prev?.version ?? 0) + 1, value: Buffer.from(op.value), lease: 0n };
    live.set(op.key, kv);
    pairs.push([Buffer.from(encodeRevisionKey(revision(rev))), Buffer.from(encodeKeyValue(kv))]);
  }
  return { pairs, live, rev };
}

function uint64be(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** All of etcd 3.4's buckets; `key` and `meta` filled. */
function etcdLayout(keyPairs: Pairs, consistentIndex: number): BucketData[] {
  const empty = ['alarm', 'auth', 'authRoles', 'authUsers', 'cluster', 'lease', 'members', 'members_removed'];
  return [
    ...empty.map((n) => ({ name: Buffer.from(n), pairs: [] as Pairs })),
    { name: Buffer.from('key'), pairs: keyPairs },
    { name: Buffer.from('meta'), pairs: [[Buffer.from('consistent_index'), uint64be(consistentIndex)]] },
  ];
}

const OPS: Op[] = [];
for (let i = 0; i < 3000; i++) OPS.push({ key: `/registry/k${i % 1200}`, value: `value-${i}-${'x'.repeat(i % 300)}` });
for (let i = 0; i < 100; i++) OPS.push({ key: `/registry/k${i * 7}` });
OPS.push({ key: 'big', value: 'B'.repeat(70_000) });

interface JsonKv {
  key: string;
  value?: string;
  create_revision: number;
  mod_revision: number;
  version: number;
}

describe('bbolt files and real etcd 3.4 tools', { skip: ETCD_MISSING }, () => {
  test('etcdctl snapshot status accepts our file: revision, totalKey, hash, size', async () => {
    const t = tempDir();
    try {
      const { pairs, rev } = keyBucket(OPS);
      const buckets = etcdLayout(pairs, 12345);
      const path = join(t.dir, 'snap.db');
      const written = await writeBboltFile(path, toSource(buckets));
      await appendSha256(path);
      // The hash etcdctl computes: CRC-32C over each bucket's name, then its keys and values, in order.
      let hash = 0;
      let total = 0;
      for (const b of toSource(buckets)) {
        hash = crc32c(b.name, hash);
        for (const [k, v] of b.entries) {
          hash = crc32c(v, crc32c(k, hash));
          total++;
        }
      }
      const status = JSON.parse(await etcdctl(['snapshot', 'status', path, '-w', 'json'])) as Record<string, number>;
      assert.deepEqual(status, { hash, revision: rev, totalKey: total, totalSize: written.bytes });
    } finally {
      t.cleanup();
    }
  });

  test('a snapshot saved by a real etcd reads back: every key matches what etcd serves', async () => {
    const t = tempDir();
    const etcd = await startEtcd(join(t.dir, 'etcd'));
    try {
      const ep = ['--endpoints', etcd.endpoint];
      const granted = await etcdctl([...ep, 'lease', 'grant', '600']);
      const leaseHex = /lease ([0-9a-f]+) granted/.exec(granted)?.[1];
      assert.ok(leaseHex !== undefined, granted);
      for (let i = 0; i < 30; i++) await etcdctl([...ep, 'put', `k${i % 12}`, `v${i}`.repeat(1 + i)]);
      await etcdctl([...ep, 'put', 'leased', 'x', `--lease=${leaseHex}`]);
      await etcdctl([...ep, 'del', 'k3']);
      const served = JSON.parse(await etcdctl([...ep, 'get', '--prefix', '', '-w', 'json'])) as { header: { revision: number }; kvs: JsonKv[] };
      const path = join(t.dir, 'saved.db');
      await etcdctl([...ep, 'snapshot', 'save', path]);

      assert.equal((await verifySnapshotFile(path)).hasHash, true);
      const r = openBbolt(path);
      try {
        const check = r.check();
        assert.equal(check.reachable + check.free, r.highWater);
        assert.ok([...r.buckets()].some((b) => b.inline), 'etcd keeps small buckets inline; they are read too');
        // Our reading of every bucket gives the hash and key count etcdctl computes from the same file.
        let hash = 0;
        let total = 0;
        for (const name of r.bucketNames()) {
          hash = crc32c(name, hash);
          for (const [k, v] of r.entries(name)) {
            hash = crc32c(v, crc32c(k, hash));
            total++;
          }
        }
        const status = JSON.parse(await etcdctl(['snapshot', 'status', path, '-w', 'json'])) as Record<string, number>;
        assert.equal(status['hash'], hash);
        assert.equal(status['totalKey'], total);
        assert.equal(status['totalSize'], r.highWater * r.pageSize);
        const latest = new Map<string, KeyValue | undefined>();
        let lastRev = 0;
        for (const [k, v] of r.entries('key')) {
          const { rev, tombstone } = decodeRevisionKey(k);
          assert.ok(rev.main >= lastRev, 'revisions ascend');
          lastRev = rev.main;
          const kv = decodeKeyValue(v);
          latest.set(Buffer.from(kv.key).toString(), tombstone ? undefined : kv);
        }
        assert.equal(lastRev, served.header.revision);
        const ours = [...latest.entries()].filter((e): e is [string, KeyValue] => e[1] !== undefined).sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
        assert.deepEqual(
          ours.map(([key, kv]) => ({ key, value: Buffer.from(kv.value).toString(), create_revision: kv.createRevision, mod_revision: kv.modRevision, version: kv.version })),
          served.kvs.map((kv) => ({ key: Buffer.from(kv.key, 'base64').toString(), value: Buffer.from(kv.value ?? '', 'base64').toString(), create_revision: kv.create_revision, mod_revision: kv.mod_revision, version: kv.version })),
        );
        assert.equal(latest.get('leased')?.lease, BigInt(`0x${leaseHex}`));
        assert.deepEqual([...r.entries('lease')].map(([k]) => k.readBigUInt64BE()), [BigInt(`0x${leaseHex}`)]);
        const meta = new Map([...r.entries('meta')].map(([k, v]) => [k.toString(), v]));
        assert.ok((meta.get('consistent_index')?.readBigUInt64BE() ?? 0n) > 0n);
      } finally {
        r.close();
      }
    } finally {
      await etcd.stop();
      t.cleanup();
    }
  });

  test('etcdctl snapshot restore of our file starts an etcd that serves our keys at our revisions', async () => {
    const t = tempDir();
    try {
      const { pairs, live, rev } = keyBucket(OPS);
      const path = join(t.dir, 'snap.db');
      await writeBboltFile(path, toSource(etcdLayout(pairs, 500)));
      await appendSha256(path);
      const peerPort = await freePort();
      const peer = `http://127.0.0.1:${peerPort}`;
      const dataDir = join(t.dir, 'restored');
      await etcdctl(['snapshot', 'restore', path, '--name', 'r1', '--data-dir', dataDir, '--initial-cluster', `r1=${peer}`, '--initial-advertise-peer-urls', peer]);
      const etcd = await startEtcd(dataDir, 'r1', peerPort);
      try {
        const got = JSON.parse(await etcdctl(['--endpoints', etcd.endpoint, 'get', '--prefix', '', '-w', 'json'])) as { header: { revision: number }; kvs: JsonKv[] };
        assert.equal(got.header.revision, rev);
        const want = [...live.values()].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
        assert.deepEqual(
          got.kvs.map((kv) => ({ key: Buffer.from(kv.key, 'base64').toString(), value: Buffer.from(kv.value ?? '', 'base64').toString(), c: kv.create_revision, m: kv.mod_revision, v: kv.version })),
          want.map((kv) => ({ key: Buffer.from(kv.key).toString(), value: Buffer.from(kv.value).toString(), c: kv.createRevision, m: kv.modRevision, v: kv.version })),
        );
        // And etcd keeps writing to the file it took over from us.
        await etcdctl(['--endpoints', etcd.endpoint, 'put', 'after-restore', 'ok']);
        const after = JSON.parse(await etcdctl(['--endpoints', etcd.endpoint, 'get', 'after-restore', '-w', 'json'])) as { kvs: JsonKv[] };
        assert.equal(after.kvs[0]?.mod_revision, rev + 1);
      } finally {
        await etcd.stop();
      }
    } finally {
      t.cleanup();
    }
  });
});
