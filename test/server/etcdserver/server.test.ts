import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { EtcdServer } from '../../../server/src/etcdserver/index.js';
import type { Logger } from '../../../server/src/util/index.js';
import { CompactedError } from '../../../server/src/mvcc/index.js';
import { waitFor } from '../../support/wait-for.js';
import { memberConfig, started, withDir } from './helpers.js';

const b = (s: string): Buffer => Buffer.from(s);
const text = (u: Uint8Array | undefined): string => Buffer.from(u ?? new Uint8Array(0)).toString();

describe('a member of one', () => {
  test('serves writes and linearizable reads, with headers, through raft', () =>
    withDir(async (dir) => {
      const s = await started(memberConfig(dir));
      try {
        const p = await s.put({ key: b('a'), value: b('1') });
        assert.equal(p.header.revision, 2);
        await s.put({ key: b('b'), value: b('2') });
        const r = await s.range({ key: b('a'), rangeEnd: b('c') });
        assert.deepEqual(r.kvs.map((kv) => `${text(kv.key)}=${text(kv.value)}`), ['a=1', 'b=2']);
        const d = await s.deleteRange({ key: b('a'), prevKv: true });
        assert.equal(d.deleted, 1);
        assert.equal(text(d.prevKvs[0]?.value), '1');
        const h = s.header();
        assert.equal(h.revision, 4);
        assert.equal(h.memberId, s.memberId);
        assert.ok(h.raftTerm >= 1);
        const members = await s.memberList(true);
        assert.deepEqual(members.map((m) => m.name), ['m1']);
        assert.equal(members[0]?.id, s.memberId);
      } finally {
        await s.stop();
      }
    }));

  test('proposals of one turn are one batch, and every one is answered', () =>
    withDir(async (dir) => {
      const s = await started(memberConfig(dir));
      try {
        const puts = Array.from({ length: 200 }, (_, i) => s.put({ key: b(`k${i}`), value: b(String(i)) }));
        const res = await Promise.all(puts);
        assert.deepEqual(new Set(res.map((r) => r.header.revision)).size, 200, 'one revision each');
        assert.equal((await s.range({ key: b('k'), rangeEnd: b('l'), countOnly: true })).count, 200);
      } finally {
        await s.stop();
      }
    }));

  test('restarts from its WAL and backend with every acknowledged write and the same identity', () =>
    withDir(async (dir) => {
      const s1 = await started(memberConfig(dir));
      for (let i = 0; i < 50; i++) await s1.put({ key: b(`k${i}`), value: b(String(i)) });
      const id = s1.memberId;
      const cid = s1.clusterId;
      await s1.stop();
      const s2 = await started(memberConfig(dir));
      try {
        assert.equal(s2.memberId, id);
        assert.equal(s2.clusterId, cid);
        const r = await s2.range({ key: b('k'), rangeEnd: b('l') });
        assert.equal(r.count, 50);
        assert.equal(s2.header().revision, 51);
        const p = await s2.put({ key: b('after'), value: b('x') });
        assert.equal(p.header.revision, 52, 'revisions continue without a gap or a repeat');
      } finally {
        await s2.stop();
      }
    }));

  test('snapshots every snapshot-count entries, releases the WAL, and restarts from the snapshot', () =>
    withDir(async (dir) => {
      const cfg = memberConfig(dir, { snapshotCount: 20 });
      const s1 = await started(cfg);
      for (let i = 0; i < 70; i++) await s1.put({ key: b(`k${i % 7}`), value: b(String(i)) });
      await s1.stop();
      const snaps = readdirSync(join(dir, 'member', 'snap')).filter((f) => f.endsWith('.snap'));
      assert.ok(snaps.length >= 2, `snapshots written: ${snaps.join(' ')}`);
      const s2 = await started(cfg);
      try {
        const r = await s2.range({ key: b('k0') });
        assert.equal(text(r.kvs[0]?.value), '63');
        assert.equal(s2.header().revision, 71);
      } finally {
        await s2.stop();
      }
    }));

  test('logs what an operator follows: start, restart, leader, snapshots, defragment', () =>
    withDir(async (dir) => {
      const lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
      const logger: Logger = {
        debug: () => undefined,
        info: (msg, fields = {}) => lines.push({ level: 'info', msg, fields }),
        warn: (msg, fields = {}) => lines.push({ level: 'warn', msg, fields }),
        error: (msg, fields = {}) => lines.push({ level: 'error', msg, fields }),
        child: () => logger,
      };
      const cfg = memberConfig(dir, { snapshotCount: 10 });
      const s1 = await EtcdServer.start(cfg, { logger });
      await waitFor(() => s1.hasLeader(), 'the member to elect itself');
      for (let i = 0; i < 15; i++) await s1.put({ key: b('k'), value: b(String(i)) });
      await s1.defragment();
      await s1.stop();
      const s2 = await EtcdServer.start(cfg, { logger });
      await s2.stop();
      const msgs = lines.map((l) => l.msg);
      assert.deepEqual(
        msgs.filter((m) => m !== 'saved snapshot' && !m.startsWith('published local member')),
        ['starting a new member', 'added member', 'elected leader', 'defragmenting', 'finished defragmenting', 'restarting member'],
      );
      assert.ok(msgs.includes('saved snapshot'));
      assert.ok(msgs.includes('published local member to cluster through raft'));
      assert.equal(lines[0]?.fields['local-member-id'], s1.memberId.toString(16));
      const restart = lines.find((l) => l.msg === 'restarting member');
      assert.equal(restart?.fields['current-revision'], 16);
    }));

  test('leases: grant, attach, time-to-live, revoke deletes the keys', () =>
    withDir(async (dir) => {
      const s = await started(memberConfig(dir));
      try {
        const g = await s.leaseGrant(0n, 60);
        assert.ok(g.id > 0n);
        assert.equal(g.ttl, 60);
        await s.put({ key: b('l1'), value: b('x'), lease: g.id });
        const t = await s.leaseTimeToLive(g.id, true);
        assert.deepEqual(t.keys.map(text), ['l1']);
        assert.equal(await s.leaseRenew(g.id), 60);
        await s.leaseRevoke(g.id);
        assert.equal((await s.range({ key: b('l1') })).count, 0);
        assert.equal((await s.leaseTimeToLive(g.id, false)).ttl, -1);
        await assert.rejects(s.put({ key: b('l2'), value: b('x'), lease: g.id }), /requested lease not found/);
      } finally {
        await s.stop();
      }
    }));

  test('compaction through raft; a physical one waits until history is gone', () =>
    withDir(async (dir) => {
      const s = await started(memberConfig(dir));
      try {
        for (let i = 0; i < 5; i++) await s.put({ key: b('a'), value: b(String(i)) });
        await s.compact(4, true);
        await assert.rejects(s.range({ key: b('a'), revision: 3 }), CompactedError);
        await assert.rejects(s.compact(3, false), CompactedError);
        assert.equal(text((await s.range({ key: b('a'), revision: 4 })).kvs[0]?.value), '2');
      } finally {
        await s.stop();
      }
    }));
});
