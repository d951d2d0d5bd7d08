import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Changer, checkInvariants, describeChanges, restore, toConfChangeSingles } from '../../../server/src/raft/confchange.js';
import { ConfChangeType, type ConfChangeSingle } from '../../../server/src/raft/message.js';
import { compareNodeIds } from '../../../server/src/raft/quorum.js';
import { ConfChangeError } from '../../../server/src/raft/tracker/errors.js';
import { Progress } from '../../../server/src/raft/tracker/progress.js';
import { emptyTrackerConfig, progressMapString, trackerConfigString, type TrackerConfig } from '../../../server/src/raft/tracker/tracker.js';
import { JointConfig, MajorityConfig } from '../../../server/src/raft/quorum.js';
import { index, nodeId, type ConfState, type NodeId } from '../../../server/src/raft/types.js';
import { adopt, emptyTracker, ids, parseChanges, restored, runOp, type ScriptOp } from './confchange-helpers.js';

/** A script: ops run in order on one tracker, each with the expected printout (config, then progress). */
type Script = { name: string; lastIndex?: number; steps: [ScriptOp, string][] };

const p = (id: number, rest = 'StateProbe match=0 next=1') => `${id}: ${rest}\n`;

const scripts: Script[] = [
  {
    name: 'simple changes build a config one voter at a time',
    steps: [
      [{ simple: 'v1' }, `voters=(1)\n${p(1)}`],
      [{ simple: 'v2 v3' }, 'error: more than one voter changed without entering joint config'],
      [{ simple: 'v2' }, `voters=(1 2)\n${p(1)}${p(2)}`],
      [{ simple: 'l3 l4' }, `voters=(1 2) learners=(3 4)\n${p(1)}${p(2)}${p(3, 'StateProbe match=0 next=1 learner')}${p(4, 'StateProbe match=0 next=1 learner')}`],
      // Promoting one learner and removing one voter in one simple change is two voter changes.
      [{ simple: 'v3 r1' }, 'error: more than one voter changed without entering joint config'],
      [{ simple: 'v3' }, `voters=(1 2 3) learners=(4)\n${p(1)}${p(2)}${p(3)}${p(4, 'StateProbe match=0 next=1 learner')}`],
      // Demoting a voter to learner outside joint consensus is one voter change.
      [{ simple: 'l1' }, `voters=(2 3) learners=(1 4)\n${p(1, 'StateProbe match=0 next=1 learner')}${p(2)}${p(3)}${p(4, 'StateProbe match=0 next=1 learner')}`],
      [{ simple: 'r4 r1' }, `voters=(2 3)\n${p(2)}${p(3)}`],
      // Removing an unknown node, updating, and a zeroed change do nothing.
      [{ simple: 'r9 u2 v0' }, `voters=(2 3)\n${p(2)}${p(3)}`],
      // Re-adding an existing voter is a no-op; re-adding a learner likewise.
      [{ simple: 'v2 v2 v3' }, `voters=(2 3)\n${p(2)}${p(3)}`],
    ],
  },
  {
    name: 'new members probe from the last index',
    lastIndex: 10,
    steps: [
      [{ simple: 'v1' }, `voters=(1)\n${p(1, 'StateProbe match=0 next=10')}`],
      [{ simple: 'l2' }, `voters=(1) learners=(2)\n${p(1, 'StateProbe match=0 next=10')}${p(2, 'StateProbe match=0 next=10 learner')}`],
    ],
  },
  {
    name: 'errors leave nothing behind: empty configs, removing all voters',
    steps: [
      [{ simple: 'l1' }, 'error: removed all voters'],
      [{ enter: 'v1' }, "error: can't make a zero-voter config joint"],
      [{ leave: true }, "error: can't leave a non-joint config"],
      [{ simple: 'v1' }, `voters=(1)\n${p(1)}`],
      [{ simple: 'r1' }, 'error: removed all voters'],
      [{ enter: 'r1 l1' }, 'error: removed all voters'],
    ],
  },
  {
    name: 'joint consensus: add two, leave',
    steps: [
      [{ simple: 'v1' }, `voters=(1)\n${p(1)}`],
      [{ enter: 'v2 v3', autoLeave: true }, `voters=(1 2 3)&&(1) autoleave\n${p(1)}${p(2)}${p(3)}`],
      [{ enter: 'v4' }, 'error: config is already joint'],
      [{ simple: 'v4' }, "error: can't apply simple config change in joint config"],
      [{ leave: true }, `voters=(1 2 3)\n${p(1)}${p(2)}${p(3)}`],
      [{ leave: true }, "error: can't leave a non-joint config"],
    ],
  },
  {
    name: 'joint consensus: a removed voter keeps its progress until the joint config is left',
    steps: [
      [{ simple: 'v1' }, `voters=(1)\n${p(1)}`],
      [{ simple: 'v2' }, `voters=(1 2)\n${p(1)}${p(2)}`],
      [{ simple: 'v3' }, `voters=(1 2 3)\n${p(1)}${p(2)}${p(3)}`],
      [{ enter: 'r3 v4 l5' }, `voters=(1 2 4)&&(1 2 3) learners=(5)\n${p(1)}${p(2)}${p(3)}${p(4)}${p(5, 'StateProbe match=0 next=1 learner')}`],
      [{ leave: true }, `voters=(1 2 4) learners=(5)\n${p(1)}${p(2)}${p(4)}${p(5, 'StateProbe match=0 next=1 learner')}`],
    ],
  },
  {
    name: 'joint consensus: a demoted voter waits in learners_next',
    steps: [
      [{ simple: 'v1' }, `voters=(1)\n${p(1)}`],
      [{ simple: 'v2' }, `voters=(1 2)\n${p(1)}${p(2)}`],
      [{ simple: 'v3' }, `voters=(1 2 3)\n${p(1)}${p(2)}${p(3)}`],
      [{ enter: 'l3' }, `voters=(1 2)&&(1 2 3) learners_next=(3)\n${p(1)}${p(2)}${p(3)}`],
      [{ leave: true }, `voters=(1 2) learners=(3)\n${p(1)}${p(2)}${p(3, 'StateProbe match=0 next=1 learner')}`],
    ],
  },
  {
    name: 'joint consensus: demoted then promoted back in the same change',
    steps: [
      [{ simple: 'v1' }, `voters=(1)\n${p(1)}`],
      [{ simple: 'v2' }, `voters=(1 2)\n${p(1)}${p(2)}`],
      [{ enter: 'l2 v2' }, `voters=(1 2)&&(1 2)\n${p(1)}${p(2)}`],
      [{ leave: true }, `voters=(1 2)\n${p(1)}${p(2)}`],
    ],
  },
  {
    name: 'joint consensus: a learner promoted and a voter replaced at once',
    steps: [
      [{ simple: 'v1' }, `voters=(1)\n${p(1)}`],
      [{ simple: 'v2' }, `voters=(1 2)\n${p(1)}${p(2)}`],
      [{ simple: 'l3' }, `voters=(1 2) learners=(3)\n${p(1)}${p(2)}${p(3, 'StateProbe match=0 next=1 learner')}`],
      [{ enter: 'v3 r1 l2' }, `voters=(3)&&(1 2) learners_next=(2)\n${p(1)}${p(2)}${p(3)}`],
      [{ leave: true }, `voters=(3) learners=(2)\n${p(2, 'StateProbe match=0 next=1 learner')}${p(3)}`],
    ],
  },
  {
    name: 'joint consensus: removing a staged learner drops it from learners_next but not its progress yet',
    steps: [
      [{ simple: 'v1' }, `voters=(1)\n${p(1)}`],
      [{ simple: 'v2' }, `voters=(1 2)\n${p(1)}${p(2)}`],
      [{ enter: 'l2 r2' }, `voters=(1)&&(1 2)\n${p(1)}${p(2)}`],
      [{ leave: true }, `voters=(1)\n${p(1)}`],
    ],
  },
];

