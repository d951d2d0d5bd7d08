import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EMPTY_HARD_STATE, type Entry, type EntryType, type HardState, index, nodeId, term } from '../../../server/src/raft/index.js';
import { Wal, type WalSnapshot } from '../../../server/src/wal/index.js';
import { META, bytes, plain, tmpDir, rmDir } from './helpers.js';

/**
 * Random histories of saves against a plain model of the log: appends of entries of random
 * sizes (empty data too) with and without hard states, new leaders overwriting an uncommitted
 * suffix, commit-only hard states, snapshot markers and releases, in segments small enough to
 * cut every few saves. After every step the WAL is closed and reopened at a random snapshot
 * it still holds, and must give back exactly the model's entries and hard state.
 */

type Op =
  | { kind: 'append'; sizes: number[]; types: number[]; commitBy: number; withHs: boolean }
  | { kind: 'overwrite'; back: number; sizes: number[]; vote: number }
  | { kind: 'commit'; by: number }
  | { kind: 'snapshot'; pick: number }
  | { kind: 'release' };

const size = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 600 }));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), sizes: fc.array(size, { maxLength: 6, size: 'max' }), types: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 6, maxLength: 6 }), commitBy: fc.nat(8), withHs: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('overwrite' as const), back: fc.integer({ min: 1, max: 4 }), sizes: fc.array(size, { minLength: 1, maxLength: 4 }), vote: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('commit' as const), by: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('snapshot' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const) }) },
);

/** What the runs exercised, checked at the end so the property cannot pass vacuously. */
const seen = { cuts: 0, releasedSegments: 0, overwrites: 0, opensAfterSnapshot: 0, emptyData: 0 };

class Model {
  entries: Entry[] = [];
  hs: HardState = EMPTY_HARD_STATE;
  term = 1;
  vote = 1;
  markers: WalSnapshot[] = [{ index: index(0), term: term(0) }];
  releasedTo = 0;

  get last(): number {
    return this.entries.length;
  }

  make(from: number, sizes: number[], types: number[] = []): Entry[] {
    return sizes.map((s, k) => ({
      term: term(this.term),
      index: index(from + k),
      type: (types[k] ?? 0) as EntryType,
      data: bytes(s, (from + k) * 7919 + this.term),
    }));
  }

  hardState(commit: number): HardState {
    return { term: term(this.term), vote: nodeId(this.vote), commit: index(commit) };
  }

  put(es: Entry[]): void {
    const first = es[0];
    if (first === undefined) return;
    this.entries.length = first.index - 1;
    this.entries.push(...es);
  }

  /** Snapshots open may start from: markers in segments that are still there. */
  openable(): WalSnapshot[] {
    return this.markers.filter((m) => m.index >= this.releasedTo);
  }
}

async function step(wal: Wal, m: Model, op: Op): Promise<void> {
  switch (op.kind) {
    case 'append': {
      const es = m.make(m.last + 1, op.sizes, op.types);
      seen.emptyData += op.sizes.filter((x) => x === 0).length;
      m.put(es);
      const hs = op.withHs ? m.hardState(Math.min(m.last, m.hs.commit + op.commitBy)) : EMPTY_HARD_STATE;
      await wal.save(hs, es);
      if (op.withHs) m.hs = hs;
      return;
    }
    case 'overwrite': {
      // A new leader: a higher term, entries from just after the commit or later.
      m.term++;
      m.vote = op.vote;
      const start = Math.max(m.hs.commit + 1, m.last - op.back + 1);
      const es = m.make(start, op.sizes);
      if (start <= m.last) seen.overwrites++;
      m.put(es);
      m.hs = m.hardState(m.hs.commit);
      await wal.save(m.hs, es);
      return;
    }
    case 'commit': {
      if (m.hs.term === 0) return;
      m.hs = { ...m.hs, commit: index(Math.min(m.last, m.hs.commit + op.by)) };
      await wal.save(m.hs, []);
      return;
    }
    case 'snapshot': {
      const lo = Math.max(m.releasedTo, 1);
      if (m.hs.commit < lo) return;
      const i = lo + (op.pick % (m.hs.commit - lo + 1));
      const s = { index: index(i), term: m.entries[i - 1]!.term };
      m.markers.push(s);
      await wal.saveSnapshot(s);
      return;
    }
    case 'release': {
      const latest = m.markers.reduce((a, b) => (b.index > a.index ? b : a));
      m.releasedTo = latest.index;
      const before = wal.segmentNames.length;
      await wal.releaseTo(latest.index);
      seen.releasedSegments += before - wal.segmentNames.length;
      return;
    }
  }
}

test('random save histories reopen to exactly the model log after every step', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40, size: 'max' }), fc.nat(), fc.integer({ min: 300, max: 1200 }), async (ops, pick, segmentBytes) => {
      const dir = tmpDir();
      const opts = { segmentBytes };
      try {
        const m = new Model();
        let wal = await Wal.create(dir, META, opts);
        for (const [n, op] of ops.entries()) {
          const segments = wal.segmentNames;
          await step(wal, m, op);
          seen.cuts += wal.segmentNames.filter((x) => !segments.includes(x)).length;
          await wal.close();
          const choices = m.openable();
          const snap = choices[(pick + n) % choices.length]!;
          const r = await Wal.open(dir, snap, opts);
          wal = r.wal;
          if (snap.index > 0) seen.opensAfterSnapshot++;
          const want = m.entries.filter((e) => e.index > snap.index);
          assert.deepEqual(plain(r.entries), plain(want), `after step ${n} (${op.kind}), opened at ${snap.index}`);
          assert.deepEqual(r.hardState, m.hs);
          assert.deepEqual(r.metadata, META);
        }
        await wal.close();
      } finally {
        rmDir(dir);
      }
    }),
    { numRuns: 150 },
  );
  for (const [what, n] of Object.entries(seen)) assert.ok(n > 20, `the runs exercised ${what} only ${n} times`);
});
