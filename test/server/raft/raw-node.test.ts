import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProposalDroppedError, nodeId } from '../../../server/src/raft/index.js';
import { TestCluster } from './cluster-helpers.js';

const text = (xs: Uint8Array[] | undefined): string[] => (xs ?? []).map((x) => Buffer.from(x).toString());

describe('RawNode in a three-node cluster', () => {
  test('elects the node that campaigns, replicates and applies proposals everywhere in order', () => {
    const c = new TestCluster([1, 2, 3]);
    c.node(1).campaign();
    c.stabilize();
    assert.equal(c.leader(), nodeId(1));
    for (const id of [1, 2, 3]) assert.equal(c.node(id).raft.lead, nodeId(1));
    c.node(1).propose(Buffer.from('a'));
    c.node(2).propose(Buffer.from('b')); // forwarded to the leader
    c.stabilize();
    for (const id of [1, 2, 3]) assert.deepEqual(text(c.applied.get(nodeId(id))), ['a', 'b'], `node ${id}`);
    assert.equal(c.node(3).raft.raftLog.committed, c.node(1).raft.raftLog.lastIndex());
  });

  test('a proposal with no leader is dropped with a clear error', () => {
    const c = new TestCluster([1, 2, 3]);
    assert.throws(() => c.node(2).propose(Buffer.from('x')), (e: Error) => e instanceof ProposalDroppedError && e.message === 'raft proposal dropped: no leader');
  });

  test('pre-vote and check-quorum still elect and replicate', () => {
    const c = new TestCluster([1, 2, 3], { preVote: true, checkQuorum: true });
    c.node(2).campaign();
    c.stabilize();
    assert.equal(c.leader(), nodeId(2));
    c.node(2).propose(Buffer.from('z'));
    c.stabilize();
    for (const id of [1, 2, 3]) assert.deepEqual(text(c.applied.get(nodeId(id))), ['z']);
  });

  test('ReadIndex on a follower returns a read state at the commit index after one heartbeat round', () => {
    const c = new TestCluster([1, 2, 3]);
    c.node(1).campaign();
    c.stabilize();
    c.node(3).readIndex(Buffer.from('ctx1'));
    c.node(3).readIndex(Buffer.from('ctx2'));
    let states: { index: number; ctx: string }[] = [];
    for (let i = 0; i < 20; i++) {
      for (const [id, n] of c.nodes) {
        if (!n.hasReady()) continue;
        const rd = c.handleReady(id);
        if (id === nodeId(3)) states = states.concat(rd.readStates.map((r) => ({ index: r.index, ctx: Buffer.from(r.requestCtx).toString() })));
      }
      const q = c.queue;
      c.queue = [];
      for (const m of q) c.nodes.get(m.to)?.step(m);
    }
    const commit = c.node(1).raft.raftLog.committed;
    assert.deepEqual(states, [
      { index: commit, ctx: 'ctx1' },
      { index: commit, ctx: 'ctx2' },
    ]);
  });
});