describe('Changer scripts', () => {
  for (const s of scripts) {
    test(s.name, () => {
      const trk = emptyTracker();
      for (const [i, [op, want]] of s.steps.entries()) {
        const before = trackerConfigString(trk.config) + progressMapString(trk.progress);
        const got = runOp(trk, op, s.lastIndex ?? 0);
        assert.equal(got, want, `step ${i + 1}: ${JSON.stringify(op)}`);
        if (got.startsWith('error: ')) {
          assert.equal(trackerConfigString(trk.config) + progressMapString(trk.progress), before, 'a refused change leaves the tracker as it was');
        }
      }
    });
  }
});

describe('Changer', () => {
  test('does not modify the tracker it reads, and keeps the progress of existing members', () => {
    const trk = emptyTracker();
    adopt(trk, new Changer(trk, index(5)).simple(...parseChanges('v1')));
    const pr1 = trk.progress.get(nodeId(1)) ?? assert.fail();
    pr1.becomeReplicate();
    pr1.maybeUpdate(index(4));
    pr1.sentEntries(1, 10);
    const res = new Changer(trk, index(5)).enterJoint(false, ...parseChanges('v2 l1'));
    // Still as before in the tracker.
    assert.equal(trackerConfigString(trk.config), 'voters=(1)');
    assert.equal(trk.progress.size, 1);
    assert.equal(pr1.isLearner, false);
    // The result carries a copy of 1's progress, with its state, demoted to staged learner.
    assert.equal(trackerConfigString(res.config), 'voters=(2)&&(1) learners_next=(1)');
    const copy = res.progress.get(nodeId(1)) ?? assert.fail();
    assert.notEqual(copy, pr1);
    assert.equal(copy.toString(), 'StateReplicate match=4 next=6 inflight=1');
    assert.equal(res.progress.get(nodeId(2))?.recentActive, true, 'new members count as active');
  });

  test('an unknown change type is refused', () => {
    const trk = emptyTracker();
    const bogus = { type: 9, nodeId: nodeId(1) } as unknown as ConfChangeSingle;
    assert.throws(() => new Changer(trk, index(0)).simple(bogus), /unexpected conf change type/);
  });

  test('a tracker that breaks the invariants is refused before any change', () => {
    const trk = emptyTracker();
    trk.config.voters.incoming.ids.add(nodeId(1));
    assert.throws(() => new Changer(trk, index(0)).simple(...parseChanges('v2')), { name: 'ConfChangeError', message: 'no progress for 1' });
  });
});

