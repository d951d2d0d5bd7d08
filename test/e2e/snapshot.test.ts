// Snapshots between etcd 3.4.23 and Cairn, both ways, with the real etcdctl and real processes:
// Cairn's snapshot restored by etcdctl and served by a real etcd; etcd's snapshot restored by
// `cairn snapshot restore` and served by Cairn; Cairn to Cairn. "The same data" means the same
// keys, values, create/mod revisions, versions and leases at every retained revision.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { Backend, type BucketName } from '../../server/src/backend/index.js';
import { openBbolt } from '../../server/src/backend/bbolt/index.js';
import { Wal } from '../../server/src/wal/index.js';
import { CAIRN_MAIN, MemberProcess, etcdctl, type CtlResult } from './cluster-process.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-e2e-snap-'));
const members: MemberProcess[] = [];

after(async () => {
  for (const m of members) await m.destroy();
  fs.rmSync(work, { recursive: true, force: true });
});

async function start(kind: 'cairn' | 'etcd', prepare?: (dataDir: string, name: string, peerUrl: string) => Promise<void>): Promise<MemberProcess> {
  const m = await MemberProcess.start(kind, prepare === undefined ? {} : { prepare: async (p) => prepare(p.dataDir, p.name, p.peerUrl) });
  members.push(m);
  return m;
}

