// etcd's Lock and Election gRPC services on a real Cairn process, used by grpc-js clients and,
// on the same names, by the real etcdctl 3.4.23, whose `lock` and `elect` do the same work on
// the client side. Both must see one mutex and one election. CAIRN_E2E_KIND=etcd runs the same
// file against etcd 3.4.23 (how the expectations here were checked).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { electionService, kvService, leaseService, lockService } from '../../server/src/pb/index.js';
import { clientFor, serverStream, unary } from '../server/pb/grpc-calls.js';
import { b, pending, str } from '../server/api/lock-election-calls.js';
import { MemberProcess, WatchProcess, type MemberKind } from './cluster-process.js';

const KIND: MemberKind = process.env['CAIRN_E2E_KIND'] === 'etcd' ? 'etcd' : 'cairn';

let m: MemberProcess;
let lock: grpc.Client;
let el: grpc.Client;
let lease: grpc.Client;
let kv: grpc.Client;
const procs: WatchProcess[] = [];

/** A long-running etcdctl command against the member (lock, elect), read as it goes. */
function ctl(...args: string[]): WatchProcess {
  const p = new WatchProcess([`--endpoints=${m.endpoint}`, ...args]);
  procs.push(p);
  return p;
}

async function grant(id: number): Promise<number> {
  await unary(lease, leaseService.LeaseGrant, { ID: id, TTL: 60 });
  return id;
}

/** Keys under `name/`, oldest first. */
async function keysUnder(name: string): Promise<string[]> {
  const r = await unary(kv, kvService.Range, { key: b(`${name}/`), rangeEnd: b(`${name}0`), sortTarget: 2, sortOrder: 1 });
  return r.kvs.map((x) => str(x.key));
}

async function untilKeys(name: string, count: number): Promise<string[]> {
  const end = Date.now() + 15_000;
  for (;;) {
    const keys = await keysUnder(name);
    if (keys.length === count) return keys;
    if (Date.now() > end) throw new Error(`expected ${count} keys under ${name}/, saw ${keys.join(', ')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe(`lock and election services on ${KIND}, with etcdctl 3.4.23`, () => {
  before(async () => {
    m = await MemberProcess.start(KIND);
    lock = clientFor(lockService, 'Lock', m.endpoint);
    el = clientFor(electionService, 'Election', m.endpoint);
    lease = clientFor(leaseService, 'Lease', m.endpoint);
    kv = clientFor(kvService, 'KV', m.endpoint);
  });
  after(async () => {
    for (const p of procs) await p.stop();
    for (const c of [lock, el, lease, kv]) c.close();
    await m.destroy();
  });

  test('the service and `etcdctl lock` share one mutex, served in order', async () => {
    const held = await unary(lock, lockService.Lock, { name: b('shared'), lease: await grant(0x51) });
    const cli = ctl('lock', 'shared');
    const [, cliKey] = await untilKeys('shared', 2);
    const behind = pending(lock, lockService.Lock, { name: b('shared'), lease: await grant(0x52) });
    await untilKeys('shared', 3);
    assert.equal(cli.stdout, '', 'etcdctl must not hold the lock while the service does');
    await unary(lock, lockService.Unlock, { key: held.key });
    // etcdctl prints the key it holds, then an empty line.
    await cli.waitFor((s) => s.includes('\n\n'), 'etcdctl to take the lock');
    assert.equal(cli.stdout, `${cliKey}\n\n`);
    assert.equal(behind.settled(), false, 'the service waiter is behind etcdctl');
    await cli.stop();
    const got = await behind.result;
    assert.equal(str(got.key), 'shared/52');

    // etcdctl lock with a command runs it only once the service lets go.
    const run = ctl('lock', 'shared', 'echo', 'ran-under-lock');
    await untilKeys('shared', 2);
    assert.equal(run.ended, false);
    assert.equal(run.stdout, '');
    await unary(lock, lockService.Unlock, { key: got.key });
    await run.waitFor((s) => s.includes('ran-under-lock'), 'the command to run');
    await untilKeys('shared', 0);
  });

  test('the service and `etcdctl elect` take turns in one election; all observers agree', async () => {
    const svc = await unary(el, electionService.Campaign, { name: b('pick'), lease: await grant(0x61), value: b('svc') });
    const obs = serverStream(el, electionService.Observe, { name: b('pick') });
    assert.equal(str((await obs.inbox.next()).kv?.value), 'svc');
    const watcher = ctl('elect', '-l', 'pick');
    await watcher.waitFor((s) => s.includes('svc\n'), 'etcdctl elect -l to show the service leader');
    const cli = ctl('elect', 'pick', 'cli');
    const [, cliKey] = await untilKeys('pick', 2);
    const behind = pending(el, electionService.Campaign, { name: b('pick'), lease: await grant(0x62), value: b('svc2') });
    await untilKeys('pick', 3);
    assert.equal(cli.stdout, '');
    await unary(el, electionService.Resign, { leader: svc.leader ?? null });
    await cli.waitFor((s) => s.includes('cli\n'), 'etcdctl elect to win');
    assert.equal(cli.stdout, `${cliKey}\ncli\n`);
    const leader = await unary(el, electionService.Leader, { name: b('pick') });
    assert.deepEqual([str(leader.kv?.key), str(leader.kv?.value)], [cliKey, 'cli']);
    assert.equal(str((await obs.inbox.next()).kv?.value), 'cli');
    await watcher.waitFor((s) => s.includes('cli\n'), 'etcdctl elect -l to show etcdctl as leader');
    assert.equal(behind.settled(), false);
    await cli.stop();
    const won = await behind.result;
    assert.equal(str(won.leader?.key), 'pick/62');
    assert.equal(str((await obs.inbox.next()).kv?.value), 'svc2');
    await watcher.waitFor((s) => s.includes('svc2\n'), 'etcdctl elect -l to show the next service leader');
    assert.deepEqual(watcher.stdout.split('\n').filter((l) => !l.startsWith('pick/')), ['svc', 'cli', 'svc2', '']);
    obs.stream.cancel();
  });
});
