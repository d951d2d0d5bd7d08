// Checking the checker the other way: a deliberately broken Cairn (test-only failpoints in the
// server) must be caught. Each test runs a bounded number of seeded rounds until a round fails;
// the deadline bounds only a hang.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { failed, formatRun } from './campaign/report.js';
import { runOnce, type RunOptions, type RunResult } from './campaign/run.js';

async function untilCaught(rounds: number, make: (seed: number) => RunOptions): Promise<RunResult> {
  for (let i = 0; i < rounds; i++) {
    const opts = make(100 + i);
    const result = await runOnce(opts);
    console.log(formatRun(opts, result));
    if (failed(result)) return result;
  }
  assert.fail(`the broken mode was not caught in ${rounds} rounds`);
}

describe('a deliberately broken Cairn is caught', { timeout: 240_000 }, () => {
  test('unsafeFollowerLocalRead: a follower cut off from the leader answers linearizable reads from stale state', async () => {
    const r = await untilCaught(4, (seed) => ({
      target: 'cairn', members: 3, seed, durationMs: 8_000, faults: ['isolate'], modeFailpoints: ['unsafeFollowerLocalRead=on'], allWorkloads: false,
    }));
    assert.ok(r.violations.some((v) => v.source === 'linearizability' || v.source.startsWith('final')), formatRun({ target: 'cairn', members: 3, seed: r.seed, durationMs: 0 }, r));
  });

  test('unsafeAckBeforeFsync: kill -9 of a single member loses acknowledged writes', async () => {
    const r = await untilCaught(4, (seed) => ({
      target: 'cairn', members: 1, seed, durationMs: 8_000, faults: ['kill'], modeFailpoints: ['unsafeAckBeforeFsync=on'],
      allWorkloads: false, holdMs: [200, 500], gapMs: [1500, 2500],
    }));
    // Caught as what it is: acknowledged writes missing after the restart, not a member that fails to start.
    assert.equal(r.error, undefined, formatRun({ target: 'cairn', members: 1, seed: r.seed, durationMs: 0 }, r));
    assert.ok(r.violations.some((v) => v.source === 'linearizability' || v.source.startsWith('final')), formatRun({ target: 'cairn', members: 1, seed: r.seed, durationMs: 0 }, r));
  });
});