async function ok(m: MemberProcess, args: readonly string[]): Promise<string> {
  const r = await m.ctl(args);
  assert.equal(r.code, 0, `etcdctl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** `cairn ...` as a user runs it. */
function cairn(args: readonly string[]): Promise<CtlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CAIRN_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A history written with etcdctl: puts, overwrites, deletes, a txn, keys on a lease. */
async function writeHistory(m: MemberProcess): Promise<void> {
  for (let i = 0; i < 40; i++) await ok(m, ['put', `k${String(i % 17).padStart(2, '0')}`, `value-${i}`]);
  await ok(m, ['del', 'k03']);
  await ok(m, ['del', 'k1', '--prefix']);
  const lease = /lease ([0-9a-f]+) granted/.exec(await ok(m, ['lease', 'grant', '900']))?.[1];
  assert.ok(lease !== undefined);
  await ok(m, ['put', 'leased-a', 'x', '--lease', lease]);
  await ok(m, ['put', 'leased-b', 'y', '--lease', lease]);
  const r = await m.ctl(['txn'], { stdin: 'value("k00") = "value-34"\n\nput k00 from-txn\nput k99 from-txn\n\ndel k00\n\n' });
  assert.equal(r.code, 0, r.stderr);
  for (let i = 0; i < 5; i++) await ok(m, ['put', 'k99', `again-${i}`]);
}

async function revisionOf(m: MemberProcess): Promise<number> {
  return (JSON.parse(await ok(m, ['get', 'x', '-w', 'json'])) as { header: { revision: number } }).header.revision;
}

/** Every key at `rev` as etcdctl prints it in JSON, without the header (ids and terms differ by design). */
async function everyKeyAt(m: MemberProcess, rev: number): Promise<string> {
  return (await ok(m, ['get', '', '--from-key', '--rev', String(rev), '-w', 'json'])).replace(/^\{"header":\{[^}]*\},?/, '{');
}

async function sameAtEveryRevision(a: MemberProcess, b: MemberProcess, from: number): Promise<number> {
  const last = await revisionOf(a);
  assert.equal(await revisionOf(b), last, 'the restored member is at the same revision');
  for (let rev = from; rev <= last; rev++) assert.equal(await everyKeyAt(b, rev), await everyKeyAt(a, rev), `every key at revision ${rev}`);
  return last;
}

async function leaseIds(m: MemberProcess): Promise<string> {
  return (await ok(m, ['lease', 'list'])).split('\n').slice(1).filter((l) => l !== '').sort().join(',');
}

describe('snapshots between etcd 3.4.23 and Cairn', () => {
  test('Cairn → etcdctl snapshot save/status → cairn snapshot restore → Cairn serves the same at every revision', async () => {
    const src = await start('cairn');
    await writeHistory(src);
    const file = path.join(work, 'cairn.db');
    assert.equal(await ok(src, ['snapshot', 'save', file]), `Snapshot saved at ${file}\n`);
    const status = JSON.parse((await etcdctl(['snapshot', 'status', file, '-w', 'json'])).stdout) as { revision: number; totalKey: number };
    assert.equal(status.revision, await revisionOf(src), 'etcdctl reads the revision from the key bucket');
    const viaCairn = path.join(work, 'cairn-saved.db');
    assert.equal((await cairn(['snapshot', 'save', viaCairn, '--endpoints', src.endpoint])).stdout, `Snapshot saved at ${viaCairn}\n`);
    assert.ok(fs.readFileSync(viaCairn).equals(fs.readFileSync(file)), 'cairn snapshot save writes what etcdctl saves');
    const ours = await cairn(['snapshot', 'status', file, '-w', 'json']);
    assert.deepEqual(JSON.parse(ours.stdout), JSON.parse((await etcdctl(['snapshot', 'status', file, '-w', 'json'])).stdout));
    const dst = await start('cairn', async (dataDir, name, peerUrl) => {
      fs.rmSync(dataDir, { recursive: true });
      const r = await cairn(['snapshot', 'restore', file, '--data-dir', dataDir, '--name', name, '--initial-cluster', `${name}=${peerUrl}`, '--initial-advertise-peer-urls', peerUrl]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /"msg":"restored snapshot"/);
    });
    await sameAtEveryRevision(src, dst, 1);
    assert.equal(await leaseIds(dst), await leaseIds(src));
    assert.match(await ok(dst, ['lease', 'timetolive', (await leaseIds(src)).split(',')[0] as string, '--keys']), /attached keys\(\[leased-a leased-b\]\)/);
  });

  test('Cairn → etcdctl snapshot restore → a real etcd serves the same at every revision', async () => {
    const src = await start('cairn');
    await writeHistory(src);
    await ok(src, ['compact', '10']);
    const file = path.join(work, 'to-etcd.db');
    await ok(src, ['snapshot', 'save', file]);
    const dst = await start('etcd', async (dataDir, name, peerUrl) => {
      fs.rmSync(dataDir, { recursive: true });
      const r = await etcdctl(['snapshot', 'restore', file, '--data-dir', dataDir, '--name', name, '--initial-cluster', `${name}=${peerUrl}`, '--initial-advertise-peer-urls', peerUrl]);
      assert.equal(r.code, 0, r.stderr);
    });
    await sameAtEveryRevision(src, dst, 10);
    const below = await dst.ctl(['get', 'k00', '--rev', '9']);
    assert.match(below.stderr, /required revision has been compacted/, 'etcd keeps the compaction Cairn recorded');
    assert.equal(await leaseIds(dst), await leaseIds(src));
  });

  test('etcd (keys, leases, users, roles) → etcdctl snapshot save → cairn snapshot restore → Cairn serves it all', async () => {
    const src = await start('etcd');
    await writeHistory(src);
    await ok(src, ['user', 'add', 'alice:secret-1']);
    await ok(src, ['role', 'add', 'reader']);
    await ok(src, ['role', 'grant-permission', 'reader', 'read', 'k', 'l']);
    await ok(src, ['user', 'grant-role', 'alice', 'reader']);
    const file = path.join(work, 'from-etcd.db');
    await ok(src, ['snapshot', 'save', file]);
    const viaCairn = path.join(work, 'etcd-by-cairn.db');
    const saved = await cairn(['snapshot', 'save', viaCairn, '--endpoints', src.endpoint]);
    assert.equal(saved.code, 0, saved.stderr);
    const statusOf = async (f: string): Promise<unknown> => JSON.parse((await etcdctl(['snapshot', 'status', f, '-w', 'json'])).stdout);
    assert.deepEqual(await statusOf(viaCairn), await statusOf(file), 'cairn snapshot save from a real etcd');
    let restoredDir = '';
    const dst = await start('cairn', async (dataDir, name, peerUrl) => {
      restoredDir = dataDir;
      fs.rmSync(dataDir, { recursive: true });
      const r = await cairn(['snapshot', 'restore', file, '--data-dir', dataDir, '--name', name, '--initial-cluster', `${name}=${peerUrl}`, '--initial-advertise-peer-urls', peerUrl]);
      assert.equal(r.code, 0, r.stderr);
    });
    await sameAtEveryRevision(src, dst, 1);
    assert.equal(await leaseIds(dst), await leaseIds(src));
    await dst.stop();
    // Auth is not served yet (issue 8), but its buckets came across byte for byte.
    const db = openBbolt(file);
    const backend = Backend.open(path.join(restoredDir, 'member', 'snap', 'db'));
    try {
      for (const bucket of ['auth', 'authUsers', 'authRoles', 'lease', 'key'] as BucketName[]) {
        const want = [...db.entries(bucket)].map(([k, v]) => `${k.toString('hex')}=${v.toString('hex')}`);
        const got = backend.range(bucket, new Uint8Array(0)).map(([k, v]) => `${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`);
        assert.deepEqual(got, want, `bucket ${bucket}`);
        if (bucket === 'authUsers') assert.equal(want.length, 1);
      }
    } finally {
      db.close();
      await backend.close();
    }
  });

  test('a damaged snapshot is refused by name and the target is never created', async () => {
    const src = await start('cairn');
    await ok(src, ['put', 'a', '1']);
    const file = path.join(work, 'damaged.db');
    await ok(src, ['snapshot', 'save', file]);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 40]! ^= 0x04;
    fs.writeFileSync(file, bytes);
    const target = path.join(work, 'never');
    const r = await cairn(['snapshot', 'restore', file, '--data-dir', target]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cairn: expected sha256 \[[\d ]+\], got \[[\d ]+\]/);
    assert.equal(fs.existsSync(target), false);
    const ctl = await etcdctl(['snapshot', 'restore', file, '--data-dir', path.join(work, 'etcd-never')]);
    assert.match(ctl.stderr, /Error: expected sha256 \[[\d ]+\], got \[[\d ]+\]/, 'etcdctl refuses it with the same words');
  });

  test('for a 3-member cluster, cairn and etcdctl restores agree on ids, conf-change entries and hard state', async () => {
    const src = await start('cairn');
    await ok(src, ['put', 'a', '1']);
    const file = path.join(work, 'three.db');
    await ok(src, ['snapshot', 'save', file]);
    const flags = [
      '--name', 'n2',
      '--initial-cluster', 'n1=http://10.1.0.1:2380,n2=http://10.1.0.2:2380,n3=http://10.1.0.3:2380',
      '--initial-cluster-token', 'tok-3',
      '--initial-advertise-peer-urls', 'http://10.1.0.2:2380',
    ];
    const ours = await cairn(['snapshot', 'restore', file, '--data-dir', path.join(work, 'ours3'), ...flags]);
    assert.equal(ours.code, 0, ours.stderr);
    const theirs = await etcdctl(['snapshot', 'restore', file, '--data-dir', path.join(work, 'theirs3'), ...flags]);
    assert.equal(theirs.code, 0, theirs.stderr);
    const read = async (dir: string) => {
      const at = { index: 0, term: 0 } as unknown as Parameters<typeof Wal.open>[1];
      const { wal, metadata, hardState, entries } = await Wal.open(path.join(work, dir, 'member', 'wal'), at);
      await wal.close();
      return { metadata: Buffer.from(metadata).toString('hex'), hardState, entries: entries.map((e) => ({ ...e, data: Buffer.from(e.data).toString('hex') })) };
    };
    const a = await read('ours3');
    assert.equal(a.entries.length, 3);
    assert.deepEqual(a, await read('theirs3'));
  });
});
