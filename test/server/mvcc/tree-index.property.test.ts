/**
 * TreeIndex against a naive model: a plain list of {key, rev, tombstone} events. After every
 * step, every read at every revision from the compaction revision on must match what replaying
 * the events says, and each finished compaction must keep exactly the revisions the model says
 * survive (per key, the latest event ≤ the compaction revision, if it is a put).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  type IndexCompaction,
  type KeyState,
  type Revision,
  RevisionNotFoundError,
  TreeIndex,
  compareRevision,
} from '../../../server/src/mvcc/index.js';

interface Event {
  readonly key: string; // latin1
  readonly rev: Revision;
  readonly tombstone: boolean;
}

type Command =
  | { readonly kind: 'put'; readonly key: number; readonly sameTxn: boolean }
  | { readonly kind: 'delete'; readonly key: number; readonly sameTxn: boolean }
  | { readonly kind: 'compact'; readonly back: number; readonly chunk: number };

const KEYS = ['\x00', '\x00\x00', '\x01', 'a', 'a\x00', 'ab', '\xff', '\xff\x00'];
const bytes = (k: string): Uint8Array => Buffer.from(k, 'latin1');
const str = (k: Uint8Array): string => Buffer.from(k).toString('latin1');

// Two keys get most writes, so histories grow long; a quarter of writes join the previous txn.
const arbKey = fc.oneof({ weight: 1, arbitrary: fc.nat(1) }, { weight: 1, arbitrary: fc.nat(KEYS.length - 1) });
const arbSameTxn = fc.nat(3).map((n) => n === 0);
const arbCommand: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(arbKey, arbSameTxn).map(([key, sameTxn]): Command => ({ kind: 'put', key, sameTxn })) },
  { weight: 2, arbitrary: fc.tuple(arbKey, arbSameTxn).map(([key, sameTxn]): Command => ({ kind: 'delete', key, sameTxn })) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(6), fc.integer({ min: 1, max: 4 })).map(([back, chunk]): Command => ({ kind: 'compact', back, chunk })) },
);

/** Each key's state at `at`, by replaying the events with main ≤ at. */
function modelAt(events: readonly Event[], at: number): Map<string, KeyState> {
  const live = new Map<string, KeyState>();
  for (const e of events) {
    if (e.rev.main > at) break;
    const prev = live.get(e.key);
    if (e.tombstone) live.delete(e.key);
    else live.set(e.key, { modified: e.rev, created: prev?.created ?? e.rev, version: (prev?.version ?? 0) + 1 });
  }
  return live;
}

/** Revisions compaction at `at` must keep: per key, the latest event ≤ at, if it is a put. */
function modelAvailable(events: readonly Event[], at: number): Revision[] {
  const last = new Map<string, Event>();
  for (const e of events) if (e.rev.main <= at) last.set(e.key, e);
  return [...last.values()].filter((e) => !e.tombstone).map((e) => e.rev).sort(compareRevision);
}

/** Keys compaction at `at` must leave: all but those whose every event is ≤ at and whose last is a delete. */
function modelKeyCount(events: readonly Event[], at: number): number {
  const last = new Map<string, Event>();
  for (const e of events) last.set(e.key, e);
  return [...last.values()].filter((e) => !(e.tombstone && e.rev.main <= at)).length;
}

function inRange(k: string, lo: string, end: string | undefined): boolean {
  if (end === undefined || end === '') return k === lo;
  if (end === '\x00') return k >= lo;
  return k >= lo && k < end;
}

function modelSince(events: readonly Event[], lo: string, end: string | undefined, rev: number): Revision[] {
  const perKeyMain = new Map<string, Revision>();
  for (const e of events) if (e.rev.main >= rev && inRange(e.key, lo, end)) perKeyMain.set(`${e.key}|${e.rev.main}`, e.rev);
  return [...perKeyMain.values()].sort(compareRevision);
}

