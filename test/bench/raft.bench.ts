/**
 * The raft core alone (not a test: prints numbers, asserts nothing).
 *   npm run bench:raft
 * Three RawNodes in one process over an in-memory network (MemoryStorage, no disk): the leader
 * takes `batch` proposals of 256 bytes, then every node handles its Ready and every message is
 * delivered until the cluster is quiet; repeated. Reports committed entries per second (all
 * three nodes applied them) and the CPU time per committed entry, which covers the work of all
 * three nodes (one thread runs them all). A batch is proposed as one message (proposeMany), as the
 * member proposes everything that arrived in one turn of the event loop.
 */
import { nodeId } from '../../server/src/raft/index.js';
import { TestCluster } from '../server/raft/cluster-helpers.js';

const payload = new Uint8Array(256).fill(0x61);

function run(batch: number, total: number): { perSec: number; cpuUs: number } {
  const c = new TestCluster([1, 2, 3]);
  c.node(1).campaign();
  c.stabilize();
  const leader = c.node(1);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let proposed = 0;
  while (proposed < total) {
    if (batch === 1) leader.propose(payload);
    else leader.proposeMany(Array.from({ length: batch }, () => payload));
    proposed += batch;
    c.stabilize();
    // Keep the in-memory logs short, as a member compacts after snapshots.
    if (proposed % 50_000 < batch) {
      for (const [id, s] of c.storages) {
        const applied = c.nodes.get(id)?.raft.raftLog.applied ?? 0;
        if (applied > s.firstIndex()) s.compact(applied as never);
      }
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  const applied = c.applied.get(nodeId(3))?.length ?? 0;
  if (applied !== total) throw new Error(`node 3 applied ${applied} of ${total}`);
  return { perSec: total / (ms / 1000), cpuUs: (cpu.user + cpu.system) / total };
}

console.log('batch | committed entries/s | CPU µs per entry (3 nodes)');
for (const [batch, total] of [
  [1, 20_000],
  [100, 200_000],
  [1000, 400_000],
] as const) {
  run(batch, Math.min(total, 5_000)); // warm-up
  const { perSec, cpuUs } = run(batch, total);
  console.log(`${String(batch).padStart(5)} | ${Math.round(perSec).toLocaleString('en').padStart(19)} | ${cpuUs.toFixed(2)}`);
}
