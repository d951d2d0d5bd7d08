// Checking the checker: the same short campaign against a real etcd 3.4.23 cluster of 3 members
// must pass (a harness or checker that flags etcd would flag Cairn wrongly too). One fault is left
// out: a member black-holed until it needs a snapshot makes etcd 3.4.23's watches go back in time
// (etcd-io/etcd#15271, fixed in later releases), which the watch validators rightly report; the
// long campaign (`--target etcd`) keeps that fault and shows it.
import { describe, test } from 'node:test';
import { expectCleanRun } from './campaign/expect-clean.js';

describe('robustness campaign against etcd 3.4.23', { timeout: 180_000 }, () => {
  test('3 members: the campaign shape Cairn runs passes on etcd', async () => {
    const faults = ['kill', 'pause', 'isolate', 'split', 'peer-link', 'client-link', 'compact-defrag', 'replace'];
    await expectCleanRun({ target: 'etcd', members: 3, seed: 31, durationMs: 12_000, faults });
  });
});
