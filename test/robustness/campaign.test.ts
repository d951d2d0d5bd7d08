// The short robustness campaign of `npm test`: a few seeded runs against real Cairn clusters of
// 1 and 3 members, every workload and every kind of fault, checked for linearizability, watch
// guarantees, the final state, txn atomicity and lease revocation. Any finding fails the test
// and prints the seed, the fault log and the minimal failing sub-history.
import { describe, test } from 'node:test';
import { expectCleanRun as campaign } from './campaign/expect-clean.js';

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
