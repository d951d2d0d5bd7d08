import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Bucket } from '../backend/index.js';
import { failpoint, tracer } from '../util/index.js';
import { decodeRevisionKey, encodeRevisionKey, type RevisionSet } from './revision.js';
import { FINISHED_COMPACT_KEY, SCHEDULED_COMPACT_KEY, type StoreCore } from './store-core.js';

const trace = tracer('mvcc');

/**
 * Starts a compaction at `rev` (checked by the caller): refuses reads below `rev` at once and
 * makes the plan durable (meta scheduledCompactRev, committed) before any history is removed,
 * so that a crash from here on is finished by the next open.
 */
export async function scheduleCompaction(core: StoreCore, rev: number): Promise<void> {
  core.compactRev = rev;
  core.backend.put(Bucket.meta, SCHEDULED_COMPACT_KEY, encodeRevisionKey({ main: rev, sub: 0 }));
  await core.backend.commit();
}

/**
 * Removes the history a compaction at `rev` drops: compacts the index, then deletes every
 * backend record with main ≤ rev that the index no longer needs, `batch` keys at a time,
 * yielding to the event loop between steps so writes and reads go on meanwhile. Writers only
 * add revisions above `rev`, which this never touches. Ends by recording finishedCompactRev.
 */
export async function finishCompaction(core: StoreCore, rev: number, batch: number): Promise<void> {
  const c = core.index.startCompaction(rev);
  while (!c.step(batch)) await yieldToLoop();
  const removed = await deleteSuperseded(core, rev, c.available, batch);
  failpoint('compactBeforeFinish');
  core.backend.put(Bucket.meta, FINISHED_COMPACT_KEY, encodeRevisionKey({ main: rev, sub: 0 }));
  await core.backend.commit();
  trace('compacted at %d: removed %d records, kept %d', rev, removed, c.available.size);
}

async function deleteSuperseded(core: StoreCore, rev: number, keep: RevisionSet, batch: number): Promise<number> {
  const end = mainPrefix(rev + 1);
  let start: Uint8Array = mainPrefix(0);
  let removed = 0;
  for (;;) {
    const keys = firstKeys(core, start, end, batch);
    for (const k of keys) {
      if (keep.has(decodeRevisionKey(k).rev)) continue;
      core.backend.delete(Bucket.key, k);
      removed++;
    }
    const last = keys[keys.length - 1];
    if (keys.length < batch || last === undefined) return removed;
    const r = decodeRevisionKey(last).rev;
    start = encodeRevisionKey({ main: r.main, sub: r.sub + 1 });
    failpoint('compactAfterBatch');
    await yieldToLoop();
  }
}

/** Up to `limit` keys of the key bucket in [start, end), without their values. */
function firstKeys(core: StoreCore, start: Uint8Array, end: Uint8Array, limit: number): Buffer[] {
  const out: Buffer[] = [];
  const view = core.backend.readView();
  try {
    view.forEach(Bucket.key, start, end, (k) => {
      out.push(Buffer.from(k));
      return out.length < limit;
    });
  } finally {
    view.release();
  }
  return out;
}

/** The 8-byte big-endian main revision: every revision key of that main sorts at or after it. */
function mainPrefix(main: number): Uint8Array {
  return encodeRevisionKey({ main, sub: 0 }).subarray(0, 8);
}
