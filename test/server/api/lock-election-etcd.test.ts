import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { electionService, kvService, leaseService, lockService, v3electionpb as epb, v3lockpb } from '../../../server/src/pb/index.js';
import { ETCD_BIN, waitFor } from '../pb/etcd-process.js';
import { sameAsEtcd } from './real-etcd.js';
import { clientFor, serverStream, unary } from '../pb/grpc-calls.js';
import { b, pending } from './lock-election-calls.js';

/*
 * One script of lock and election calls against etcd 3.4.23 and against our services (over the
 * test member): every response and error must be the same, after leaving out cluster and member
 * ids. Leases are granted with chosen ids so that the keys (which carry them) are the same too.
 * Left out on purpose: a waiter whose lease ends while it waits (etcd 3.4.23 hands it the lock
 * without a key; we fail the call, see wait-turn.ts).
 */

type Rec = [string, unknown];
const IDS = new Set(['clusterId', 'memberId']);

function normalise(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => normalise(x));
  if (Buffer.isBuffer(v)) return v.toString();
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x, k)]));
  if (IDS.has(key)) return 'id';
  return v;
}

const obj = (cls: { toObject(m: never, o: object): object }, m: unknown): unknown => normalise(cls.toObject(m as never, { longs: String }));

async function keysUnder(kv: grpc.Client, name: string, count: number): Promise<void> {
  await waitFor(`${count} keys under ${name}/`, 10_000, async () => {
    const r = await unary(kv, kvService.Range, { key: b(`${name}/`), rangeEnd: b(`${name}0`), countOnly: true });
    if (Number(r.count) !== count) throw new Error(`count ${String(r.count)}`);
  });
}

async function script(addr: string): Promise<Rec[]> {
  const out: Rec[] = [];
  const lock = clientFor(lockService, 'Lock', addr);
  const el = clientFor(electionService, 'Election', addr);
  const lease = clientFor(leaseService, 'Lease', addr);
  const kv = clientFor(kvService, 'KV', addr);
  const rec = (label: string, v: unknown): number => out.push([label, v]);
  const fails = async (label: string, p: Promise<unknown>): Promise<void> => {
    try {
      rec(`${label} (unexpected success)`, await p);
    } catch (err) {
      const e = err as grpc.ServiceError;
      rec(label, `${e.code} ${e.details}`);
    }
  };
  try {
    for (const id of [0x1001, 0x1002, 0x1003]) await unary(lease, leaseService.LeaseGrant, { ID: id, TTL: 60 });
    await fails('lock unknown lease', unary(lock, lockService.Lock, { name: b('n'), lease: 999 }));
    const l1 = await unary(lock, lockService.Lock, { name: b('n'), lease: 0x1001 });
    rec('lock', obj(v3lockpb.LockResponse, l1));
    rec('lock again', obj(v3lockpb.LockResponse, await unary(lock, lockService.Lock, { name: b('n'), lease: 0x1001 })));
    const waiting = pending(lock, lockService.Lock, { name: b('n'), lease: 0x1002 });
    await keysUnder(kv, 'n', 2);
    rec('unlock', obj(v3lockpb.UnlockResponse, await unary(lock, lockService.Unlock, { key: l1.key })));
    const l2 = await waiting.result;
    rec('waiter', obj(v3lockpb.LockResponse, l2));
    rec('unlock absent', obj(v3lockpb.UnlockResponse, await unary(lock, lockService.Unlock, { key: b('n/none') })));
    await fails('unlock empty', unary(lock, lockService.Unlock, {}));
    await unary(lock, lockService.Unlock, { key: l2.key });

    await fails('leader none', unary(el, electionService.Leader, { name: b('e') }));
    await fails('proclaim no leader key', unary(el, electionService.Proclaim, { value: b('x') }));
    await fails('resign no leader key', unary(el, electionService.Resign, {}));
    await fails('proclaim not leader', unary(el, electionService.Proclaim, { leader: { name: b('e'), key: b('e/1'), rev: 5, lease: 0x1001 }, value: b('x') }));
    rec('resign not leader', obj(epb.ResignResponse, await unary(el, electionService.Resign, { leader: { name: b('e'), key: b('e/1'), rev: 5, lease: 0x1001 } })));
    await fails('campaign unknown lease', unary(el, electionService.Campaign, { name: b('e'), lease: 999, value: b('v') }));
    const c1 = await unary(el, electionService.Campaign, { name: b('e'), lease: 0x1001, value: b('v1') });
    rec('campaign', obj(epb.CampaignResponse, c1));
    rec('campaign again', obj(epb.CampaignResponse, await unary(el, electionService.Campaign, { name: b('e'), lease: 0x1001, value: b('v2') })));
    rec('leader', obj(epb.LeaderResponse, await unary(el, electionService.Leader, { name: b('e') })));
    const leader = c1.leader ?? null;
    rec('proclaim', obj(epb.ProclaimResponse, await unary(el, electionService.Proclaim, { leader, value: b('v3') })));
    await fails('proclaim unknown lease', unary(el, electionService.Proclaim, { leader: { ...leader, lease: 12345 }, value: b('v4') }));
    const o = serverStream(el, electionService.Observe, { name: b('e') });
    rec('observe', obj(epb.LeaderResponse, await o.inbox.next()));
    const c2 = pending(el, electionService.Campaign, { name: b('e'), lease: 0x1003, value: b('w') });
    await keysUnder(kv, 'e', 2);
    await unary(el, electionService.Proclaim, { leader, value: b('v5') });
    rec('observe proclaim', obj(epb.LeaderResponse, await o.inbox.next()));
    rec('resign', obj(epb.ResignResponse, await unary(el, electionService.Resign, { leader })));
    rec('second campaign', obj(epb.CampaignResponse, await c2.result));
    rec('observe next leader', obj(epb.LeaderResponse, await o.inbox.next()));
    o.stream.cancel();
    await fails('proclaim after resign', unary(el, electionService.Proclaim, { leader, value: b('v6') }));
    rec('resign again', obj(epb.ResignResponse, await unary(el, electionService.Resign, { leader })));
  } finally {
    for (const c of [lock, el, lease, kv]) c.close();
  }
  return out;
}

describe('lock and election compared with etcd 3.4.23', { skip: !existsSync(ETCD_BIN) }, () => {
  test('the same script gives the same responses and errors', () => sameAsEtcd(script));
});
