/**
 * Seeded fault simulation of the raft core: 3, 5 and 7 nodes over a network that drops,
 * duplicates, delays, reorders and partitions, with crashes, restarts, snapshots, ReadIndex and
 * leader transfers; every safety property is checked after every step (see invariants.ts), then
 * the cluster is healed and must elect a leader and commit new proposals (scenario.ts).
 *
 * Replay one seed (the failure message prints the exact command):
 *   CAIRN_RAFT_SEED=<seed> CAIRN_RAFT_NODES=<n> node --test dist/test/server/raft/simulation/simulation.test.js
 * Other knobs: CAIRN_RAFT_STEPS=<fault steps> (default per size below), CAIRN_RAFT_TRACE=1 (print
 * every event), CAIRN_RAFT_SEEDS=<count> and CAIRN_RAFT_SEED_BASE=<first seed> to explore more
 * seeds than `npm test` runs, CAIRN_RAFT_SUMMARY=1 (print what the runs did).
 * Messages, snapshots included, also arrive while a node is between ready() and advance(): raft
 * must refuse a snapshot then (it found that bug once).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runSimulation, type SimSummary } from './scenario.js';

interface Size {
  nodes: number;
  seeds: number;
  steps: number;
}
const SIZES: Size[] = [
  { nodes: 3, seeds: 250, steps: 2000 },
  { nodes: 5, seeds: 150, steps: 2000 },
  { nodes: 7, seeds: 100, steps: 2000 },
];

const env = process.env;
const onlySeed = env.CAIRN_RAFT_SEED === undefined ? undefined : Number(env.CAIRN_RAFT_SEED);
const onlyNodes = env.CAIRN_RAFT_NODES === undefined ? undefined : Number(env.CAIRN_RAFT_NODES);
const stepsOverride = env.CAIRN_RAFT_STEPS === undefined ? undefined : Number(env.CAIRN_RAFT_STEPS);
const seedsOverride = env.CAIRN_RAFT_SEEDS === undefined ? undefined : Number(env.CAIRN_RAFT_SEEDS);
const seedBase = Number(env.CAIRN_RAFT_SEED_BASE ?? 1);
const trace = env.CAIRN_RAFT_TRACE === '1';

function seedsFor(size: Size): number[] {
  if (onlySeed !== undefined) return [onlySeed];
  const n = seedsOverride ?? size.seeds;
  return Array.from({ length: n }, (_, i) => seedBase + i);
}

type Counter = Exclude<keyof SimSummary, 'counts'>;
function total(xs: SimSummary[], k: Counter): number {
  return xs.reduce((s, x) => s + x[k], 0);
}

function counted(xs: SimSummary[], kind: string): number {
  return xs.reduce((s, x) => s + (x.counts.get(kind) ?? 0), 0);
}

function summary(xs: SimSummary[]): string {
  const all = new Map<string, number>();
  for (const x of xs) for (const [k, v] of x.counts) all.set(k, (all.get(k) ?? 0) + v);
  const fields = (['steps', 'leaders', 'committed', 'applies', 'reads', 'livenessTicks'] as const).map((k) => `${k}=${total(xs, k)}`);
  return [...fields, ...[...all].sort().map(([k, v]) => `${k}=${v}`)].join(' ');
}

describe('raft simulation', () => {
  for (const size of SIZES) {
    if (onlyNodes !== undefined && onlyNodes !== size.nodes) continue;
    const seeds = seedsFor(size);
    test(`${seeds.length} seeds × ${size.nodes} nodes: safety after every step, liveness after heal`, () => {
      const runs: SimSummary[] = [];
      for (const seed of seeds) {
        runs.push(runSimulation({ seed, nodes: size.nodes, faultSteps: stepsOverride ?? size.steps, trace }));
      }
      // The runs must have exercised raft, not idled: elections, commits, applies, reads.
      assert.ok(total(runs, 'leaders') >= seeds.length, 'at least one leader per seed');
      assert.ok(total(runs, 'committed') > seeds.length * 5, 'entries were committed');
      assert.ok(total(runs, 'applies') > 0 && total(runs, 'reads') > 0, 'entries were applied and reads answered');
      if (seeds.length >= 20) {
        // The faults the brief asks for happened, and raft's recovery paths ran.
        for (const kind of ['crash', 'restart', 'partition', 'msg:MsgSnap', 'snapshot-restored', 'transfer-timeout-now']) {
          assert.ok(counted(runs, kind) > 0, `no ${kind} in ${seeds.length} seeds`);
        }
      }
      if (env.CAIRN_RAFT_SUMMARY === '1' || onlySeed !== undefined) console.log(`${size.nodes} nodes: ${summary(runs)}`);
    });
  }
});
