import { ConfChangeType, EntryType, type Message, MemoryStorage, type NodeId, RawNode, type Ready, confChangeOfEntry, emptyConfState, index, nodeId, term } from '../../../server/src/raft/index.js';

/**
 * A small in-memory cluster for tests: each node is a RawNode over a MemoryStorage, every
 * Ready is persisted, its messages queued, its committed entries recorded (conf changes
 * applied). `stabilize()` runs until nothing is left to do.
 */
export class TestCluster {
  readonly nodes = new Map<NodeId, RawNode>();
  readonly storages = new Map<NodeId, MemoryStorage>();
  readonly applied = new Map<NodeId, Uint8Array[]>();
  queue: Message[] = [];

  constructor(ids: number[], options: { preVote?: boolean; checkQuorum?: boolean } = {}) {
    const voters = ids.map((i) => nodeId(i));
    for (const id of voters) {
      const storage = new MemoryStorage();
      storage.applySnapshot({ data: new Uint8Array(0), metadata: { index: index(1), term: term(1), confState: { ...emptyConfState(), voters } } });
      this.storages.set(id, storage);
      this.applied.set(id, []);
      this.nodes.set(
        id,
        new RawNode({ id, electionTick: 10, heartbeatTick: 1, storage, maxInflightMsgs: 256, random: () => 0, ...options }),
      );
    }
  }

  node(id: number): RawNode {
    const n = this.nodes.get(nodeId(id));
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Handles one Ready of a node as the contract says; returns it. */
  handleReady(id: NodeId): Ready {
    const n = this.nodes.get(id) as RawNode;
    const s = this.storages.get(id) as MemoryStorage;
    const rd = n.ready();
    this.queue.push(...rd.messages);
    if (rd.snapshot !== undefined) s.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) s.append(rd.entries);
    if (rd.hardState !== undefined) s.setHardState(rd.hardState);
    this.queue.push(...rd.messagesAfterPersist);
    for (const e of rd.committedEntries) {
      if (e.type === EntryType.Normal) {
        if (e.data.byteLength > 0) this.applied.get(id)?.push(e.data);
        continue;
      }
      const cc = confChangeOfEntry(e);
      if (cc !== undefined) n.applyConfChange(cc);
    }
    n.advance(rd);
    return rd;
  }

  /** Processes Readies and delivers messages until the cluster is quiet; returns messages delivered. */
  stabilize(maxRounds = 10_000): number {
    let delivered = 0;
    for (let round = 0; round < maxRounds; round++) {
      let busy = false;
      for (const [id, n] of this.nodes) {
        if (n.hasReady()) {
          this.handleReady(id);
          busy = true;
        }
      }
      const msgs = this.queue;
      this.queue = [];
      for (const m of msgs) {
        this.nodes.get(m.to)?.step(m);
        delivered++;
        busy = true;
      }
      if (!busy) return delivered;
    }
    throw new Error('cluster did not stabilize');
  }

  leader(): NodeId | undefined {
    for (const [id, n] of this.nodes) if (n.raft.state === 'StateLeader') return id;
    return undefined;
  }
}

export { ConfChangeType };
