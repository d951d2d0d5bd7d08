import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageType } from '../../../server/src/raft/index.js';
import { messageOfType, metricValue, startMember, waitFor } from './helpers.js';

test('a full queue drops what does not fit: counted, reported unreachable, MsgSnap reported failed', async () => {
  const a = await startMember(1n, { queueSize: 10 });
  const b = await startMember(2n);
  try {
    a.transport.addPeer(b.id, [b.url()]);
    await waitFor('stream up', () => a.transport.activePeers() === 1);
    const msgs = Array.from({ length: 25 }, (_, i) => messageOfType(i === 20 ? MessageType.MsgSnap : MessageType.MsgApp, 1n, 2n, i));
    a.transport.send(msgs);
    assert.equal(await metricValue(a.registry, 'etcd_network_peer_sent_failures_total', { To: '2' }), 15);
    await waitFor('first ten delivered', () => b.handler.received.length === 10);
    assert.deepEqual(
      b.handler.received.map((m) => m.index),
      Array.from({ length: 10 }, (_, i) => i),
    );
    await waitFor('reports', () => a.handler.unreachable.length >= 1 && a.handler.snapshotReports.length === 1);
    // Reported once per backoff period, not once per dropped message.
    assert.ok(a.handler.unreachable.length < 15, `${a.handler.unreachable.length} reports`);
    assert.deepEqual(a.handler.snapshotReports, [{ id: 2n, ok: false }]);

    // The queue drains each turn: the next batch fits again.
    a.transport.send(Array.from({ length: 10 }, (_, i) => messageOfType(MessageType.MsgApp, 1n, 2n, 100 + i)));
    await waitFor('next ten delivered', () => b.handler.received.length === 20);
    assert.equal(await metricValue(a.registry, 'etcd_network_peer_sent_failures_total', { To: '2' }), 15);
  } finally {
    await a.transport.close();
    await b.transport.close();
  }
});

test('messages to a peer whose stream is not up yet are dropped, not queued', async () => {
  const a = await startMember(1n);
  const b = await startMember(2n);
  try {
    a.transport.addPeer(b.id, [b.url()]);
    a.transport.send([messageOfType(MessageType.MsgHeartbeat, 1n, 2n, 1)]);
    assert.equal(await metricValue(a.registry, 'etcd_network_peer_sent_failures_total', { To: '2' }), 1);
    await waitFor('stream up', () => a.transport.activePeers() === 1);
    a.transport.send([messageOfType(MessageType.MsgHeartbeat, 1n, 2n, 2)]);
    await waitFor('delivered', () => b.handler.received.length === 1);
    assert.equal(b.handler.received[0]?.index, 2);
  } finally {
    await a.transport.close();
    await b.transport.close();
  }
});
