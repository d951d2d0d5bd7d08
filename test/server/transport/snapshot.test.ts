import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MessageType, index, message, nodeId, term } from '../../../server/src/raft/index.js';
import { SnapshotDigestError, type OutgoingSnapshot } from '../../../server/src/transport/index.js';
import { type Member, metricValue, startMember, startProxy, waitFor } from './helpers.js';

const MIB = 1024 * 1024;
const MARKER = Buffer.from('cairn-corrupt-me');

/** `size` deterministic pseudo-random bytes, with MARKER planted at a few places. */
function database(size: number): Buffer {
  const db = Buffer.allocUnsafe(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    db.writeUInt32LE(x >>> 0, i);
  }
  for (let k = 1; k <= 8; k++) MARKER.copy(db, Math.floor((size * k) / 10));
  return db;
}

function snapshotOf(from: Member, to: Member, db: Buffer): OutgoingSnapshot {
  const msg = message({
    type: MessageType.MsgSnap,
    from: nodeId(from.id),
    to: nodeId(to.id),
    term: term(9),
    snapshot: {
      data: new Uint8Array(0),
      metadata: { index: index(1234), term: term(8), confState: { voters: [nodeId(1n), nodeId(2n)], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false } },
    },
  });
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < db.length; at += 64 * 1024) yield db.subarray(at, at + 64 * 1024);
  }
  return { msg, size: db.length, chunks: chunks() };
}

describe('peer transport: snapshots', () => {
  test('a 5 MiB database is streamed, its digest checked, then the MsgSnap processed', async () => {
    const a = await startMember(1n);
    const b = await startMember(2n);
    const order: string[] = [];
    const receive = b.handler.receiveSnapshot.bind(b.handler);
    b.handler.receiveSnapshot = async (msg, db) => {
      await receive(msg, db);
      order.push('saved');
    };
    const proc = b.handler.process.bind(b.handler);
    b.handler.process = (msg) => {
      order.push(`process ${msg.type}`);
      proc(msg);
    };
    try {
      a.transport.addPeer(b.id, [b.url()]);
      const db = database(5 * MIB);
      a.transport.sendSnapshot(snapshotOf(a, b, db));
      await waitFor('snapshot reported', () => a.handler.snapshotReports.length === 1);
      assert.deepEqual(a.handler.snapshotReports, [{ id: 2n, ok: true }]);
      assert.equal(b.handler.snapshots.length, 1);
      assert.ok(b.handler.snapshots[0]?.bytes.equals(db), 'the handler saw the same bytes');
      assert.deepEqual(order, ['saved', `process ${MessageType.MsgSnap}`]);
      const got = b.handler.received[0];
      assert.equal(got?.snapshot?.metadata.index, 1234);
      assert.deepEqual(got?.snapshot?.metadata.confState.voters, [1n, 2n]);
      assert.equal(await metricValue(a.registry, 'etcd_network_snapshot_send_success', { To: '2' }), 1);
      assert.equal(await metricValue(b.registry, 'etcd_network_snapshot_receive_success', { From: '1' }), 1);
      assert.ok((await metricValue(a.registry, 'etcd_network_peer_sent_bytes_total', { To: '2' })) > 5 * MIB);
    } finally {
      await a.transport.close();
      await b.transport.close();
    }
  });

  test('a database corrupted in flight makes the iterable throw, and the sender hears failure', async () => {
    const a = await startMember(1n);
    const b = await startMember(2n);
    let flipped = false;
    const proxy = await startProxy(b.url(), (chunk) => {
      const at = flipped ? -1 : chunk.indexOf(MARKER);
      if (at < 0) return chunk;
      flipped = true;
      const copy = Buffer.from(chunk);
      copy[at + 3] = (copy[at + 3] as number) ^ 0x01;
      return copy;
    });
    try {
      a.transport.addPeer(b.id, [proxy.url]);
      a.transport.sendSnapshot(snapshotOf(a, b, database(2 * MIB)));
      await waitFor('snapshot reported', () => a.handler.snapshotReports.length === 1);
      assert.ok(flipped, 'the proxy flipped a byte');
      assert.deepEqual(a.handler.snapshotReports, [{ id: 2n, ok: false }]);
      assert.equal(b.handler.snapshots.length, 0);
      assert.equal(b.handler.snapshotErrors.length, 1);
      assert.ok(b.handler.snapshotErrors[0] instanceof SnapshotDigestError);
      assert.equal(b.handler.received.filter((m) => m.type === MessageType.MsgSnap).length, 0, 'MsgSnap not processed');
      assert.equal(await metricValue(a.registry, 'etcd_network_snapshot_send_failures', { To: '2' }), 1);
      assert.equal(await metricValue(b.registry, 'etcd_network_snapshot_receive_failures', { From: '1' }), 1);
    } finally {
      await a.transport.close();
      await b.transport.close();
      await proxy.close();
    }
  });

  test('a snapshot to a peer that cannot be reached is reported failed', async () => {
    const a = await startMember(1n);
    const b = await startMember(2n);
    const url = b.url();
    await b.transport.close();
    try {
      a.transport.addPeer(b.id, [url]);
      a.transport.sendSnapshot(snapshotOf(a, b, database(64 * 1024)));
      a.transport.sendSnapshot({ ...snapshotOf(a, { ...b, id: 7n }, database(1024)) });
      await waitFor('both reported', () => a.handler.snapshotReports.length === 2);
      assert.deepEqual(
        [...a.handler.snapshotReports].sort((x, y) => Number(x.id - y.id)),
        [
          { id: 2n, ok: false },
          { id: 7n, ok: false },
        ],
      );
    } finally {
      await a.transport.close();
    }
  });
});
