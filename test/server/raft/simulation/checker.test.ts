/**
 * Checks the checker: the simulation harness breaks raft on purpose (forged votes, a tampered
 * state machine, a rewritten leader log or disk, a forged read answer, a Ready handling that
 * breaks the persistence contract) and the safety checks must notice.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryType, type Message, MessageType, index, message, nodeId, term } from '../../../../server/src/raft/index.js';
import { SafetyViolation } from './invariants.js';
import { drain, runSimulation } from './scenario.js';
import { RaftSimulation, SimulationFailure } from './simulator.js';

/** A quiet 3-node cluster: no pre-vote, no check-quorum, a reliable network. */
function cluster(): RaftSimulation {
  return new RaftSimulation({
    seed: 7,
    nodes: 3,
    faultSteps: 0,
    settings: { preVote: false, checkQuorum: false, drop: 0, duplicate: 0, maxSizePerMsg: Infinity, maxInflightMsgs: 256, heartbeatTick: 1, confChanges: false },
  });
}

/** Elects `id` by campaigning and letting the cluster run. */
function elect(sim: RaftSimulation, id: number): void {
  sim.campaign(sim.node(id));
  drain(sim);
  assert.equal(sim.leader()?.id, nodeId(id));
}

/** Proposes on the leader and runs until every node applied (a heartbeat round brings the last commit index). */
function commitValues(sim: RaftSimulation, leader: number, values: string[]): void {
  for (const v of values) assert.ok(sim.propose(sim.node(leader), v));
  drain(sim);
  for (let round = 0; round < 2; round++) {
    for (const n of sim.alive()) sim.tick(n);
    drain(sim);
  }
}

function voteGrant(from: number, to: number, t: number): Message {
  return message({ type: MessageType.MsgVoteResp, from: nodeId(from), to: nodeId(to), term: term(t) });
}

const is = (type: MessageType, from: number, to: number) => (m: Message) => m.type === type && m.from === nodeId(from) && m.to === nodeId(to);

/** Asserts that `f` fails the run with a SafetyViolation whose message matches `property`. */
function assertViolation(f: () => void, property: RegExp): void {
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof SimulationFailure, `expected a SimulationFailure, got ${String(err)}`);
    assert.ok(err.cause instanceof SafetyViolation, `expected a SafetyViolation, got ${String(err.cause)}`);
    assert.match(err.cause.message, property);
    assert.match(err.message, /seed 7, 3 nodes, step \d+/);
    assert.match(err.message, /CAIRN_RAFT_SEED=7 CAIRN_RAFT_NODES=3/);
    return true;
  });
}