describe('checkInvariants', () => {
  const mk = (f: (c: TrackerConfig, prs: Map<NodeId, Progress>) => void) => {
    const c = emptyTrackerConfig();
    const prs = new Map<NodeId, Progress>();
    f(c, prs);
    return () => checkInvariants(c, prs);
  };
  const add = (prs: Map<NodeId, Progress>, id: number, learner = false) => prs.set(nodeId(id), new Progress(index(1), 4, Infinity, learner));
  const cases: [string, () => void, string | undefined][] = [
    ['the empty config', mk(() => {}), undefined],
    ['a voter without progress', mk((c) => c.voters.incoming.ids.add(nodeId(1))), 'no progress for 1'],
    ['an outgoing voter without progress', mk((c, prs) => { c.voters = new JointConfig(new MajorityConfig(ids(1)), new MajorityConfig(ids(2))); add(prs, 1); }), 'no progress for 2'],
    ['a learner without progress', mk((c, prs) => { c.voters.incoming.ids.add(nodeId(1)); add(prs, 1); c.learners.add(nodeId(3)); }), 'no progress for 3'],
    ['a progress without member', mk((c, prs) => { c.voters.incoming.ids.add(nodeId(1)); add(prs, 1); add(prs, 2); }), 'progress for 2, but it is not in the config'],
    [
      'a staged learner that is no outgoing voter',
      mk((c, prs) => { c.voters = new JointConfig(new MajorityConfig(ids(1)), new MajorityConfig(ids(1))); add(prs, 1); add(prs, 2); c.learnersNext.add(nodeId(2)); }),
      '2 is in LearnersNext, but not Voters[1]',
    ],
    [
      'a staged learner already marked learner',
      mk((c, prs) => { c.voters = new JointConfig(new MajorityConfig(ids(1)), new MajorityConfig(ids(1, 2))); add(prs, 1); add(prs, 2, true); c.learnersNext.add(nodeId(2)); }),
      '2 is in LearnersNext, but is already marked as learner',
    ],
    [
      'a learner that is an outgoing voter',
      mk((c, prs) => { c.voters = new JointConfig(new MajorityConfig(ids(1)), new MajorityConfig(ids(1, 2))); add(prs, 1); add(prs, 2, true); c.learners.add(nodeId(2)); }),
      '2 is in Learners and Voters[1]',
    ],
    ['a learner that is an incoming voter', mk((c, prs) => { c.voters.incoming.ids.add(nodeId(1)); add(prs, 1, true); c.learners.add(nodeId(1)); }), '1 is in Learners and Voters[0]'],
    ['a learner not marked learner', mk((c, prs) => { c.voters.incoming.ids.add(nodeId(1)); add(prs, 1); add(prs, 2); c.learners.add(nodeId(2)); }), '2 is in Learners, but is not marked as learner'],
    ['a voter marked learner', mk((c, prs) => { c.voters.incoming.ids.add(nodeId(1)); add(prs, 1, true); }), '1 is a voter, but is marked as learner'],
    ['autoLeave outside joint', mk((c, prs) => { c.voters.incoming.ids.add(nodeId(1)); add(prs, 1); c.autoLeave = true; }), 'AutoLeave must be false when not joint'],
    ['a staged learner outside joint', mk((c, prs) => { c.voters.incoming.ids.add(nodeId(1)); add(prs, 1); c.learnersNext.add(nodeId(1)); }), '1 is in LearnersNext, but not Voters[1]'],
    ['autoLeave while joint', mk((c, prs) => { c.voters = new JointConfig(new MajorityConfig(ids(1)), new MajorityConfig(ids(1))); add(prs, 1); c.autoLeave = true; }), undefined],
  ];
  for (const [name, run, err] of cases) {
    test(`${name}: ${err ?? 'ok'}`, () => {
      if (err === undefined) run();
      else assert.throws(run, (e: unknown) => e instanceof ConfChangeError && e.message === err);
    });
  }
});

