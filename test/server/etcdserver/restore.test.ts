import assert from 'node:assert/strict';
import { createWriteStream, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { ALL_BUCKETS, Backend, Bucket } from '../../../server/src/backend/index.js';
import { appendSha256, openBbolt, writeBboltFile } from '../../../server/src/backend/bbolt/index.js';
import { type EtcdServer, RestoreError, restoreSnapshot, type RestoreTarget } from '../../../server/src/etcdserver/index.js';
import { authpb } from '../../../server/src/pb/index.js';
import { Wal } from '../../../server/src/wal/index.js';
import { etcdctl } from '../../e2e/cluster-process.js';
import { PEER, memberConfig, started, withDir } from './helpers.js';
import { prng } from '../../support/prng.js';

const b = (s: string): Buffer => Buffer.from(s);

function target(dataDir: string, over: Partial<RestoreTarget> = {}): RestoreTarget {
  return { name: 'm1', dataDir, peerUrls: [PEER], initialCluster: new Map([['m1', [PEER]]]), initialClusterToken: 'etcd-cluster', ...over };
}

/** The member's Snapshot stream written to a file, trailer included, as etcdctl saves it. */
async function saveSnapshot(s: EtcdServer, file: string): Promise<void> {
  const { chunks } = await s.snapshot();
  const out = createWriteStream(file);
  for await (const c of chunks) out.write(c);
  out.end();
  await finished(out);
}


/** Random history: puts (some on leases), deletes of keys and ranges, txns; then a compaction. */
async function randomHistory(s: EtcdServer, seed: number): Promise<{ compactedAt: number; leases: bigint[] }> {
  const rand = prng(seed);
  const key = (): Buffer => b(`k${String(Math.floor(rand() * 60)).padStart(3, '0')}`);
  const leases: bigint[] = [];
  for (let i = 0; i < 3; i++) leases.push((await s.leaseGrant(0n, 600 + i)).id);
  let compactedAt = 0;
  for (let i = 0; i < 400; i++) {
    const r = rand();
    if (r < 0.6) {
      const lease = rand() < 0.2 ? leases[Math.floor(rand() * leases.length)] : undefined;
      await s.put({ key: key(), value: b(`v${i}-${'x'.repeat(Math.floor(rand() * 300))}`), ...(lease === undefined ? {} : { lease }) });
    } else if (r < 0.75) {
      await s.deleteRange({ key: key() });
    } else if (r < 0.8) {
      const from = key();
      await s.deleteRange({ key: from, rangeEnd: Buffer.concat([from, b('5')]) });
    } else {
      const k = key();
      await s.txn({ compare: [{ result: 0, target: 0, key: k, version: 0 }], success: [{ put: { key: k, value: b(`t${i}`) } }], failure: [{ deleteRange: { key: k } }] });
    }
    if (i === 200) compactedAt = s.header().revision - 50;
  }
  await s.compact(compactedAt, true);
  return { compactedAt, leases };
}

/** Everything a reader could see at `rev`, as text, in key order. */
async function rangeAt(s: EtcdServer, rev: number): Promise<string> {
  const r = await s.range({ key: b('\0'), rangeEnd: b('\0'), revision: rev });
  return r.kvs.map((kv) => [Buffer.from(kv.key).toString(), kv.createRevision, kv.modRevision, kv.version, kv.lease, Buffer.from(kv.value).toString()].join(' ')).join('\n');
}

/**
 * Users and roles as etcd stores them (authpb encodings in authUsers/authRoles, the auth
 * revision in auth), written into a stopped member's backend: Cairn serves no Auth API yet
 * (issue 8), but its snapshots must carry these buckets both ways.
 */
async function addUsersAndRoles(dbPath: string): Promise<string[]> {
  const be = Backend.open(dbPath);
  try {
    for (const name of ['alice', 'bob', 'root']) {
      be.put(Bucket.authUsers, b(name), authpb.User.encode({ name: b(name), password: b(`$2a$10$hash-of-${name}`), roles: name === 'bob' ? [] : ['reader'] }).finish());
    }
    be.put(Bucket.authRoles, b('reader'), authpb.Role.encode({ name: b('reader'), keyPermission: [{ permType: 0, key: b('k'), rangeEnd: b('l') }] }).finish());
    const rev = Buffer.alloc(8);
    rev.writeBigUInt64BE(4n);
    be.put(Bucket.auth, b('authRevision'), rev);
    await be.commit();
  } finally {
    await be.close();
  }
  return authPairs(dbPath);
}

async function authPairs(dbPath: string): Promise<string[]> {
  const be = Backend.open(dbPath);
  try {
    return [Bucket.auth, Bucket.authUsers, Bucket.authRoles].flatMap((bucket) =>
      be.range(bucket, new Uint8Array(0)).map(([k, v]) => `${bucket} ${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`),
    );
  } finally {
    await be.close();
  }
}

/** Pairs in every bucket of a backend. */
async function pairsIn(dbPath: string): Promise<number> {
  const be = Backend.open(dbPath);
  try {
    return ALL_BUCKETS.reduce((n, bucket) => n + be.count(bucket), 0);
  } finally {
    await be.close();
  }
}

/** The real etcdctl's reading of a snapshot file. */
async function etcdctlStatus(file: string): Promise<{ revision: number; totalKey: number }> {
  const r = await etcdctl(['snapshot', 'status', file, '-w', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { revision: number; totalKey: number };
}

/** Entries of the restored dir left behind by a refused restore: none, not even the tmp sibling. */
function assertNothingWritten(dir: string, name: string): void {
  assert.equal(existsSync(join(dir, name)), false, `${name} must not exist`);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes(name)), [], 'no leftovers beside the target');
}

describe('snapshot restore', () => {
  for (const seed of [1, 2]) {
    test(`a restored member serves the same ranges at every retained revision (seed ${seed})`, () =>
      withDir(async (dir) => {
        const file = join(dir, 'snap.db');
        const first = await started(memberConfig(join(dir, 'src')));
        const { compactedAt } = await randomHistory(first, seed);
        await first.stop();
        const auth = await addUsersAndRoles(join(dir, 'src', 'member', 'snap', 'db'));
        const src = await started(memberConfig(join(dir, 'src')));
        const current = src.header().revision;
        const expected = new Map<number, string>();
        let leases: string;
        try {
          for (let rev = compactedAt; rev <= current; rev++) expected.set(rev, await rangeAt(src, rev));
          leases = JSON.stringify((await src.leaseLeases()).map((l) => l.id.toString()).sort());
          await saveSnapshot(src, file);
        } finally {
          await src.stop();
        }
        const status = await etcdctlStatus(file);
        assert.equal(status.revision, current, 'etcdctl snapshot status: the revision');
        assert.equal(status.totalKey, await pairsIn(join(dir, 'src', 'member', 'snap', 'db')), 'etcdctl snapshot status: every pair of every bucket');
        const summary = await restoreSnapshot(file, target(join(dir, 'restored')));
        assert.equal(summary.index, 1);
        assert.deepEqual(await authPairs(join(dir, 'restored', 'member', 'snap', 'db')), auth, 'users and roles, byte for byte');
        const dst = await started(memberConfig(join(dir, 'restored')));
        try {
          assert.equal(dst.header().revision, current);
          for (const [rev, want] of expected) assert.equal(await rangeAt(dst, rev), want, `range at revision ${rev}`);
          await assert.rejects(dst.range({ key: b('a'), revision: compactedAt - 1 }), /compacted/);
          assert.equal(JSON.stringify((await dst.leaseLeases()).map((l) => l.id.toString()).sort()), leases);
          const p = await dst.put({ key: b('after'), value: b('restore') });
          assert.equal(p.header.revision, current + 1, 'revisions continue from the snapshot');
        } finally {
          await dst.stop();
        }
      }));
  }

  test('the new member and cluster ids derive from the new cluster, and the old membership is gone', () =>
    withDir(async (dir) => {
      const file = join(dir, 'snap.db');
      const src = await started(memberConfig(join(dir, 'src')));
      await src.put({ key: b('a'), value: b('1') });
      await saveSnapshot(src, file);
      await src.stop();
      const cluster = new Map([
        ['n1', ['http://10.0.0.1:2380']],
        ['n2', ['http://10.0.0.2:2380']],
        ['n3', ['http://10.0.0.3:2380']],
      ]);
      const s = await restoreSnapshot(file, target(join(dir, 'n2'), { name: 'n2', peerUrls: ['http://10.0.0.2:2380'], initialCluster: cluster, initialClusterToken: 'tok' }));
      assert.equal(s.index, 3);
      assert.deepEqual(s.members.map((m) => m.name).sort(), ['n1', 'n2', 'n3']);
      const backend = Backend.open(join(dir, 'n2', 'member', 'snap', 'db'));
      try {
        const names = backend.range(Bucket.members, new Uint8Array(0)).map(([, v]) => (JSON.parse(Buffer.from(v).toString()) as { name: string }).name);
        assert.deepEqual(names.sort(), ['n1', 'n2', 'n3']);
        assert.equal(backend.consistentIndex().index, 3);
      } finally {
        await backend.close();
      }
      const { wal, metadata, entries, hardState } = await Wal.open(join(dir, 'n2', 'member', 'wal'), { index: 0 as never, term: 0 as never });
      await wal.close();
      assert.equal(entries.length, 3);
      assert.equal(hardState.commit, 3);
      assert.ok(metadata.byteLength > 0);
      assert.equal(s.memberId, s.members.find((m) => m.name === 'n2')?.id);
    }));
});

describe('snapshot restore refuses, writing nothing', () => {
  async function goodSnapshot(dir: string): Promise<string> {
    const file = join(dir, 'good.db');
    const src = await started(memberConfig(join(dir, 'src')));
    for (let i = 0; i < 300; i++) await src.put({ key: b(`key-${i}`), value: b('v'.repeat(200)) });
    await saveSnapshot(src, file);
    await src.stop();
    return file;
  }

  async function refused(file: string, dir: string, pattern: RegExp, over: Partial<RestoreTarget> = {}): Promise<void> {
    await assert.rejects(restoreSnapshot(file, target(join(dir, 'out'), over)), (err: unknown) => {
      assert.match(String(err), pattern);
      return true;
    });
    assertNothingWritten(dir, 'out');
  }

  test('a flipped bit in the trailer, or in a page under a valid-looking trailer', () =>
    withDir(async (dir) => {
      const good = await goodSnapshot(dir);
      const bytes = readFileSync(good);
      const trailerFlip = Buffer.from(bytes);
      trailerFlip[trailerFlip.length - 3]! ^= 0x10;
      writeFileSync(join(dir, 't.db'), trailerFlip);
      await refused(join(dir, 't.db'), dir, /^RestoreError: expected sha256 \[[\d ]+\], got \[[\d ]+\] \(.*offset \d+/);
      const pageFlip = Buffer.from(bytes);
      pageFlip[4096 * 3 + 100]! ^= 0x01;
      writeFileSync(join(dir, 'p.db'), pageFlip);
      await refused(join(dir, 'p.db'), dir, /expected sha256/);
    }));

  test('a damaged page whose trailer was recomputed is caught by the page check, naming the page', () =>
    withDir(async (dir) => {
      const good = await goodSnapshot(dir);
      const bytes = readFileSync(good);
      const db = Buffer.from(bytes.subarray(0, bytes.length - 32));
      db.writeUInt16LE(0xbeef, 4096 * 2 + 8); // page 2's flags: no such page type
      writeFileSync(join(dir, 'd.db'), db);
      await appendSha256(join(dir, 'd.db'));
      await refused(join(dir, 'd.db'), dir, /bbolt .*d\.db: page \d+ offset \d+/);
    }));

  test('truncation: no trailer (etcd asks for --skip-hash-check), then with it the short file is named', () =>
    withDir(async (dir) => {
      const good = await goodSnapshot(dir);
      writeFileSync(join(dir, 'cut.db'), readFileSync(good).subarray(0, 4096 * 4));
      await refused(join(dir, 'cut.db'), dir, /^RestoreError: snapshot missing hash but --skip-hash-check=false$/);
      await refused(join(dir, 'cut.db'), dir, /BboltTruncatedError: .*cut\.db.*file has 16384 bytes/, { skipHashCheck: true });
    }));

  test('both meta pages damaged', () =>
    withDir(async (dir) => {
      const good = await goodSnapshot(dir);
      const bytes = readFileSync(good);
      const db = Buffer.from(bytes.subarray(0, bytes.length - 32));
      db[16 + 40]! ^= 0xff;
      db[4096 + 16 + 40]! ^= 0xff;
      writeFileSync(join(dir, 'm.db'), db);
      await refused(join(dir, 'm.db'), dir, /BboltMetaError/, { skipHashCheck: true });
    }));

  test('an existing target, a name missing from the cluster, mismatched peer URLs, a missing file', () =>
    withDir(async (dir) => {
      const good = await goodSnapshot(dir);
      await restoreSnapshot(good, target(join(dir, 'taken')));
      await assert.rejects(restoreSnapshot(good, target(join(dir, 'taken'))), new RestoreError(`data-dir "${join(dir, 'taken')}" exists`));
      await refused(good, dir, /^RestoreError: couldn't find local name "zz" in the initial cluster configuration$/, { name: 'zz' });
      await refused(good, dir, /--initial-cluster has m1=http:\/\/127\.0\.0\.1:2380 but missing from --initial-advertise-peer-urls=http:\/\/127\.0\.0\.1:9999/, {
        peerUrls: ['http://127.0.0.1:9999'],
      });
      await refused(join(dir, 'nope.db'), dir, /no such file or directory/);
    }));

  test('a bucket etcd 3.4 does not have is refused by name', () =>
    withDir(async (dir) => {
      const file = join(dir, 'odd.db');
      const pairs = (n: number): Array<[Buffer, Buffer]> => Array.from({ length: n }, (_, i) => [b(`k${String(i).padStart(4, '0')}`), b('v')]);
      await writeBboltFile(file, [
        { name: b('key'), entries: pairs(10) },
        { name: b('meta'), entries: [] },
        { name: b('zzz'), entries: pairs(2) },
      ]);
      await appendSha256(file);
      const db = openBbolt(file);
      assert.equal(db.check().buckets, 3, 'the file itself is sound');
      db.close();
      await refused(file, dir, /bucket "zzz" is not one of etcd 3\.4's buckets/);
    }));
});