describe('raft simulation checker', () => {
  test('the harness itself elects, commits and applies without complaint', () => {
    const sim = cluster();
    elect(sim, 1);
    commitValues(sim, 1, ['a', 'b']);
    for (const n of sim.nodes) assert.deepEqual(n.stateMachine.slice(-2).map((e) => e.key), ['0:a', '0:b']);
    assert.equal(sim.nodes.length, 3);
  });

  test('a forged vote grant making a second leader in a term breaks election safety', () => {
    const sim = cluster();
    sim.campaign(sim.node(1));
    sim.campaign(sim.node(2)); // both candidates in one term
    const t = sim.node(2).node().raft.term;
    assert.equal(sim.node(1).node().raft.term, t);
    for (const id of [1, 2]) sim.ready(sim.node(id), true);
    assert.ok(sim.deliverWhere(is(MessageType.MsgVote, 1, 3)));
    sim.ready(sim.node(3), true); // node 3 votes for node 1
    assert.ok(sim.deliverWhere(is(MessageType.MsgVoteResp, 3, 1)));
    assert.equal(sim.leader()?.id, nodeId(1));
    sim.inject(voteGrant(3, 2, t)); // node 3 "also" votes for node 2
    assertViolation(() => sim.deliverWhere(is(MessageType.MsgVoteResp, 3, 2)), new RegExp(`election safety: term ${t} has two leaders, 1 and 2`));
  });

  test('a node applying different data at an index breaks state machine safety', () => {
    const sim = cluster();
    elect(sim, 1);
    sim.node(2).applyTamper = (e) => ({ ...e, key: `${e.key}!` });
    assertViolation(() => commitValues(sim, 1, ['x']), /state machine safety/);
  });

  test('a leader whose log loses an entry breaks leader append-only', () => {
    const sim = cluster();
    elect(sim, 1);
    assert.ok(sim.propose(sim.node(1), 'uncommitted'));
    const r = sim.node(1).node().raft;
    const last = r.raftLog.lastIndex();
    const forged = { index: last, term: term(r.term - 1), type: EntryType.Normal, data: new Uint8Array([1]) };
    assertViolation(() => sim.step('rewrite', () => r.raftLog.append([forged])), /leader append-only: leader 1 of term \d+ replaced its entry/);
  });

  test('two logs with different entries at one (index, term) break log matching', () => {
    const sim = cluster();
    elect(sim, 1);
    commitValues(sim, 1, ['p', 'q']);
    const n3 = sim.node(3);
    sim.crash(n3);
    const last = n3.disk.lastIndex();
    const [e] = n3.disk.entries(last, index(last + 1), Infinity);
    assert.ok(e !== undefined);
    const forged = { ...e, data: new TextEncoder().encode('not q') };
    assertViolation(() => sim.step('tamper disk', () => n3.disk.append([forged])), /log matching: node 3 has entry/);
  });

  test('a leader elected (by forged votes) without a committed entry breaks leader completeness', () => {
    const sim = cluster();
    elect(sim, 1);
    sim.partition([[nodeId(1), nodeId(2)], [nodeId(3)]]);
    commitValues(sim, 1, ['c1', 'c2']); // committed on 1 and 2 only
    sim.heal();
    sim.campaign(sim.node(3));
    sim.ready(sim.node(3), true);
    const t = sim.node(3).node().raft.term;
    sim.inject(voteGrant(1, 3, t));
    assertViolation(() => sim.deliverWhere(is(MessageType.MsgVoteResp, 1, 3)), /leader completeness: leader 3 of term \d+ lacks committed entry/);
  });

  test('a read answered below an index committed before the request breaks the read-index check', () => {
    const sim = cluster();
    elect(sim, 1);
    commitValues(sim, 1, ['w']);
    sim.readIndex(sim.node(2));
    const ctx = new TextEncoder().encode('read-0');
    const forged = message({
      type: MessageType.MsgReadIndexResp,
      from: nodeId(1),
      to: nodeId(2),
      term: term(2),
      index: index(1),
      entries: [{ index: index(0), term: term(0), type: EntryType.Normal, data: ctx }],
    });
    sim.inject(forged);
    assert.ok(sim.deliverWhere(is(MessageType.MsgReadIndexResp, 1, 2)));
    assertViolation(() => sim.ready(sim.node(2), true), /read index: request read-0 answered at index 1/);
  });

  test('a seed replays exactly: same steps, same outcome', () => {
    const a = runSimulation({ seed: 42, nodes: 5, faultSteps: 800 });
    const b = runSimulation({ seed: 42, nodes: 5, faultSteps: 800 });
    assert.deepEqual(a, b);
    assert.ok(a.steps > 800 && a.committed > 0);
  });

  test('sending messagesAfterPersist before persisting, with crashes, is caught in some seeds', () => {
    // The broken contract lets a node promise a vote or an append it then loses in a crash.
    // The seeds are fixed, so this is deterministic; how many of them catch it is reported.
    let caught = 0;
    const seeds = 60;
    for (let seed = 1; seed <= seeds; seed++) {
      try {
        runSimulation({ seed, nodes: 3, faultSteps: 1500, sendAfterPersistEarly: true });
      } catch (err) {
        if (!(err instanceof SimulationFailure)) throw err;
        caught++;
      }
    }
    assert.ok(caught > 0, `the broken Ready handling went unnoticed in ${seeds} seeds`);
  });
});