const cs = (o: Partial<Record<'voters' | 'learners' | 'votersOutgoing' | 'learnersNext', number[]>> & { autoLeave?: boolean }): ConfState => ({
  voters: ids(...(o.voters ?? [])),
  learners: ids(...(o.learners ?? [])),
  votersOutgoing: ids(...(o.votersOutgoing ?? [])),
  learnersNext: ids(...(o.learnersNext ?? [])),
  autoLeave: o.autoLeave ?? false,
});

describe('restore', () => {
  const cases: [ConfState, string][] = [
    [cs({}), 'voters=()'],
    [cs({ voters: [1, 2, 3] }), 'voters=(1 2 3)'],
    [cs({ voters: [1, 2, 3], learners: [4, 5] }), 'voters=(1 2 3) learners=(4 5)'],
    [cs({ voters: [1, 2, 3], votersOutgoing: [1, 2, 4, 6], learners: [5], learnersNext: [4], autoLeave: true }), 'voters=(1 2 3)&&(1 2 4 6) learners=(5) learners_next=(4) autoleave'],
    [cs({ voters: [4, 5], votersOutgoing: [1, 2, 3] }), 'voters=(4 5)&&(1 2 3)'],
    [cs({ voters: [1], votersOutgoing: [1], learnersNext: [] }), 'voters=(1)&&(1)'],
  ];
  for (const [state, want] of cases) {
    test(`${want}`, () => {
      const trk = restored(state, 7);
      assert.equal(trackerConfigString(trk.config), want);
      assert.deepEqual(trk.confState(), state);
      for (const [id, pr] of trk.progress) {
        assert.equal(pr.next, 7);
        assert.equal(pr.isLearner, state.learners.includes(id), `learner flag of ${id}`);
      }
    });
  }

  test('a ConfState that breaks the rules is refused', () => {
    assert.throws(() => restored(cs({ voters: [1], learners: [1] })), { name: 'ConfChangeError', message: 'removed all voters' });
    assert.throws(() => restored(cs({ learners: [1] })), { name: 'ConfChangeError', message: 'removed all voters' });
    assert.throws(() => restored(cs({ voters: [], votersOutgoing: [1] })), { name: 'ConfChangeError', message: 'removed all voters' });
  });

  test('an empty ConfState hands back copies of the changer config, never the tracker objects', () => {
    const trk = emptyTracker();
    adopt(trk, new Changer(trk, index(0)).simple(...parseChanges('v1')));
    const r = restore(new Changer(trk, index(0)), cs({}));
    assert.notEqual(r.config, trk.config);
    assert.notEqual(r.progress.get(nodeId(1)), trk.progress.get(nodeId(1)));
    assert.equal(trackerConfigString(r.config), 'voters=(1)');
    r.config.voters.incoming.ids.add(nodeId(2));
    assert.equal(trackerConfigString(trk.config), 'voters=(1)');
  });

  test('toConfChangeSingles: outgoing voters first, then the incoming side', () => {
    const { outgoing, incoming } = toConfChangeSingles(cs({ voters: [1, 2, 3], votersOutgoing: [1, 2, 4, 6], learners: [5], learnersNext: [4] }));
    assert.equal(describeChanges(outgoing), 'v1 v2 v4 v6');
    assert.equal(describeChanges(incoming), 'r1 r2 r4 r6 v1 v2 v3 l5 l4');
  });
});

