// Crash safety of a real Cairn process: a writer puts keys (grpc-js, several in flight) while the
// member is killed with SIGKILL at a random moment, or kills itself at a named failpoint; after a
// restart on the same data dir every acknowledged put is there with its value, and revisions
// continue with no gap and no repeat. The seed is printed; CAIRN_E2E_SEED=... replays it.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import grpc from '@grpc/grpc-js';
import { kvService } from '../../server/src/pb/services.js';
import type { etcdserverpb } from '../../server/src/pb/index.js';
import { toSafeNumber } from '../../server/src/util/index.js';
import { MemberProcess } from './cluster-process.js';
import { prng } from '../support/prng.js';

const SEED = Number(process.env['CAIRN_E2E_SEED'] ?? Date.now() % 1_000_000);
console.log(`crash.test seed: ${SEED} (replay with CAIRN_E2E_SEED=${SEED})`);

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function rng(seed: number): (lo: number, hi: number) => number {
  const next = prng(seed);
  return (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
}
const random = rng(SEED);

type Callback<Res> = (err: grpc.ServiceError | null, res?: Res) => void;
interface KvClient extends grpc.Client {
  Put(req: etcdserverpb.IPutRequest, cb: Callback<etcdserverpb.PutResponse>): void;
  Range(req: etcdserverpb.IRangeRequest, cb: Callback<etcdserverpb.RangeResponse>): void;
  Compact(req: etcdserverpb.ICompactionRequest, cb: Callback<etcdserverpb.CompactionResponse>): void;
}

function kvClient(m: MemberProcess): KvClient {
  const Ctor = grpc.makeGenericClientConstructor(kvService, 'KV');
  return new Ctor(m.endpoint, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 }) as unknown as KvClient;
}

function call<Req, Res>(fn: (req: Req, cb: Callback<Res>) => void, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => fn(req, (err, res) => (err !== null || res === undefined ? reject(err ?? new Error('no response')) : resolve(res))));
}

interface Acked {
  readonly value: string;
  readonly revision: number;
}

/**
 * Puts c/<n> keys, each exactly once, `inflight` at a time, until stop() or the member dies.
 * Records every acknowledged put with the revision its response carried.
 */
class Writer {
  readonly acked = new Map<string, Acked>();
  private next = 0;
  private stopped = false;
  private readonly done: Promise<void>;
  private readonly waiters: { n: number; resolve: () => void }[] = [];

  constructor(
    private readonly client: KvClient,
    private readonly prefix: string,
    inflight: number,
    private readonly valueBytes = 64,
  ) {
    this.done = Promise.all(Array.from({ length: inflight }, () => this.loop())).then(() => undefined);
  }

  /** Resolves once n puts are acknowledged (or the writer has stopped). */
  ackedAtLeast(n: number): Promise<void> {
    if (this.acked.size >= n || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const key = `${this.prefix}${String(this.next++).padStart(6, '0')}`;
      const value = `${key}=${random(0, 1e9)}`.padEnd(this.valueBytes, '.');
      try {
        const res = await call(this.client.Put.bind(this.client), { key: Buffer.from(key), value: Buffer.from(value) });
        this.acked.set(key, { value, revision: toSafeNumber(res.header?.revision, 'revision') });
        this.wake();
      } catch {
        // the member went away: the outcome of this put is unknown, which is allowed
        this.stopped = true;
      }
    }
    this.wake();
  }

  private wake(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i];
      if (w !== undefined && (this.acked.size >= w.n || this.stopped)) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}

/** The whole keyspace, with the store's current revision. */
async function readAll(client: KvClient): Promise<{ rev: number; kvs: Map<string, { value: string; mod: number; create: number; version: number }> }> {
  const res = await call(client.Range.bind(client), { key: Buffer.from([0]), rangeEnd: Buffer.from([0]) });
  const kvs = new Map<string, { value: string; mod: number; create: number; version: number }>();
  for (const kv of res.kvs) {
    kvs.set(Buffer.from(kv.key ?? []).toString(), {
      value: Buffer.from(kv.value ?? []).toString(),
      mod: toSafeNumber(kv.modRevision, 'mod'),
      create: toSafeNumber(kv.createRevision, 'create'),
      version: toSafeNumber(kv.version, 'version'),
    });
  }
  return { rev: toSafeNumber(res.header?.revision, 'revision'), kvs };
}

