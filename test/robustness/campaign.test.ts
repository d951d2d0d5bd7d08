// The short robustness campaign of `npm test`: a few seeded runs against real Cairn clusters of
// 1 and 3 members, every workload and every kind of fault, checked for linearizability, watch
// guarantees, the final state, txn atomicity and lease revocation. Any finding fails the test
// and prints the seed, the fault log and the minimal failing sub-history.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { failed, formatRun } from './campaign/report.js';
import { runOnce, type RunOptions } from './campaign/run.js';

async function campaign(opts: RunOptions): Promise<void> {
  const result = await runOnce(opts);
  const report = formatRun(opts, result);
  console.log(report);
  assert.ok(!failed(result), report);
  assert.notEqual(result.check.kind, 'unknown', report);
  // The run must have done real work, or passing means nothing.
  assert.ok(result.rec.ops.filter((o) => o.output !== undefined).length > 100, `too few completed operations\n${report}`);
  assert.ok(result.rec.faults.length > 0, 'no fault was injected');
}

describe('robustness campaign against Cairn', { timeout: 240_000 }, () => {
  test('1 member: kill -9, SIGSTOP, failpoint crashes, client link faults, compaction', () =>
    campaign({ target: 'cairn', members: 1, seed: 11, durationMs: 10_000 }));

  test('3 members, seed 21: every fault kind', () => campaign({ target: 'cairn', members: 3, seed: 21, durationMs: 12_000 }));

  // This seed black-holes a member past a compaction (it catches up by a raft snapshot), replaces
  // one with a fresh data dir (re-added as a learner, promoted through a follower) and splits.
  test('3 members, seed 22: partitions, snapshot catch-up, membership changes', () =>
    campaign({
      target: 'cairn', members: 3, seed: 22, durationMs: 12_000,
      faults: ['split', 'blackhole-snapshot', 'replace', 'compact-defrag'],
    }));
});
