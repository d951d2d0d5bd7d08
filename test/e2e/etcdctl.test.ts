// The real etcdctl 3.4.23 against a real Cairn process: every command and flag a user types,
// with exact outputs (simple and json formats). Set CAIRN_E2E_KIND=etcd to run the same file
// against a real etcd 3.4.23, which is how the expected outputs here were checked.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemberProcess, WatchProcess, type CtlResult, type MemberKind } from './cluster-process.js';

const KIND: MemberKind = process.env['CAIRN_E2E_KIND'] === 'etcd' ? 'etcd' : 'cairn';

let m: MemberProcess;

/** Runs etcdctl and insists it succeeded; returns stdout. */
async function ok(args: readonly string[], stdin?: string): Promise<string> {
  const r = await m.ctl(args, stdin === undefined ? {} : { stdin });
  assert.equal(r.code, 0, `etcdctl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Runs etcdctl and insists it failed; returns its last stderr line (etcdctl's "Error: ..." line). */
async function fails(args: readonly string[]): Promise<string> {
  const r: CtlResult = await m.ctl(args);
  assert.notEqual(r.code, 0, `etcdctl ${args.join(' ')} should have failed; stdout: ${r.stdout}`);
  return r.stderr.trimEnd().split('\n').at(-1) ?? '';
}

interface JsonKv {
  key: string;
  value?: string;
  create_revision: number;
  mod_revision: number;
  version: number;
  lease?: number;
}
interface JsonRange {
  header: { revision: number };
  kvs?: JsonKv[];
  count?: number;
  more?: boolean;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: string): string => Buffer.from(s, 'base64').toString();

async function getJson(args: readonly string[]): Promise<JsonRange> {
  return JSON.parse(await ok(['get', ...args, '-w', 'json'])) as JsonRange;
}

async function currentRev(): Promise<number> {
  return (await getJson(['any-key'])).header.revision;
}

describe(`etcdctl 3.4.23 against ${KIND}`, () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-e2e-ctl-'));
  before(async () => {
    m = await MemberProcess.start(KIND);
  });
  after(async () => {
    await m.destroy();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('put and get, simple and json', async () => {
    assert.equal(await ok(['put', 'pg/a', 'one']), 'OK\n');
    assert.equal(await ok(['get', 'pg/a']), 'pg/a\none\n');
    assert.equal(await ok(['get', 'pg/a', '--print-value-only']), 'one\n');
    const j = await getJson(['pg/a']);
    assert.equal(j.count, 1);
    const kv = j.kvs?.[0];
    assert.ok(kv !== undefined);
    assert.equal(kv.key, b64('pg/a'));
    assert.equal(kv.value, b64('one'));
    assert.equal(kv.version, 1);
    assert.equal(kv.create_revision, kv.mod_revision);
    assert.equal(kv.mod_revision, j.header.revision);
    assert.equal(await ok(['put', 'pg/a', 'two', '--prev-kv']), 'OK\npg/a\none\n');
    const put = JSON.parse(await ok(['put', 'pg/a', 'three', '--prev-kv', '-w', 'json'])) as { header: { revision: number }; prev_kv: JsonKv };
    assert.equal(unb64(put.prev_kv.value ?? ''), 'two');
    assert.equal(put.prev_kv.version, 2);
    assert.equal(put.header.revision, j.header.revision + 2);
    assert.equal(await ok(['get', 'pg/missing']), '');
    assert.equal((await getJson(['pg/missing'])).count, undefined);
  });

  test('get --rev reads history', async () => {
    await ok(['put', 'rv/k', 'v1']);
    const r1 = await currentRev();
    await ok(['put', 'rv/k', 'v2']);
    assert.equal(await ok(['get', 'rv/k', '--rev', String(r1)]), 'rv/k\nv1\n');
    assert.equal(await ok(['get', 'rv/k', '--rev', String(r1 - 1)]), '');
    assert.equal(await ok(['get', 'rv/k']), 'rv/k\nv2\n');
    assert.equal(await fails(['get', 'rv/k', '--rev', String(r1 + 1000)]), 'Error: etcdserver: mvcc: required revision is a future revision');
  });

  test('get --prefix, --from-key, ranges, --limit, --keys-only', async () => {
    // values run opposite to keys, and zr/2 gets a second version, so every sort order differs.
    for (const [k, v] of [['zr/1', 'e'], ['zr/2', 'd'], ['zr/3', 'c'], ['zr/4', 'b'], ['zr/5', 'a'], ['zr/2', 'dd'], ['zs/1', 'x']]) await ok(['put', k ?? '', v ?? '']);
    assert.equal(await ok(['get', 'zr/', '--prefix']), 'zr/1\ne\nzr/2\ndd\nzr/3\nc\nzr/4\nb\nzr/5\na\n');
    assert.equal(await ok(['get', 'zr/2', 'zr/4']), 'zr/2\ndd\nzr/3\nc\n');
    assert.equal(await ok(['get', 'zr/4', '--from-key', '--keys-only']), 'zr/4\n\nzr/5\n\nzs/1\n\n');
    assert.equal(await ok(['get', 'zr/', '--prefix', '--keys-only']), 'zr/1\n\nzr/2\n\nzr/3\n\nzr/4\n\nzr/5\n\n');
    assert.equal(await ok(['get', 'zr/', '--prefix', '--limit', '2']), 'zr/1\ne\nzr/2\ndd\n');
    const lim = await getJson(['zr/', '--prefix', '--limit', '2']);
    assert.equal(lim.count, 5);
    assert.equal(lim.more, true);
    assert.deepEqual(lim.kvs?.map((kv) => unb64(kv.key)), ['zr/1', 'zr/2']);
    const keysOnly = await getJson(['zr/', '--prefix', '--keys-only']);
    assert.equal(keysOnly.kvs?.length, 5);
    assert.ok(keysOnly.kvs?.every((kv) => kv.value === undefined && kv.version > 0));
    // (--count-only came with etcdctl 3.5; the 3.4.23 client refuses it before any request is sent)
    assert.equal(await fails(['get', 'zr/', '--prefix', '--count-only']), 'Error: unknown flag: --count-only');
  });

  test('get --sort-by every target, --order both ways', async () => {
    for (const [k, v] of [['o/1', 'e'], ['o/2', 'd'], ['o/3', 'c'], ['o/2', 'dd']]) await ok(['put', k ?? '', v ?? '']);
    const keys = async (...flags: string[]): Promise<string> => (await ok(['get', 'o/', '--prefix', '--keys-only', ...flags])).split('\n').filter((s) => s !== '').join(',');
    assert.equal(await keys('--sort-by', 'KEY'), 'o/1,o/2,o/3');
    assert.equal(await keys('--sort-by', 'KEY', '--order', 'DESCEND'), 'o/3,o/2,o/1');
    assert.equal(await keys('--sort-by', 'VALUE'), 'o/3,o/2,o/1');
    assert.equal(await keys('--sort-by', 'VALUE', '--order', 'DESCEND'), 'o/1,o/2,o/3');
    assert.equal(await keys('--sort-by', 'VERSION', '--order', 'DESCEND', '--limit', '1'), 'o/2');
    assert.equal(await keys('--sort-by', 'CREATE'), 'o/1,o/2,o/3');
    assert.equal(await keys('--sort-by', 'CREATE', '--order', 'DESCEND'), 'o/3,o/2,o/1');
    assert.equal(await keys('--sort-by', 'MODIFY'), 'o/1,o/3,o/2');
    assert.equal(await keys('--sort-by', 'MODIFY', '--order', 'DESCEND'), 'o/2,o/3,o/1');
    assert.equal(await keys('--order', 'DESCEND'), 'o/3,o/2,o/1');
    // with values printed too (a server may sort before or after dropping values for --keys-only)
    assert.equal(await ok(['get', 'o/', '--prefix', '--sort-by', 'VALUE']), 'o/3\nc\no/2\ndd\no/1\ne\n');
  });

  test('get --consistency l and s', async () => {
    await ok(['put', 'cs/k', 'v']);
    assert.equal(await ok(['get', 'cs/k', '--consistency', 'l']), 'cs/k\nv\n');
    assert.equal(await ok(['get', 'cs/k', '--consistency', 's']), 'cs/k\nv\n');
  });

  test('put --ignore-value and --ignore-lease keep what is there', async () => {
    const lease = /lease ([0-9a-f]+) granted/.exec(await ok(['lease', 'grant', '300']))?.[1] ?? '';
    // the lease id is a 64-bit integer in the json: read it from the text, not through a JS number
    const leaseOf = async (key: string): Promise<string> => BigInt(/"lease":(\d+)/.exec(await ok(['get', key, '-w', 'json']))?.[1] ?? '0').toString(16).padStart(16, '0');
    await ok(['put', 'ig/k', 'v1', `--lease=${lease}`]);
    assert.equal(await ok(['put', 'ig/k', '--ignore-value', `--lease=${lease}`]), 'OK\n');
    let kv = (await getJson(['ig/k'])).kvs?.[0];
    assert.equal(unb64(kv?.value ?? ''), 'v1');
    assert.equal(kv?.version, 2);
    assert.equal(await leaseOf('ig/k'), lease);
    assert.equal(await ok(['put', 'ig/k', 'v2', '--ignore-lease']), 'OK\n');
    kv = (await getJson(['ig/k'])).kvs?.[0];
    assert.equal(unb64(kv?.value ?? ''), 'v2');
    assert.equal(await leaseOf('ig/k'), lease);
    // without --ignore-lease, a put without --lease detaches the key from its lease
    assert.equal(await ok(['put', 'ig/k', '--ignore-value']), 'OK\n');
    assert.equal(await leaseOf('ig/k'), '0'.repeat(16));
    assert.equal(await ok(['get', 'ig/k', '--print-value-only']), 'v2\n');
    assert.equal(await fails(['put', 'ig/k', 'v3', '--ignore-value']), "Error: put command needs only 1 argument when 'ignore-value' is set");
    assert.equal(await fails(['put', 'ig/none', '--ignore-value']), 'Error: etcdserver: key not found');
    await ok(['lease', 'revoke', lease]);
  });

  test('del, --prev-kv, --prefix, --from-key', async () => {
    for (const k of ['d/1', 'd/2', 'd/3', 'e/1']) await ok(['put', k, `v${k}`]);
    assert.equal(await ok(['del', 'd/none']), '0\n');
    assert.equal(await ok(['del', 'd/1', '--prev-kv']), '1\nd/1\nvd/1\n');
    const j = JSON.parse(await ok(['del', 'd/', '--prefix', '--prev-kv', '-w', 'json'])) as { deleted: string | number; prev_kvs: JsonKv[] };
    assert.equal(Number(j.deleted), 2);
    assert.deepEqual(j.prev_kvs.map((kv) => unb64(kv.key)), ['d/2', 'd/3']);
    assert.equal(await ok(['del', 'e/', '--from-key']).then((s) => Number(s.split('\n')[0]) >= 1), true);
    assert.equal(await ok(['get', 'e/1']), '');
    assert.equal(await fails(['del', '']), 'Error: etcdserver: key is not provided');
  });

  test('txn from stdin: compares, success ops, failure ops', async () => {
    await ok(['put', 't/a', '1']);
    const txn = 'value("t/a") = "1"\nversion("t/a") > "0"\n\nput t/b yes\nget t/a\n\nput t/b no\n\n';
    assert.equal(await ok(['txn'], txn), 'SUCCESS\n\nOK\n\nt/a\n1\n');
    assert.equal(await ok(['get', 't/b', '--print-value-only']), 'yes\n');
    const fail = 'mod("t/a") > "100000"\n\nput t/b yes\n\nput t/b no\ndel t/a\nget t/b\n\n';
    assert.equal(await ok(['txn'], fail), 'FAILURE\n\nOK\n\n1\n\nt/b\nno\n');
    assert.equal(await ok(['get', 't/a']), '');
    const j = JSON.parse(await ok(['txn', '-w', 'json'], 'create("t/a") = "0"\n\nput t/a again\n\n\n')) as { succeeded?: boolean; responses: object[] };
    assert.equal(j.succeeded, true);
    assert.equal(j.responses.length, 1);
    assert.equal(await ok(['txn'], 'value("t/a") != "again"\n\n\n\n'), 'FAILURE\n');
  });

  test('watch --prefix sees writes made while it runs, with --prev-kv', async () => {
    await ok(['put', 'w/a', 'old']);
    const from = (await currentRev()) + 1; // from the next revision: no event is missed however late the watch starts
    const w = new WatchProcess([`--endpoints=${m.endpoint}`, 'watch', 'w/', '--prefix', '--prev-kv', '--rev', String(from)]);
    try {
      await ok(['put', 'w/a', 'new']);
      await ok(['put', 'w/b', 'first']);
      await ok(['del', 'w/a']);
      await ok(['put', 'x/outside', 'no']);
      await w.waitLines(13);
      assert.equal(w.stdout, 'PUT\nw/a\nold\nw/a\nnew\nPUT\nw/b\nfirst\nDELETE\nw/a\nnew\nw/a\n\n');
    } finally {
      await w.stop();
    }
  });

  test('watch --rev replays history, json output', async () => {
    await ok(['put', 'wh/k', 'v1']);
    const r1 = await currentRev();
    await ok(['put', 'wh/k', 'v2']);
    await ok(['put', 'wh/k', 'v3']);
    const w = new WatchProcess([`--endpoints=${m.endpoint}`, 'watch', 'wh/k', '--rev', String(r1)]);
    try {
      await w.waitLines(9);
      assert.equal(w.stdout, 'PUT\nwh/k\nv1\nPUT\nwh/k\nv2\nPUT\nwh/k\nv3\n');
    } finally {
      await w.stop();
    }
    const wj = new WatchProcess([`--endpoints=${m.endpoint}`, 'watch', 'wh/k', '--rev', String(r1 + 1), '-w', 'json']);
    try {
      await wj.waitFor((s) => s.includes(`"mod_revision":${r1 + 2}`), 'the event at the last revision');
      const events = wj.stdout
        .split('\n')
        .filter((l) => l !== '')
        .flatMap((l) => (JSON.parse(l) as { Events: { kv: JsonKv; type?: number }[] }).Events);
      assert.deepEqual(events.map((e) => [unb64(e.kv.value ?? ''), e.kv.mod_revision, e.type ?? 0]), [['v2', r1 + 1, 0], ['v3', r1 + 2, 0]]);
    } finally {
      await wj.stop();
    }
  });

  test('compaction --physical, and reading or watching below it fails with etcd\'s text', async () => {
    await ok(['put', 'cp/k', 'v1']);
    const r1 = await currentRev();
    await ok(['put', 'cp/k', 'v2']);
    const r2 = await currentRev();
    assert.equal(await ok(['compaction', String(r2), '--physical']), `compacted revision ${r2}\n`);
    assert.equal(await fails(['get', 'cp/k', '--rev', String(r1)]), 'Error: etcdserver: mvcc: required revision has been compacted');
    assert.equal(await ok(['get', 'cp/k', '--rev', String(r2)]), 'cp/k\nv2\n');
    assert.equal(await fails(['compaction', String(r1)]), 'Error: etcdserver: mvcc: required revision has been compacted');
    const hash = JSON.parse(await ok(['endpoint', 'hashkv', '-w', 'json'])) as { HashKV: { compact_revision: number } }[];
    assert.equal(hash[0]?.HashKV.compact_revision, r2);
    const w = new WatchProcess([`--endpoints=${m.endpoint}`, 'watch', 'cp/k', '--rev', String(r1)]);
    try {
      await w.waitFor((s) => (s + w.stderr).includes('compacted'), 'the compacted watch error');
      assert.match(w.stdout + w.stderr, /watch was canceled \(etcdserver: mvcc: required revision has been compacted\)/);
    } finally {
      await w.stop();
    }
  });

  test('lease grant, put --lease, timetolive --keys, keep-alive --once, list, revoke', async () => {
    const grant = await ok(['lease', 'grant', '60']);
    const id = /^lease ([0-9a-f]+) granted with TTL\(60s\)\n$/.exec(grant)?.[1];
    assert.ok(id !== undefined, grant);
    assert.equal(await ok(['put', 'ls/a', '1', `--lease=${id}`]), 'OK\n');
    assert.equal(await ok(['put', 'ls/b', '2', `--lease=${id}`]), 'OK\n');
    const ttl = await ok(['lease', 'timetolive', id, '--keys']);
    const t = /^lease ([0-9a-f]+) granted with TTL\(60s\), remaining\((\d+)s\), attached keys\(\[(.*)\]\)\n$/.exec(ttl);
    assert.ok(t !== null, ttl);
    assert.equal(t[1], id);
    assert.ok(Number(t[2]) > 0 && Number(t[2]) <= 60);
    assert.deepEqual(t[3]?.split(' ').sort(), ['ls/a', 'ls/b']);
    const tj = JSON.parse(await ok(['lease', 'timetolive', id, '--keys', '-w', 'json'])) as { 'granted-ttl': number; ttl: number; keys: string[] };
    assert.equal(tj['granted-ttl'], 60);
    assert.ok(tj.ttl > 0 && tj.ttl <= 60);
    assert.deepEqual(tj.keys.map(unb64).sort(), ['ls/a', 'ls/b']);
    assert.equal(await ok(['lease', 'keep-alive', '--once', id]), `lease ${id} keepalived with TTL(60)\n`);
    const list = await ok(['lease', 'list']);
    assert.match(list, /^found \d+ leases\n/);
    assert.ok(list.split('\n').includes(id));
    assert.equal(await ok(['lease', 'revoke', id]), `lease ${id} revoked\n`);
    assert.equal(await ok(['get', 'ls/', '--prefix']), '');
    assert.equal(await ok(['lease', 'timetolive', id]), `lease ${id} already expired\n`);
    assert.equal(await fails(['lease', 'revoke', id]), 'Error: failed to revoke lease (etcdserver: requested lease not found)');
    assert.equal(await fails(['put', 'ls/c', 'v', '--lease=1234']), 'Error: etcdserver: requested lease not found');
  });

  test('endpoint status, health, hashkv', async () => {
    const rev = await currentRev();
    const st = JSON.parse(await ok(['endpoint', 'status', '-w', 'json'])) as { Endpoint: string; Status: { header: { revision: number; member_id: number }; leader: number; raftIndex: number; raftAppliedIndex?: number; dbSize: number } }[];
    assert.equal(st.length, 1);
    assert.equal(st[0]?.Endpoint, m.endpoint);
    assert.equal(st[0]?.Status.header.revision, rev);
    assert.ok((st[0]?.Status.dbSize ?? 0) > 0);
    assert.ok((st[0]?.Status.raftIndex ?? 0) >= rev);
    const table = await ok(['endpoint', 'status']);
    assert.match(table, new RegExp(`^${m.endpoint.replace(/\./g, '\\.')}, [0-9a-f]+, \\d+\\.\\d+\\.\\d+, \\d+(\\.\\d+)? [kMG]?B, true, false, \\d+, \\d+, \\d+, \\n$`));
    const health = await m.ctl(['endpoint', 'health']);
    assert.equal(health.code, 0);
    assert.match(health.stdout + health.stderr, new RegExp(`^${m.endpoint.replace(/\./g, '\\.')} is healthy: successfully committed proposal: took = [\\d.]+[µnm]?s\\n$`));
    const hj = JSON.parse(await ok(['endpoint', 'health', '-w', 'json'])) as { endpoint: string; health: boolean }[];
    assert.deepEqual(hj.map((h) => [h.endpoint, h.health]), [[m.endpoint, true]]);
    const h1 = await ok(['endpoint', 'hashkv']);
    assert.match(h1, new RegExp(`^${m.endpoint.replace(/\./g, '\\.')}, \\d+\\n$`));
    assert.equal(await ok(['endpoint', 'hashkv']), h1, 'the hash is stable while nothing is written');
    await ok(['put', 'hk/k', 'v']);
    assert.notEqual(await ok(['endpoint', 'hashkv']), h1, 'a write changes the hash');
  });

  test('alarm list and disarm with no alarm; defrag', async () => {
    assert.equal(await ok(['alarm', 'list']), '');
    assert.equal(await ok(['alarm', 'disarm']), '');
    assert.equal(await ok(['defrag']), `Finished defragmenting etcd member[${m.endpoint}]\n`);
    assert.equal(await ok(['put', 'df/k', 'after']), 'OK\n');
    assert.equal(await ok(['get', 'df/k', '--print-value-only']), 'after\n');
  });

  test('snapshot save, then snapshot status: revision and key count', async () => {
    const f1 = path.join(work, 'one.db');
    const f2 = path.join(work, 'two.db');
    assert.equal(await ok(['snapshot', 'save', f1]), `Snapshot saved at ${f1}\n`);
    const rev1 = await currentRev();
    for (let i = 0; i < 5; i++) await ok(['put', `sn/${i}`, `v${i}`]);
    assert.equal(await ok(['snapshot', 'save', f2]), `Snapshot saved at ${f2}\n`);
    const status = async (f: string): Promise<{ revision: number; totalKey: number; totalSize: number }> =>
      JSON.parse((await ok(['snapshot', 'status', f, '-w', 'json'])).trim()) as { revision: number; totalKey: number; totalSize: number };
    const s1 = await status(f1);
    const s2 = await status(f2);
    assert.equal(s1.revision, rev1);
    assert.equal(s2.revision, rev1 + 5);
    assert.equal(s2.totalKey - s1.totalKey, 5, 'five new revisions are five more keys in the key bucket');
    assert.ok(s2.totalSize > 0);
    assert.match(await ok(['snapshot', 'status', f2]), new RegExp(`^[0-9a-f]+, ${rev1 + 5}, ${s2.totalKey}, \\d+(\\.\\d+)? [kMG]?B\\n$`));
  });
});
