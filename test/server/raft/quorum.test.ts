import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { JointConfig, MajorityConfig, UNBOUNDED_INDEX, compareNodeIds, type VoteResult } from '../../../server/src/raft/quorum.js';
import { index, nodeId, type Index, type NodeId } from '../../../server/src/raft/types.js';

const cfg = (...ns: number[]) => new MajorityConfig(ns.map((n) => nodeId(n)));
const acks = (o: Record<number, number>) => {
  const m = new Map<NodeId, Index>(Object.entries(o).map(([k, v]) => [nodeId(BigInt(k)), index(v)]));
  return (id: NodeId) => m.get(id);
};
const votes = (o: Record<number, boolean>) => new Map<NodeId, boolean>(Object.entries(o).map(([k, v]) => [nodeId(BigInt(k)), v]));

describe('MajorityConfig.committedIndex', () => {
  const cases: [number[], Record<number, number>, number][] = [
    [[], {}, UNBOUNDED_INDEX],
    [[1], {}, 0],
    [[1], { 1: 12 }, 12],
    [[1], { 2: 12 }, 0],
    [[1, 2], { 1: 10, 2: 5 }, 5],
    [[1, 2], { 1: 10 }, 0],
    [[1, 2, 3], { 1: 10, 2: 5, 3: 1 }, 5],
    [[1, 2, 3], { 1: 10 }, 0],
    [[1, 2, 3], { 1: 10, 2: 3 }, 3],
    [[1, 2, 3], { 1: 7, 2: 7, 3: 7 }, 7],
    [[1, 2, 3, 4], { 1: 10, 2: 9, 3: 8, 4: 7 }, 8],
    [[1, 2, 3, 4], { 1: 10, 2: 9 }, 0],
    [[1, 2, 3, 4, 5], { 1: 10, 2: 9, 3: 8, 4: 7, 5: 6 }, 8],
    [[1, 2, 3, 4, 5], { 1: 1, 2: 100, 3: 100 }, 1],
    // Acks of non-members do not count.
    [[1, 2, 3], { 1: 10, 4: 10, 5: 10 }, 0],
  ];
  for (const [voters, a, want] of cases) {
    test(`${cfg(...voters).toString()} acks=${JSON.stringify(a)} → ${want}`, () => {
      assert.equal(cfg(...voters).committedIndex(acks(a)), want);
    });
  }
});

describe('MajorityConfig.voteResult', () => {
  const cases: [number[], Record<number, boolean>, VoteResult][] = [
    [[], {}, 'won'],
    [[], { 1: false }, 'won'],
    [[1], {}, 'pending'],
    [[1], { 1: true }, 'won'],
    [[1], { 1: false }, 'lost'],
    [[1, 2], { 1: true }, 'pending'],
    [[1, 2], { 1: true, 2: true }, 'won'],
    [[1, 2], { 1: true, 2: false }, 'lost'],
    [[1, 2, 3], { 1: true }, 'pending'],
    [[1, 2, 3], { 1: true, 2: true }, 'won'],
    [[1, 2, 3], { 1: true, 2: false }, 'pending'],
    [[1, 2, 3], { 1: false, 2: false }, 'lost'],
    [[1, 2, 3, 4], { 1: true, 2: true }, 'pending'],
    [[1, 2, 3, 4], { 1: true, 2: true, 3: false, 4: false }, 'lost'],
    [[1, 2, 3, 4], { 1: true, 2: true, 3: true }, 'won'],
    // Votes of non-members are ignored.
    [[1, 2, 3], { 1: true, 4: true, 5: true }, 'pending'],
    [[1, 2, 3], { 4: false, 5: false, 6: false }, 'pending'],
  ];
  for (const [voters, v, want] of cases) {
    test(`${cfg(...voters).toString()} votes=${JSON.stringify(v)} → ${want}`, () => {
      assert.equal(cfg(...voters).voteResult(votes(v)), want);
    });
  }
});

