import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { describe, test } from 'node:test';
import { MessageType } from '../../../server/src/raft/index.js';
import { type LogFields, type Logger } from '../../../server/src/util/index.js';
import { CLUSTER, messageOfType, metricValue, startMember, waitFor } from './helpers.js';

/** A logger that keeps every line, for asserting what the transport said. */
function recordingLogger(lines: { level: string; msg: string; fields: LogFields }[] = []): Logger {
  const log = (level: string) => (msg: string, fields: LogFields = {}) => void lines.push({ level, msg, fields });
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => logger };
  return logger;
}

describe('peer transport: failures', () => {
  test('a restarted receiver is redialed; messages sent while it was down are dropped and reported', async () => {
    const a = await startMember(1n);
    let b = await startMember(2n);
    const port = new URL(b.url()).port;
    try {
      a.transport.addPeer(b.id, [b.url()]);
      await waitFor('stream up', () => a.transport.activePeers() === 1);
      a.transport.send([messageOfType(MessageType.MsgHeartbeat, 1n, 2n, 1)]);
      await waitFor('first message', () => b.handler.received.length === 1);

      await b.transport.close();
      await waitFor('stream down', () => a.transport.activePeers() === 0);
      assert.equal(await metricValue(a.registry, 'etcd_network_active_peers', { Local: '1', Remote: '2' }), 0);
      const failuresBefore = await metricValue(a.registry, 'etcd_network_peer_sent_failures_total', { To: '2' });
      a.transport.send([2, 3, 4].map((i) => messageOfType(MessageType.MsgApp, 1n, 2n, i)));
      assert.equal(await metricValue(a.registry, 'etcd_network_peer_sent_failures_total', { To: '2' }), failuresBefore + 3);
      await waitFor('unreachable reported', () => a.handler.unreachable.includes(2n));

      b = await startMember(2n, { listenUrls: [`http://127.0.0.1:${port}`] });
      await waitFor('stream back up', () => a.transport.activePeers() === 1);
      a.transport.send([messageOfType(MessageType.MsgApp, 1n, 2n, 5)]);
      await waitFor('later message arrives', () => b.handler.received.length === 1);
      assert.equal(b.handler.received[0]?.index, 5);
    } finally {
      await a.transport.close();
      await b.transport.close();
    }
  });

  test('a member of another cluster is refused with 412 and nothing is delivered; the sender keeps retrying', async () => {
    const lines: { level: string; msg: string; fields: LogFields }[] = [];
    const a = await startMember(1n, { clusterId: 0xdeadn, logger: recordingLogger(lines) });
    const b = await startMember(2n);
    try {
      a.transport.addPeer(b.id, [b.url()]);
      const refusals = (): number => lines.filter((l) => l.msg.includes('will retry') && String(l.fields['error']).includes('412')).length;
      await waitFor('three refused dials', () => refusals() >= 3);
      assert.equal(a.transport.activePeers(), 0);
      a.transport.send([messageOfType(MessageType.MsgHeartbeat, 1n, 2n, 1)]);
      assert.equal(b.handler.received.length, 0);
      const retry = lines.filter((l) => String(l.fields['error']).includes('412')).map((l) => Number(l.fields['retry-ms']));
      assert.deepEqual(retry.slice(0, 3), [20, 40, 80], 'backoff doubles');
      const error = String(lines.find((l) => String(l.fields['error']).includes('412'))?.fields['error']);
      assert.match(error, /local cluster 1c2d3e4f5a6b7c8d, remote cluster dead/);

      // A direct request gets the same answer, with the member id checked as well.
      const status = await rawStream(b.url(), { cluster: 0xdeadn, from: 1n, to: 2n });
      assert.equal(status.status, 412);
      assert.match(status.body, /cluster ID mismatch/);
      const wrongTo = await rawStream(b.url(), { cluster: CLUSTER, from: 1n, to: 9n });
      assert.equal(wrongTo.status, 412);
      assert.match(wrongTo.body, /member ID mismatch/);
    } finally {
      await a.transport.close();
      await b.transport.close();
    }
  });

  test('a removed member gets 410 and stops dialing that peer', async () => {
    const lines: { level: string; msg: string; fields: LogFields }[] = [];
    const a = await startMember(1n, { logger: recordingLogger(lines) });
    const b = await startMember(2n);
    // c is of another cluster: a's retries to it serve as a clock that a's backoff periods have passed.
    const c = await startMember(3n, { clusterId: 0xbeefn });
    let bSawRequests = 0;
    const isRemoved = b.handler.isRemoved.bind(b.handler);
    b.handler.isRemoved = (id) => {
      bSawRequests++;
      return isRemoved(id);
    };
    b.handler.removed.add(1n);
    try {
      a.transport.addPeer(b.id, [b.url()]);
      await waitFor('removal logged', () => lines.some((l) => l.msg.includes('removed from the cluster; stopped dialing')));
      assert.equal(bSawRequests, 1);
      a.transport.addPeer(c.id, [c.url()]);
      const refusedByC = (): number => lines.filter((l) => l.msg.includes('will retry')).length;
      await waitFor('several backoff periods', () => refusedByC() >= 5);
      assert.equal(bSawRequests, 1, 'no redial after 410');
      assert.deepEqual(a.handler.removedBy, [2n], 'the member is told');
      assert.equal(a.transport.activePeers(), 0);
      assert.equal((await rawStream(b.url(), { cluster: CLUSTER, from: 1n, to: 2n })).status, 410);
    } finally {
      await Promise.all([a, b, c].map((m) => m.transport.close()));
    }
  });

  test('a member removed while its stream is open is cut off, redials, hears 410 and is told', async () => {
    const a = await startMember(1n);
    const b = await startMember(2n);
    try {
      a.transport.addPeer(b.id, [b.url()]);
      await waitFor('a first message', () => {
        if (a.transport.activePeers() === 1) a.transport.send([messageOfType(MessageType.MsgHeartbeat, 1n, 2n, 1)]);
        return b.handler.from(1n).length > 0;
      });
      const before = b.handler.from(1n).length;
      b.handler.removed.add(1n);
      // Sent until one reaches the open stream (a message sent while a is not connected is dropped).
      await waitFor('a to be told it was removed', () => {
        a.transport.send([messageOfType(MessageType.MsgHeartbeat, 1n, 2n, 2)]);
        return a.handler.removedBy.length > 0;
      });
      assert.deepEqual(a.handler.removedBy, [2n]);
      assert.equal(b.handler.from(1n).length, before, 'nothing of a removed member is processed');
    } finally {
      await Promise.all([a, b].map((m) => m.transport.close()));
    }
  });

  test('probe answers 200, unknown paths 404; malformed peer URLs are refused', async () => {
    const { createPeerTransport, PeerUrlError } = await import('../../../server/src/transport/index.js');
    const b = await startMember(2n);
    try {
      const session = http2.connect(b.url());
      const status = (path: string): Promise<number> =>
        new Promise((resolve, reject) => {
          const req = session.request({ ':method': 'GET', ':path': path }, { endStream: true });
          req.on('response', (h) => resolve(Number(h[':status'])));
          req.on('error', reject);
          req.resume();
        });
      assert.equal(await status('/raft/probe'), 200);
      assert.equal(await status('/nope'), 404);
      session.destroy();
    } finally {
      await b.transport.close();
    }
    const handler = b.handler;
    const base = { memberId: 1n, clusterId: 1n, handler };
    assert.throws(() => createPeerTransport({ ...base, listenUrls: ['unix:///tmp/x'] }), PeerUrlError);
    const t = createPeerTransport({ ...base, listenUrls: [] });
    assert.throws(() => t.addPeer(2n, ['not a url']), PeerUrlError);
    await t.close();
  });

  test('close is idempotent and stops the senders', async () => {
    const a = await startMember(1n);
    const b = await startMember(2n);
    a.transport.addPeer(b.id, [b.url()]);
    await waitFor('stream up', () => a.transport.activePeers() === 1);
    await Promise.all([a.transport.close(), a.transport.close()]);
    await a.transport.close();
    assert.equal(a.transport.activePeers(), 0);
    await b.transport.close();
  });
});

/** Opens a raft stream by hand and returns the answer. */
async function rawStream(url: string, ids: { cluster: bigint; from: bigint; to: bigint }): Promise<{ status: number; body: string }> {
  const session = http2.connect(url);
  try {
    return await new Promise((resolve, reject) => {
      const req = session.request({
        ':method': 'POST',
        ':path': '/raft/stream',
        'x-cairn-cluster-id': ids.cluster.toString(16),
        'x-cairn-from': ids.from.toString(16),
        'x-cairn-to': ids.to.toString(16),
      });
      let status = 0;
      let body = '';
      req.setEncoding('utf8');
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (s: string) => (body += s));
      req.on('end', () => resolve({ status, body }));
      req.on('error', reject);
    });
  } finally {
    session.destroy();
  }
}