const RANGE_ENDS = [undefined, '', '\x00', 'a\x00', '\xff', '\x01'];

function checkReads(ti: TreeIndex, events: readonly Event[], from: number, current: number, full: boolean): void {
  for (let at = from; at <= current; at++) {
    const model = modelAt(events, at);
    for (const k of KEYS) assert.deepEqual(ti.get(bytes(k), at), model.get(k), `get ${JSON.stringify(k)} @${at}`);
    const los = full ? KEYS : ['\x00', 'a'];
    const ends = full ? [...RANGE_ENDS, ...KEYS] : RANGE_ENDS;
    for (const lo of los) {
      for (const end of ends) {
        const want = [...model.entries()].filter(([k]) => inRange(k, lo, end)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        const endBytes = end === undefined ? undefined : bytes(end);
        const what = `[${JSON.stringify(lo)}, ${JSON.stringify(end)}) @${at}`;
        const got = ti.range(bytes(lo), endBytes, at);
        assert.deepEqual(got.keys.map(str), want.map(([k]) => k), `range keys ${what}`);
        assert.deepEqual(got.revs, want.map(([, st]) => st.modified), `range revs ${what}`);
        const limit = (at % 3) as 0 | 1 | 2;
        const revs = ti.revisions(bytes(lo), endBytes, at, limit);
        const limited = limit === 0 ? want : want.slice(0, limit);
        assert.deepEqual(revs, { revs: limited.map(([, st]) => st.modified), total: want.length }, `revisions limit ${limit} ${what}`);
        assert.equal(ti.countRevisions(bytes(lo), endBytes, at), want.length, `count ${what}`);
        if (at > from) assert.deepEqual(ti.rangeSince(bytes(lo), endBytes, at), modelSince(events, lo, end, at), `since ${what}`);
      }
    }
  }
}

function run(commands: readonly Command[]): void {
  const ti = new TreeIndex();
  const events: Event[] = [];
  const live = new Set<string>();
  let main = 0;
  let sub = 0;
  let compacted = 0;
  let pending: IndexCompaction | undefined;
  let txnOpen = false; // a compaction closes the current txn: later writes get a new main revision
  const finish = (): void => {
    if (pending === undefined) return;
    while (!pending.step(2));
    assert.deepEqual(pending.available.sorted(), modelAvailable(events, pending.rev), `available @${pending.rev}`);
    assert.equal(ti.size, modelKeyCount(events, pending.rev), `keys left after compaction @${pending.rev}`);
    pending = undefined;
  };
  for (const cmd of commands) {
    if (cmd.kind === 'compact') {
      finish();
      compacted = Math.max(compacted, main - cmd.back, 0);
      pending = ti.startCompaction(compacted);
      pending.step(cmd.chunk);
      txnOpen = false;
    } else {
      const key = KEYS[cmd.key] as string;
      if (cmd.sameTxn && txnOpen) sub++;
      else [main, sub] = [main + 1, 0];
      txnOpen = true;
      const rev = { main, sub };
      if (cmd.kind === 'put') {
        ti.put(bytes(key), rev);
        live.add(key);
        events.push({ key, rev, tombstone: false });
      } else if (live.has(key)) {
        ti.tombstone(bytes(key), rev);
        live.delete(key);
        events.push({ key, rev, tombstone: true });
      } else {
        assert.throws(() => ti.tombstone(bytes(key), rev), RevisionNotFoundError);
      }
      pending?.step(1); // writes interleave with a compaction in progress
    }
    checkReads(ti, events, compacted, main, false);
  }
  finish();
  checkReads(ti, events, compacted, main, true);
}

describe('TreeIndex against a naive model (property)', () => {
  test('random puts, deletes and stepped compactions', () => {
    fc.assert(
      fc.property(fc.array(arbCommand, { minLength: 1, maxLength: 50 }), (commands) => run(commands)),
      { numRuns: 400 },
    );
  });
});