describe('JointConfig', () => {
  test('committed index is the smaller of the halves; an empty outgoing half is neutral', () => {
    const a = acks({ 1: 10, 2: 9, 3: 8, 4: 2, 5: 1 });
    assert.equal(new JointConfig(cfg(1, 2, 3), cfg(3, 4, 5)).committedIndex(a), 2);
    assert.equal(new JointConfig(cfg(3, 4, 5), cfg(1, 2, 3)).committedIndex(a), 2);
    assert.equal(new JointConfig(cfg(1, 2, 3), cfg()).committedIndex(a), 9);
    assert.equal(new JointConfig(cfg(), cfg()).committedIndex(a), UNBOUNDED_INDEX);
  });

  const results: [VoteResult, VoteResult, VoteResult][] = [
    ['won', 'won', 'won'],
    ['won', 'pending', 'pending'],
    ['pending', 'won', 'pending'],
    ['won', 'lost', 'lost'],
    ['lost', 'won', 'lost'],
    ['pending', 'lost', 'lost'],
    ['lost', 'pending', 'lost'],
    ['pending', 'pending', 'pending'],
    ['lost', 'lost', 'lost'],
  ];
  // Incoming (1 2 3), outgoing (4 5 6); votes chosen to give each half the wanted result.
  const give: Record<VoteResult, (base: number) => Record<number, boolean>> = {
    won: (b) => ({ [b]: true, [b + 1]: true }),
    lost: (b) => ({ [b]: false, [b + 1]: false }),
    pending: (b) => ({ [b]: true }),
  };
  for (const [inc, out, want] of results) {
    test(`vote: incoming ${inc}, outgoing ${out} → ${want}`, () => {
      const j = new JointConfig(cfg(1, 2, 3), cfg(4, 5, 6));
      assert.equal(j.incoming.voteResult(votes(give[inc](1))), inc);
      assert.equal(j.voteResult(votes({ ...give[inc](1), ...give[out](4) })), want);
    });
  }

  test('a non-joint config votes as its incoming half', () => {
    assert.equal(new JointConfig(cfg(1, 2, 3)).voteResult(votes({ 1: true, 2: true })), 'won');
    assert.equal(new JointConfig(cfg(1, 2, 3)).voteResult(votes({ 1: false, 2: false })), 'lost');
    assert.equal(new JointConfig(cfg(1, 2, 3)).voteResult(votes({})), 'pending');
  });

  test('ids, isJoint, clone and string forms', () => {
    const j = new JointConfig(cfg(3, 1, 2), cfg(4, 2, 10));
    assert.deepEqual([...j.ids()].sort(compareNodeIds), [1n, 2n, 3n, 4n, 10n]);
    assert.equal(j.isJoint(), true);
    assert.equal(j.toString(), '(1 2 3)&&(2 4 10)');
    assert.equal(new JointConfig(cfg(2, 1)).toString(), '(1 2)');
    assert.equal(new JointConfig(cfg(2, 1)).isJoint(), false);
    assert.equal(cfg().toString(), '()');
    const c = j.clone();
    c.incoming.ids.add(nodeId(99));
    assert.equal(j.incoming.ids.has(nodeId(99)), false);
    assert.deepEqual(cfg(30, 4, 200).slice(), [4n, 30n, 200n]);
    assert.deepEqual([compareNodeIds(nodeId(2), nodeId(2)), compareNodeIds(nodeId(1), nodeId(2)), compareNodeIds(nodeId(2n ** 63n), nodeId(1))], [0, -1, 1]);
  });
});

// Brute-force definitions to check the fast paths against.
function bruteCommitted(voters: number[], ack: Map<number, number>): number {
  if (voters.length === 0) return Infinity;
  let best = 0;
  for (const k of [0, ...ack.values()]) {
    const have = voters.filter((v) => (ack.get(v) ?? 0) >= k).length;
    if (2 * have > voters.length && k > best) best = k;
  }
  return best;
}
function bruteVote(voters: number[], v: Map<number, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  const yes = voters.filter((id) => v.get(id) === true).length;
  const notNo = voters.filter((id) => v.get(id) !== false).length;
  if (2 * yes > voters.length) return 'won';
  if (2 * notNo <= voters.length) return 'lost';
  return 'pending';
}

const voterSet = fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { maxLength: 7 });
const ackMap = fc.dictionary(fc.integer({ min: 1, max: 12 }).map(String), fc.integer({ min: 0, max: 20 }));
const voteMap = fc.dictionary(fc.integer({ min: 1, max: 12 }).map(String), fc.boolean());
const toNum = <V>(d: Record<string, V>) => new Map(Object.entries(d).map(([k, v]) => [Number(k), v]));

describe('quorum properties (fast-check)', () => {
  test('majority committedIndex equals the brute-force definition; joint is the min of both', () => {
    fc.assert(
      fc.property(voterSet, voterSet, ackMap, (inc, out, rawAcks) => {
        const a = toNum(rawAcks);
        const indexer = (id: NodeId) => (a.has(Number(id)) ? index(a.get(Number(id)) as number) : undefined);
        const i = cfg(...inc).committedIndex(indexer);
        const o = cfg(...out).committedIndex(indexer);
        assert.equal(i, bruteCommitted(inc, a));
        assert.equal(o, bruteCommitted(out, a));
        assert.equal(new JointConfig(cfg(...inc), cfg(...out)).committedIndex(indexer), Math.min(i, o));
      }),
      { numRuns: 500 },
    );
  });

  test('voteResult equals the brute-force definition, for majority and joint', () => {
    fc.assert(
      fc.property(voterSet, voterSet, voteMap, (inc, out, rawVotes) => {
        const v = toNum(rawVotes);
        const m = new Map([...v].map(([k, x]) => [nodeId(k), x] as const));
        const i = bruteVote(inc, v);
        const o = bruteVote(out, v);
        assert.equal(cfg(...inc).voteResult(m), i);
        const want = i === o ? i : i === 'lost' || o === 'lost' ? 'lost' : 'pending';
        assert.equal(new JointConfig(cfg(...inc), cfg(...out)).voteResult(m), want);
      }),
      { numRuns: 500 },
    );
  });
});