/**
 * The invariants after a restart, for a store in which only puts of fresh keys ever happened
 * (the writers' and the probes below; each key once, so each key's only revision is its mod
 * revision):
 * - every acknowledged put is there, with its value and the revision it was acknowledged with;
 * - the keys' revisions are exactly 2..rev: no gap, no repeat;
 * - the next put gets rev + 1, above every acknowledged revision.
 */
async function checkAfterRestart(m: MemberProcess, acked: ReadonlyMap<string, Acked>, what: string): Promise<void> {
  const client = kvClient(m);
  try {
    const { rev, kvs } = await readAll(client);
    const ctx = `${what} (seed ${SEED})`;
    for (const [key, a] of acked) {
      const kv = kvs.get(key);
      assert.ok(kv !== undefined, `${ctx}: acknowledged ${key} (rev ${a.revision}) is missing`);
      assert.equal(kv.value, a.value, `${ctx}: ${key} has another value`);
      assert.equal(kv.mod, a.revision, `${ctx}: ${key} was acknowledged at rev ${a.revision}, is at ${kv.mod}`);
      assert.equal(kv.version, 1, `${ctx}: ${key} was written once`);
    }
    const mods = [...kvs.values()].map((kv) => kv.mod).sort((x, y) => x - y);
    assert.equal(new Set(mods).size, mods.length, `${ctx}: a revision is used twice`);
    assert.deepEqual(mods, Array.from({ length: rev - 1 }, (_, i) => i + 2), `${ctx}: revisions are not exactly 2..${rev}`);
    const maxAcked = Math.max(1, ...[...acked.values()].map((a) => a.revision));
    assert.ok(rev >= maxAcked, `${ctx}: store rev ${rev} is behind acknowledged rev ${maxAcked}`);
    const probe = `probe/${rev}`;
    const res = await call(client.Put.bind(client), { key: Buffer.from(probe), value: Buffer.from('x') });
    assert.equal(toSafeNumber(res.header?.revision, 'revision'), rev + 1, `${ctx}: the next put's revision`);
  } finally {
    client.close();
  }
}

