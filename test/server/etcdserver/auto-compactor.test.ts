import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AutoCompactor } from '../../../server/src/etcdserver/auto-compactor.js';

function fakeMember() {
  const m = {
    t: 0,
    rev: 1,
    compactRev: 0,
    compactions: [] as number[],
    target: {
      now: () => m.t,
      rev: () => m.rev,
      compactRev: () => m.compactRev,
      compact: (r: number) => {
        m.compactions.push(r);
        m.compactRev = r;
        return Promise.resolve();
      },
    },
  };
  return m;
}

/** Advances the clock in steps of `step` ms for `total` ms, writing `perStep` revisions each step. */
async function run(c: AutoCompactor, m: ReturnType<typeof fakeMember>, total: number, step: number, perStep: number): Promise<void> {
  for (let t = 0; t < total; t += step) {
    m.t += step;
    m.rev += perStep;
    c.check();
    await Promise.resolve();
  }
}

describe('auto-compaction', () => {
  test('periodic keeps at least the retention of history, compacting once a period', async () => {
    const m = fakeMember();
    const c = new AutoCompactor('periodic', 10 * 60_000, m.target); // 10 minutes
    await run(c, m, 35 * 60_000, 1000, 1); // one revision a second for 35 minutes
    assert.equal(c.period, 10 * 60_000);
    assert.equal(m.compactions.length, 2, `compactions at ${m.compactions.join(', ')}`);
    for (const r of m.compactions) assert.ok(r > 1);
    // The last compaction (at minute 30) kept at least 10 minutes (600 revisions) of history.
    assert.ok(m.rev - 5 * 60 - (m.compactions.at(-1) ?? 0) >= 600, `history kept: ${m.rev - (m.compactions.at(-1) ?? 0)}`);
  });

  test('periodic with a retention over an hour compacts hourly', () => {
    const c = new AutoCompactor('periodic', 72 * 3_600_000, fakeMember().target);
    assert.equal(c.period, 3_600_000);
  });

  test('revision mode compacts to current minus retention every five minutes', async () => {
    const m = fakeMember();
    const c = new AutoCompactor('revision', 100, m.target);
    await run(c, m, 11 * 60_000, 60_000, 50);
    // At minute 5 the revision is 251, at minute 10 it is 501: each time, 100 back.
    assert.deepEqual(m.compactions, [151, 401]);
  });

  test('retention 0 never compacts', async () => {
    const m = fakeMember();
    const c = new AutoCompactor('revision', 0, m.target);
    await run(c, m, 60 * 60_000, 60_000, 50);
    assert.deepEqual(m.compactions, []);
  });
});
