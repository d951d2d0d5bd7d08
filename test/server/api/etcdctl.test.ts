import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { verifySnapshotDigest } from '../../../server/src/backend/index.js';
import { waitFor } from '../../support/wait-for.js';
import { type ApiFixture, CLUSTER_ID, MEMBER_ID, TEST_VERSION, withApi } from './fixture.js';

const ETCDCTL = '/usr/bin/etcdctl';

/** Runs etcdctl 3.4 (API v3) against the fixture; resolves with stdout, rejects with stderr. */
function ctl(f: ApiFixture, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      ETCDCTL,
      [`--endpoints=${f.address}`, '--command-timeout=10s', ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`etcdctl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

function json(s: string): Record<string, unknown> {
  return JSON.parse(s) as Record<string, unknown>;
}

/** The JSON etcdctl prints holds 64-bit ids as numbers; compare those as decimal strings. */
function rawField(s: string, field: string): string | undefined {
  return new RegExp(`"${field}":(-?\\d+)`).exec(s)?.[1];
}

describe('etcdctl 3.4.23 against the API', { skip: !existsSync(ETCDCTL) }, () => {
  test('put, get (simple and json), del, txn, compaction', () =>
    withApi(async (f) => {
      assert.equal(await ctl(f, ['put', 'foo', 'bar']), 'OK\n');
      assert.equal(await ctl(f, ['put', 'foo2', 'baz']), 'OK\n');
      assert.equal(await ctl(f, ['get', 'foo']), 'foo\nbar\n');
      assert.equal(await ctl(f, ['get', 'foo', '--prefix', '--keys-only']), 'foo\n\nfoo2\n\n');
      const out = await ctl(f, ['get', 'foo', '-w', 'json']);
      const j = json(out) as { header: { revision: number; raft_term: number }; kvs: { key: string; value: string; mod_revision: number }[]; count: number };
      assert.equal(rawField(out, 'cluster_id'), CLUSTER_ID.toString());
      assert.equal(rawField(out, 'member_id'), MEMBER_ID.toString());
      assert.equal(j.header.revision, 3);
      assert.equal(j.header.raft_term, 2);
      assert.equal(Buffer.from(j.kvs[0]!.value, 'base64').toString(), 'bar');
      assert.equal(j.count, 1);
      const txn = await ctl(f, ['txn'], 'value("foo") = "bar"\n\nput foo new\nget foo2\n\nput foo other\n\n');
      assert.equal(txn, 'SUCCESS\n\nOK\n\nfoo2\nbaz\n');
      assert.equal(await ctl(f, ['get', 'foo', '--print-value-only']), 'new\n');
      assert.equal(await ctl(f, ['del', 'foo', '--prefix']), '2\n');
      assert.equal(await ctl(f, ['compaction', '3', '--physical']), 'compacted revision 3\n');
      await assert.rejects(ctl(f, ['get', 'foo', '--rev=2']), /required revision has been compacted/);
      await assert.rejects(ctl(f, ['put', '', 'x']), /key is not provided|empty key/);
    }));

  test('watch: history and live events', () =>
    withApi(async (f) => {
      await ctl(f, ['put', 'w', '1']);
      const child = spawn(ETCDCTL, [`--endpoints=${f.address}`, 'watch', 'w', '--rev=1', '--prev-kv'], { env: { ...process.env, ETCDCTL_API: '3' } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      try {
        await waitFor(() => out.includes('PUT\nw\n1\n'), 'the history event');
        await ctl(f, ['put', 'w', '2']);
        await ctl(f, ['del', 'w']);
        await waitFor(() => out.includes('DELETE\nw\n2\n'), 'the live events');
        assert.equal(out, 'PUT\nw\n1\nPUT\nw\n1\nw\n2\nDELETE\nw\n2\nw\n\n');
      } finally {
        child.kill();
      }
    }));

  test('lease grant, keep-alive once, timetolive with keys, list, revoke', () =>
    withApi(async (f) => {
      const grant = await ctl(f, ['lease', 'grant', '60']);
      const id = /lease ([0-9a-f]+) granted with TTL\(60s\)/.exec(grant)?.[1];
      assert.ok(id, grant);
      await ctl(f, ['put', 'lk', 'v', `--lease=${id}`]);
      assert.match(await ctl(f, ['lease', 'keep-alive', '--once', id]), new RegExp(`lease ${id} keepalived with TTL\\(60\\)`));
      assert.match(await ctl(f, ['lease', 'timetolive', id, '--keys']), new RegExp(`lease ${id} granted with TTL\\(60s\\), remaining\\(60s\\), attached keys\\(\\[lk\\]\\)`));
      assert.match(await ctl(f, ['lease', 'list']), new RegExp(`found 1 leases\\n${id}\\n`));
      assert.match(await ctl(f, ['lease', 'revoke', id]), new RegExp(`lease ${id} revoked`));
      assert.equal(await ctl(f, ['get', 'lk']), '');
      assert.match(await ctl(f, ['lease', 'timetolive', id]), /already expired/);
      await assert.rejects(ctl(f, ['lease', 'revoke', id]), /requested lease not found/);
    }));

  test('endpoint status and hashkv, alarm list, member list, defrag, snapshot save', () =>
    withApi(async (f) => {
      await ctl(f, ['put', 'k', 'v']);
      const status = await ctl(f, ['endpoint', 'status', '-w', 'json']);
      const s = (JSON.parse(status) as { Status: { version: string; leader: number; raftTerm: number; header: { revision: number } } }[])[0]!;
      assert.equal(s.Status.version, TEST_VERSION);
      assert.equal(s.Status.header.revision, 2);
      assert.equal(rawField(status, 'leader'), MEMBER_ID.toString());
      const hk = await ctl(f, ['endpoint', 'hashkv', '-w', 'json']);
      const h = (JSON.parse(hk) as { HashKV: { hash: number } }[])[0]!;
      assert.equal(h.HashKV.hash, f.member.store.kv.hashKV(0).hash);
      assert.equal(await ctl(f, ['alarm', 'list']), '');
      await f.member.alarm('activate', MEMBER_ID, 'NOSPACE');
      assert.equal(await ctl(f, ['alarm', 'list']), `memberID:${MEMBER_ID} alarm:NOSPACE \n`);
      assert.match(await ctl(f, ['alarm', 'disarm']), /alarm:NOSPACE/);
      assert.equal(await ctl(f, ['alarm', 'list']), '');
      assert.equal(await ctl(f, ['member', 'list']), `${MEMBER_ID.toString(16)}, started, m1, http://127.0.0.1:2380, http://127.0.0.1:2379, false\n`);
      assert.match(await ctl(f, ['defrag']), /Finished defragmenting etcd member/);
      const file = join(f.dir, 'snap.db');
      assert.match(await ctl(f, ['snapshot', 'save', file]), /Snapshot saved at/);
      // etcdctl 3.4 keeps the stream as sent, SHA-256 trailer included (restore checks it).
      const saved = readFileSync(file);
      assert.deepEqual(await verifySnapshotDigest(saved), { dbSize: saved.byteLength - 32 });
      const added = await ctl(f, ['member', 'add', 'x', '--peer-urls=http://1.2.3.4:2380']);
      assert.match(added, /^Member +[0-9a-f]+ added to cluster [0-9a-f]+\n\nETCD_NAME="x"\nETCD_INITIAL_CLUSTER="m1=http:\/\/127\.0\.0\.1:2380,x=http:\/\/1\.2\.3\.4:2380"\nETCD_INITIAL_ADVERTISE_PEER_URLS="http:\/\/1\.2\.3\.4:2380"\nETCD_INITIAL_CLUSTER_STATE="existing"\n$/);
      assert.match(await ctl(f, ['member', 'list']), /, unstarted, , http:\/\/1\.2\.3\.4:2380, , false\n/);
    }));
});