describe('crash safety of a Cairn process', () => {
  const members: MemberProcess[] = [];
  after(async () => {
    for (const m of members) await m.destroy();
  });

  test('SIGKILL at a random moment while puts are in flight, three times in a row', { timeout: 60_000 }, async (t) => {
    const m = await MemberProcess.start('cairn', { extraArgs: ['--snapshot-count', '150'] });
    members.push(m);
    const all = new Map<string, Acked>();
    for (let round = 0; round < 3; round++) {
      const client = kvClient(m);
      const w = new Writer(client, `c/${round}/`, 16);
      const target = random(20, 400);
      await w.ackedAtLeast(target);
      await m.kill();
      await w.stop();
      client.close();
      for (const [k, v] of w.acked) all.set(k, v);
      t.diagnostic(`round ${round}: killed after ${target} acks; ${w.acked.size} acknowledged in this round`);
      await m.restart();
      await checkAfterRestart(m, all, `after SIGKILL round ${round}`);
    }
    assert.deepEqual(await m.stop(), { code: 0, signal: null }, 'Cairn exits 0 on SIGTERM');
    await m.restart();
    const client = kvClient(m);
    try {
      const { kvs } = await readAll(client);
      assert.ok([...all.keys()].every((k) => kvs.has(k)), 'a clean stop and restart keeps everything');
    } finally {
      client.close();
    }
  });

  test('the same checks hold for a real etcd 3.4.23 (SIGKILL, restart; SIGTERM, restart)', { timeout: 60_000 }, async () => {
    const m = await MemberProcess.start('etcd');
    members.push(m);
    let client = kvClient(m);
    const w = new Writer(client, 'c/', 16);
    await w.ackedAtLeast(random(20, 400));
    await m.kill();
    await w.stop();
    client.close();
    await m.restart();
    await checkAfterRestart(m, w.acked, 'etcd after SIGKILL');
    // etcd cleans up on SIGTERM and then re-raises it, so it ends by that signal
    assert.deepEqual(await m.stop(), { code: null, signal: 'SIGTERM' });
    await m.restart();
    client = kvClient(m);
    try {
      const { kvs } = await readAll(client);
      assert.ok([...w.acked.keys()].every((k) => kvs.has(k)));
    } finally {
      client.close();
    }
  });

  for (const point of ['walBeforeWrite', 'walBeforeFsync', 'walAfterFsync', 'backendBeforeCommit', 'backendAfterCommit']) {
    test(`failpoint ${point}: the member kills itself there; acknowledged puts survive`, { timeout: 60_000 }, async (t) => {
      const passes = point.startsWith('backend') ? random(2, 10) : random(10, 120);
      const m = await MemberProcess.start('cairn', { env: { CAIRN_FAILPOINTS: `${point}=count(${passes})->exit` } });
      members.push(m);
      const client = kvClient(m);
      const w = new Writer(client, 'c/', 8);
      const how = await m.waitExit();
      assert.equal(how.signal, 'SIGKILL', `the member should die at ${point} after ${passes} passes`);
      await w.stop();
      client.close();
      t.diagnostic(`${point}=count(${passes})->exit: ${w.acked.size} puts acknowledged before the crash`);
      if (point !== 'walBeforeWrite' && point !== 'walBeforeFsync') assert.ok(w.acked.size > 0, 'some puts were acknowledged before the crash');
      await m.restart({ env: {} });
      await checkAfterRestart(m, w.acked, `${point} after ${passes} passes`);
    });
  }

  test('failpoint walBeforeCut: a crash as the WAL moves to a new 64 MiB segment', { timeout: 90_000 }, async (t) => {
    const m = await MemberProcess.start('cairn', { env: { CAIRN_FAILPOINTS: 'walBeforeCut=exit' } });
    members.push(m);
    const client = kvClient(m);
    // about 1 MB a put: the first segment fills after some 64 puts
    const w = new Writer(client, 'c/', 2, 1_000_000);
    const how = await m.waitExit(80_000);
    assert.equal(how.signal, 'SIGKILL');
    await w.stop();
    client.close();
    t.diagnostic(`walBeforeCut: ${w.acked.size} puts of 1 MB acknowledged before the crash`);
    assert.ok(w.acked.size > 0);
    await m.restart({ env: {} });
    await checkAfterRestart(m, w.acked, 'walBeforeCut');
  });

  test('failpoint compactBeforeFinish: a physical compaction interrupted by a crash', { timeout: 60_000 }, async () => {
    const m = await MemberProcess.start('cairn', { env: { CAIRN_FAILPOINTS: 'compactBeforeFinish=exit' } });
    members.push(m);
    let client = kvClient(m);
    const w = new Writer(client, 'c/', 8);
    await w.ackedAtLeast(200);
    await w.stop();
    const at = 100;
    await call(client.Compact.bind(client), { revision: at, physical: true }).catch(() => undefined);
    const how = await m.waitExit();
    assert.equal(how.signal, 'SIGKILL');
    client.close();
    await m.restart({ env: {} });
    await checkAfterRestart(m, w.acked, 'compactBeforeFinish');
    client = kvClient(m);
    try {
      // the compaction was recorded before the crash, so reading below it must fail as etcd's does
      await assert.rejects(call(client.Range.bind(client), { key: Buffer.from('c/'), revision: at - 1 }), /required revision has been compacted/);
    } finally {
      client.close();
    }
  });
});
