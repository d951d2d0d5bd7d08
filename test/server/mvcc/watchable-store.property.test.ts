import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { WatcherRangeError, type WatchResponse, type WatchStream } from '../../../server/src/mvcc/index.js';
import { waitFor } from '../../support/wait-for.js';
import { Model, type ModelKv, type WriteOp, key, writeOp } from './model.js';
import { ALL, b } from './store-helpers.js';
import { WatchFixture, drain } from './watch-helpers.js';

interface WatchSpec {
  key: string;
  end: string | undefined; // undefined: the key alone; '\0': every key ≥ key
  /** 'now', or a fraction choosing a start revision between the compaction and just past the current one. */
  start: 'now' | number;
  prevKv: boolean;
  noPut: boolean;
  noDelete: boolean;
}

type Op = { t: 'write'; ops: WriteOp[] } | { t: 'watch'; spec: WatchSpec } | { t: 'compact'; frac: number } | { t: 'restart' } | { t: 'check' };

const watchSpec: fc.Arbitrary<WatchSpec> = fc.record({
  key,
  end: fc.option(fc.constantFrom('c', 'e', 'z', '\0'), { nil: undefined }),
  start: fc.oneof(fc.constant('now' as const), fc.double({ min: 0, max: 1, noNaN: true })),
  prevKv: fc.boolean(),
  noPut: fc.boolean(),
  noDelete: fc.boolean(),
});
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ t: fc.constant('write' as const), ops: fc.array(writeOp, { minLength: 1, maxLength: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('watch' as const), spec: watchSpec }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('compact' as const), frac: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restart' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('check' as const) }) },
);

/** A watcher under test: what it asked for, from which revision, and every response it got. */
interface Watched {
  spec: WatchSpec;
  id: number;
  from: number;
  got: WatchResponse[];
}

function covers(spec: WatchSpec, k: string): boolean {
  if (spec.end === undefined) return k === spec.key;
  return k >= spec.key && (spec.end === '\0' || k < spec.end);
}

function showKv(kv: ModelKv): string {
  return `${kv.value} c${kv.create} m${kv.mod} v${kv.version}`;
}

/** What the model says the watcher must have received, one line per event. */
function expected(model: Model, w: Watched): string[] {
  const out: string[] = [];
  for (let rev = w.from; rev <= model.rev; rev++) {
    for (const e of model.events[rev] ?? []) {
      if (!covers(w.spec, e.key) || (e.type === 'put' ? w.spec.noPut : w.spec.noDelete)) continue;
      const main = e.kv === undefined ? `${rev} delete ${e.key}` : `${rev} put ${e.key}=${showKv(e.kv)}`;
      out.push(w.spec.prevKv && e.prev !== undefined ? `${main} prev ${showKv(e.prev)}` : main);
    }
  }
  return out;
}

function received(w: Watched): string[] {
  return w.got.flatMap((r) =>
    r.events.map((e) => {
      const k = Buffer.from(e.kv.key).toString();
      const v = (kv: typeof e.kv): string => `${Buffer.from(kv.value).toString()} c${kv.createRevision} m${kv.modRevision} v${kv.version}`;
      const main = e.type === 'delete' ? `${e.kv.modRevision} delete ${k}` : `${e.kv.modRevision} put ${k}=${v(e.kv)}`;
      return e.prevKv === undefined ? main : `${main} prev ${v(e.prevKv)}`;
    }),
  );
}

/** Reads everything until every watcher is synced and nothing is queued or parked. */
async function settle(f: WatchFixture, stream: WatchStream, watched: Map<number, Watched>): Promise<void> {
  const take = (): void => {
    for (const r of drain(stream)) watched.get(r.watchId)?.got.push(r);
  };
  await waitFor(() => {
    take();
    const c = f.store.counts();
    return c.unsynced === 0 && c.parked === 0;
  }, 'watchers to catch up');
  take();
}

function verify(model: Model, watched: Map<number, Watched>): void {
  for (const w of watched.values()) {
    assert.deepEqual(received(w), expected(model, w), `watcher ${JSON.stringify(w.spec)} from ${w.from}`);
    const seen = new Set<number>();
    for (const r of w.got) {
      assert.equal(r.compactRevision, 0, 'no watcher starts below the compaction here');
      const revs = new Set(r.events.map((e) => e.kv.modRevision));
      for (const rev of revs) {
        assert.ok(!seen.has(rev), `revision ${rev} split across responses`);
        assert.ok(rev <= r.revision, `response at ${r.revision} carries an event of ${rev}`);
        seen.add(rev);
      }
    }
  }
}

async function run(ops: Op[]): Promise<void> {
  const f = await WatchFixture.create({ syncRecordLimit: 3, compactionBatchLimit: 2 });
  const model = new Model();
  let stream = f.store.newWatchStream(3);
  let watched = new Map<number, Watched>();
  try {
    for (const o of ops) {
      switch (o.t) {
        case 'write': {
          const w = f.store.kv.write();
          for (const x of o.ops) {
            if (x.t === 'put') w.put(b(x.k), b(x.v));
            else w.deleteRange(b(x.k), x.end === undefined ? undefined : b(x.end));
          }
          w.end();
          model.apply(o.ops);
          break;
        }
        case 'watch': {
          const s = o.spec;
          const low = Math.max(model.compactRev + 1, 1);
          const startRev = s.start === 'now' ? 0 : low + Math.floor(s.start * (model.rev + 2 - low));
          const end = s.end === undefined ? undefined : s.end === '\0' ? ALL : b(s.end);
          if (s.end !== undefined && s.end !== '\0' && s.key >= s.end) {
            assert.throws(() => stream.watch({ key: b(s.key), end: b(s.end as string) }), WatcherRangeError);
            break;
          }
          const id = stream.watch({ key: b(s.key), ...(end === undefined ? {} : { end }), startRev, prevKv: s.prevKv, noPut: s.noPut, noDelete: s.noDelete });
          watched.set(id, { spec: s, id, from: startRev === 0 ? model.rev + 1 : startRev, got: [] });
          break;
        }
        case 'compact': {
          // Compaction racing a watcher's catch-up is covered by the unit tests; here every
          // watcher is synced first, so the model's expectations stay exact.
          await settle(f, stream, watched);
          if (model.rev <= model.compactRev) break;
          const rev = Math.min(model.rev, model.compactRev + 1 + Math.floor(o.frac * (model.rev - model.compactRev)));
          await f.store.kv.compact(rev);
          model.compactRev = rev;
          break;
        }
        case 'check':
          await settle(f, stream, watched);
          verify(model, watched);
          break;
        case 'restart':
          await settle(f, stream, watched);
          verify(model, watched);
          await f.backend.commit();
          await f.reopen();
          stream = f.store.newWatchStream(3);
          watched = new Map();
          break;
      }
    }
    await settle(f, stream, watched);
    verify(model, watched);
  } finally {
    await f.close();
  }
}

test('every watch stream matches the model through writes, txns, compactions, restarts and a slow reader', async () => {
  await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 30 }), run), { numRuns: 80 });
});
