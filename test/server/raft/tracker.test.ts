import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Changer } from '../../../server/src/raft/confchange.js';
import { ProgressTracker, cloneTrackerConfig, emptyTrackerConfig, progressMapString, trackerConfigString } from '../../../server/src/raft/tracker/tracker.js';
import { index, nodeId, type NodeId } from '../../../server/src/raft/types.js';
import { adopt, emptyTracker, ids, parseChanges } from './confchange-helpers.js';

/** A tracker built by simple changes of one node each, then optionally a joint change. */
function build(simple: string, joint?: string): ProgressTracker {
  const trk = emptyTracker();
  for (const cc of parseChanges(simple)) adopt(trk, new Changer(trk, index(1)).simple(cc));
  if (joint !== undefined) adopt(trk, new Changer(trk, index(1)).enterJoint(false, ...parseChanges(joint)));
  return trk;
}
const setMatch = (trk: ProgressTracker, m: Record<number, number>) => {
  for (const [id, v] of Object.entries(m)) (trk.progress.get(nodeId(BigInt(id))) ?? assert.fail(`no ${id}`)).match = index(v);
};
const setActive = (trk: ProgressTracker, active: number[]) => {
  for (const [id, pr] of trk.progress) pr.recentActive = active.includes(Number(id));
};

describe('ProgressTracker', () => {
  test('a new tracker is empty', () => {
    const trk = new ProgressTracker(8);
    assert.equal(trk.maxInflight, 8);
    assert.equal(trk.maxInflightBytes, Infinity);
    assert.deepEqual(trk.confState(), { voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false });
    assert.equal(trk.isSingleton(), false);
    assert.deepEqual(trk.voterNodes(), []);
    assert.equal(trackerConfigString(trk.config), 'voters=()');
  });

  test('committed is what a majority of voters matched; learners do not count', () => {
    const trk = build('v1 v2 v3 l4 l5');
    setMatch(trk, { 1: 10, 2: 6, 3: 2, 4: 100, 5: 100 });
    assert.equal(trk.committed(), 6);
    setMatch(trk, { 2: 1 });
    assert.equal(trk.committed(), 2);
  });

  test('committed in a joint config needs both halves', () => {
    const trk = build('v1 v2 v3', 'r3 v4 v5');
    assert.equal(trk.config.voters.toString(), '(1 2 4 5)&&(1 2 3)');
    setMatch(trk, { 1: 10, 2: 10, 3: 10, 4: 1, 5: 1 });
    assert.equal(trk.committed(), 1, 'incoming (1 2 4 5) has only two at 10');
    setMatch(trk, { 4: 7 });
    assert.equal(trk.committed(), 7);
    setMatch(trk, { 2: 0, 3: 0 });
    assert.equal(trk.committed(), 0, 'outgoing (1 2 3) has only one at 10');
  });

  test('quorumActive counts recently active voters only, in both halves', () => {
    const trk = build('v1 v2 v3 l4 l5');
    setActive(trk, [1, 4, 5]);
    assert.equal(trk.quorumActive(), false);
    setActive(trk, [1, 3]);
    assert.equal(trk.quorumActive(), true);
    const joint = build('v1 v2 v3', 'r2 r3 v4 v5');
    setActive(joint, [1, 4, 5]);
    assert.equal(joint.quorumActive(), false, 'the outgoing half (1 2 3) has one');
    setActive(joint, [1, 2, 4]);
    assert.equal(joint.quorumActive(), true);
  });

  test('votes: the first answer counts, learners and strangers are not tallied', () => {
    const trk = build('v1 v2 v3 v4 v5 l6');
    trk.recordVote(nodeId(1), true);
    trk.recordVote(nodeId(1), false);
    trk.recordVote(nodeId(2), false);
    trk.recordVote(nodeId(6), true);
    trk.recordVote(nodeId(9), true);
    assert.deepEqual(trk.tallyVotes(), { granted: 1, rejected: 1, result: 'pending' });
    trk.recordVote(nodeId(3), true);
    trk.recordVote(nodeId(4), true);
    assert.deepEqual(trk.tallyVotes(), { granted: 3, rejected: 1, result: 'won' });
    trk.resetVotes();
    assert.deepEqual(trk.tallyVotes(), { granted: 0, rejected: 0, result: 'pending' });
    for (const id of [1, 2, 3]) trk.recordVote(nodeId(id), false);
    assert.deepEqual(trk.tallyVotes(), { granted: 0, rejected: 3, result: 'lost' });
  });

  test('an election in a joint config needs both halves', () => {
    const trk = build('v1 v2 v3', 'r1 r2 r3 v4 v5 v6');
    for (const id of [4, 5, 6]) trk.recordVote(nodeId(id), true);
    assert.equal(trk.tallyVotes().result, 'pending');
    trk.recordVote(nodeId(1), false);
    trk.recordVote(nodeId(2), false);
    assert.deepEqual(trk.tallyVotes(), { granted: 3, rejected: 2, result: 'lost' });
  });

  test('visit, voterNodes and learnerNodes go in ascending id order', () => {
    const trk = build('v10 v2 l30 l4', 'v100');
    const seen: NodeId[] = [];
    trk.visit((id) => seen.push(id));
    assert.deepEqual(seen, ids(2, 4, 10, 30, 100));
    assert.deepEqual(trk.voterNodes(), ids(2, 10, 100));
    assert.deepEqual(trk.learnerNodes(), ids(4, 30));
  });

  test('isSingleton: one voter, not joint', () => {
    assert.equal(build('v1').isSingleton(), true);
    assert.equal(build('v1 l2').isSingleton(), true);
    assert.equal(build('v1 v2').isSingleton(), false);
    assert.equal(build('v1 v2', 'r2').isSingleton(), false);
  });

  test('confState lists each set ascending', () => {
    const trk = build('v3 v1 v2 l9', 'l2 v7');
    assert.deepEqual(trk.confState(), {
      voters: ids(1, 3, 7),
      learners: ids(9),
      votersOutgoing: ids(1, 2, 3),
      learnersNext: ids(2),
      autoLeave: false,
    });
    assert.equal(trackerConfigString(trk.config), 'voters=(1 3 7)&&(1 2 3) learners=(9) learners_next=(2)');
  });

  test('config copies are deep; progress prints one node per line', () => {
    const trk = build('v1 v2');
    const c = cloneTrackerConfig(trk.config);
    c.voters.incoming.ids.add(nodeId(5));
    c.learners.add(nodeId(6));
    assert.equal(trackerConfigString(trk.config), 'voters=(1 2)');
    assert.equal(trackerConfigString(emptyTrackerConfig()), 'voters=()');
    assert.equal(progressMapString(trk.progress), '1: StateProbe match=0 next=1\n2: StateProbe match=0 next=1\n');
  });
});