test('parseChanges and describeChanges are inverse', () => {
  const s = 'v1 l2 r3 u4 v18446744073709551615';
  const ccs = parseChanges(s);
  assert.deepEqual(ccs.map((c) => c.type), [ConfChangeType.AddNode, ConfChangeType.AddLearnerNode, ConfChangeType.RemoveNode, ConfChangeType.UpdateNode, ConfChangeType.AddNode]);
  assert.equal(ccs[4]?.nodeId, 0xffffffffffffffffn);
  assert.equal(describeChanges(ccs), s);
  assert.deepEqual(parseChanges('  '), []);
  assert.throws(() => parseChanges('x1'), /bad conf change token/);
});

describe('properties (fast-check)', () => {
  // Five node ids and voter/learner-heavy changes, so sequences often hit the same nodes.
  const change = fc.record({ type: fc.constantFrom<ConfChangeType>(0, 0, 1, 2, 3, 3), nodeId: fc.integer({ min: 1, max: 5 }).map((n) => nodeId(n)) });
  const op = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('simple' as const), ccs: fc.array(change, { minLength: 1, maxLength: 2 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('enter' as const), autoLeave: fc.boolean(), ccs: fc.array(change, { maxLength: 5 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('leave' as const) }) },
  );
  const initialVoters = fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { minLength: 1 });

  /** The invariants, stated again independently of checkInvariants. */
  function assertWellFormed(trk: ReturnType<typeof emptyTracker>): void {
    const { voters, learners, learnersNext, autoLeave } = trk.config;
    const members = new Set([...voters.ids(), ...learners, ...learnersNext]);
    assert.deepEqual([...trk.progress.keys()].sort(compareNodeIds), [...members].sort(compareNodeIds));
    for (const id of learners) assert.ok(!voters.ids().has(id) && trk.progress.get(id)?.isLearner === true);
    for (const id of learnersNext) assert.ok(voters.outgoing.ids.has(id) && !voters.incoming.ids.has(id) && trk.progress.get(id)?.isLearner === false);
    for (const id of voters.ids()) assert.equal(trk.progress.get(id)?.isLearner, false);
    if (!voters.isJoint()) assert.ok(learnersNext.size === 0 && !autoLeave);
    if (trk.progress.size > 0) assert.ok(voters.incoming.size > 0);
  }

  test('random change sequences keep the invariants, and restore(confState()) reproduces the config', () => {
    fc.assert(
      fc.property(initialVoters, fc.array(op, { maxLength: 25 }), fc.integer({ min: 0, max: 50 }), (init, ops, lastIndex) => {
        const trk = restored(cs({ voters: init }), lastIndex);
        assertWellFormed(trk);
        for (const o of ops) {
          const changer = new Changer(trk, index(lastIndex));
          const before = trackerConfigString(trk.config) + progressMapString(trk.progress);
          try {
            if (o.kind === 'simple') adopt(trk, changer.simple(...o.ccs));
            else if (o.kind === 'enter') adopt(trk, changer.enterJoint(o.autoLeave, ...o.ccs));
            else adopt(trk, changer.leaveJoint());
          } catch (err) {
            assert.ok(err instanceof ConfChangeError, String(err));
            assert.equal(trackerConfigString(trk.config) + progressMapString(trk.progress), before);
            continue;
          }
          assertWellFormed(trk);
          const again = restored(trk.confState(), lastIndex);
          assert.equal(trackerConfigString(again.config), trackerConfigString(trk.config));
          assert.deepEqual(again.confState(), trk.confState());
          for (const [id, pr] of trk.progress) assert.equal(again.progress.get(id)?.isLearner, pr.isLearner);
          assert.equal(again.progress.size, trk.progress.size);
        }
      }),
      { numRuns: 400 },
    );
  });
});
