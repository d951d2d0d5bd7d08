// The two test-only broken modes really break what they claim to, and only when switched on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { EtcdServer, ServerError, type ServerConfig } from '../../../server/src/etcdserver/index.js';
import { disableFailpoint, enableFailpoint } from '../../../server/src/util/index.js';
import { Wal } from '../../../server/src/wal/index.js';
import { waitFor } from '../../support/wait-for.js';
import { memberConfig, withDir } from '../etcdserver/helpers.js';
import { MemNetwork } from '../etcdserver/mem-network.js';
import { META, SNAP0, copyDir, ents, hs } from '../wal/helpers.js';

const child = fileURLToPath(new URL('./failpoint-unsafe.child.js', import.meta.url));
const b = (s: string): Buffer => Buffer.from(s);

/** What a kill -9 at this instant would leave: the WAL files as the page cache holds them. */
async function entriesAfterCrash(walDir: string, copy: string): Promise<number> {
  copyDir(walDir, copy);
  const r = await Wal.open(copy, SNAP0);
  await r.wal.close();
  return r.entries.length;
}

describe('unsafeAckBeforeFsync', () => {
  test('off: a saved entry is in the files when save resolves', () =>
    withDir(async (dir) => {
      const w = await Wal.create(path.join(dir, 'wal'), META);
      await w.save(hs(1, 0), ents(1, 3, 1));
      assert.equal(await entriesAfterCrash(path.join(dir, 'wal'), path.join(dir, 'copy')), 3);
      await w.close();
    }));

  test('on: save resolves with the entries still in memory; they reach the files later', () =>
    withDir(async (dir) => {
      const wd = path.join(dir, 'wal');
      const w = await Wal.create(wd, META);
      await w.save(hs(1, 0), ents(1, 2, 1));
      enableFailpoint('unsafeAckBeforeFsync', 'on');
      try {
        // Two saves held at once: each must keep its own bytes (the frame writer reuses its buffer).
        await w.save(hs(1, 2), ents(3, 4, 1));
        await w.save(hs(1, 2), ents(5, 5, 1));
        assert.equal(w.lastIndex, 5, 'the WAL reports the entries saved');
        // No timer can run between the save and this look at the files (only microtasks pass),
        // so the late write cannot have happened yet.
        assert.equal(await entriesAfterCrash(wd, path.join(dir, 'copy')), 2, 'a crash now loses entries 3..5');
        let n = 0;
        const poll = async (): Promise<void> => { n = await entriesAfterCrash(wd, path.join(dir, 'copy')); };
        const end = Date.now() + 10_000;
        while (n !== 5) {
          if (Date.now() > end) throw new Error('timed out waiting for the late write');
          await new Promise((r) => setTimeout(r, 20));
          await poll();
        }
      } finally {
        disableFailpoint('unsafeAckBeforeFsync');
      }
      // Back on the normal path, a save goes after the held frames, in order.
      await w.save(hs(1, 5), ents(6, 6, 1));
      assert.equal(await entriesAfterCrash(wd, path.join(dir, 'copy')), 6);
      await w.close();
    }));

  test('on: close writes what is held', () =>
    withDir(async (dir) => {
      const wd = path.join(dir, 'wal');
      const w = await Wal.create(wd, META);
      enableFailpoint('unsafeAckBeforeFsync', 'on');
      try {
        await w.save(hs(1, 0), ents(1, 4, 1));
      } finally {
        disableFailpoint('unsafeAckBeforeFsync');
      }
      await w.close();
      const r = await Wal.open(wd, SNAP0);
      assert.equal(r.entries.length, 4);
      await r.wal.close();
    }));

  /** Runs the child (one member, a write acknowledged, kill -9) and reads key k after a restart. */
  async function afterKill(dir: string, mode: string): Promise<{ acked: number; value: string | undefined; before: string | undefined }> {
    const r = spawnSync(process.execPath, [child, dir, mode], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.signal, 'SIGKILL', `the child should kill itself; stderr: ${r.stderr}`);
    const m = /acked (\d+)/.exec(r.stdout);
    assert.ok(m !== null, `the child should report its acknowledged write; stdout: ${r.stdout}`);
    const s = await EtcdServer.start(memberConfig(dir));
    try {
      await waitFor(() => s.hasLeader(), 'the restarted member to elect itself');
      const read = async (k: string): Promise<string | undefined> => {
        const kv = (await s.range({ key: b(k) })).kvs[0];
        return kv === undefined ? undefined : Buffer.from(kv.value ?? new Uint8Array(0)).toString();
      };
      return { acked: Number(m[1]), value: await read('k'), before: await read('before') };
    } finally {
      await s.stop();
    }
  }

  test('a single member killed -9 keeps an acknowledged write normally, and loses it in the unsafe mode', async () => {
    await withDir(async (dir) => {
      const safe = await afterKill(dir, 'safe');
      assert.equal(safe.value, 'acknowledged');
      assert.equal(safe.before, 'durable');
    });
    await withDir(async (dir) => {
      const unsafe = await afterKill(dir, 'unsafe');
      assert.ok(unsafe.acked > 0);
      assert.equal(unsafe.value, undefined, 'the acknowledged write was lost');
      assert.equal(unsafe.before, 'durable', 'what was written before the switch survived');
    });
  });
});

describe('unsafeFollowerLocalRead', () => {
  const NAMES = ['m1', 'm2', 'm3'];
  const urlOf = (name: string): string => `http://127.0.0.${NAMES.indexOf(name) + 1}:2380`;
  const cluster = new Map(NAMES.map((n) => [n, [urlOf(n)]]));
  const configOf = (dir: string, name: string): ServerConfig =>
    memberConfig(path.join(dir, name), { name, peerUrls: [urlOf(name)], initialCluster: cluster, initialClusterToken: 'fp-cluster' });

  test('a follower cut off from the leader answers a linearizable read with stale data only when on', () =>
    withDir(async (dir) => {
      const net = new MemNetwork();
      const members = await Promise.all(NAMES.map((n) => EtcdServer.start(configOf(dir, n), { transport: net.transport() })));
      try {
        await waitFor(() => members.every((m) => m.leaderId() !== 0n && m.leaderId() === members[0]?.leaderId()), 'a leader');
        const leader = members.find((m) => m.memberId === m.leaderId()) as EtcdServer;
        const follower = members.find((m) => m !== leader) as EtcdServer;
        await leader.put({ key: b('x'), value: b('old') });
        const value = async (): Promise<string | undefined> => {
          const kv = (await follower.range({ key: b('x') })).kvs[0];
          return kv === undefined ? undefined : Buffer.from(kv.value ?? new Uint8Array(0)).toString();
        };
        assert.equal(await value(), 'old', 'a linearizable read on the connected follower');
        net.isolate(follower.memberId);
        await leader.put({ key: b('x'), value: b('new') }); // committed by the other two
        enableFailpoint('unsafeFollowerLocalRead', 'on');
        try {
          assert.equal(await value(), 'old', 'the broken follower serves its stale state as linearizable');
        } finally {
          disableFailpoint('unsafeFollowerLocalRead');
        }
        await assert.rejects(value(), ServerError, 'without the mode the cut-off follower cannot confirm a read');
      } finally {
        await Promise.all(members.map((m) => m.stop()));
      }
    }));
});
