import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EntryType, MessageType, index, message, nodeId, term } from '../../../server/src/raft/index.js';
import { type Member, messageOfType, metricValue, startMember, waitFor, waitForValue } from './helpers.js';

const TYPES = Object.values(MessageType);

describe('peer transport: three members exchanging messages', () => {
  let members: Member[] = [];

  before(async () => {
    members = await Promise.all([0xan, 0xbn, 0xcn].map((id) => startMember(id)));
    for (const m of members) for (const p of members) if (p !== m) m.transport.addPeer(p.id, [p.url()]);
    await waitFor('every stream up', () => members.every((m) => m.transport.activePeers() === 2));
  });
  after(async () => {
    await Promise.all(members.map((m) => m.transport.close()));
  });

  test('messages of every type arrive in order per sender, fields intact, across many batches', async () => {
    const rounds = 20;
    const sent = new Map<string, ReturnType<typeof messageOfType>[]>();
    for (let r = 0; r < rounds; r++) {
      for (const m of members) {
        const batch = [];
        for (const p of members) {
          if (p === m) continue;
          const mine = TYPES.map((t, i) => messageOfType(t, m.id, p.id, r * TYPES.length + i));
          batch.push(...mine);
          const key = `${m.id}->${p.id}`;
          sent.set(key, [...(sent.get(key) ?? []), ...mine]);
        }
        m.transport.send(batch);
      }
      // Let some batches go out in separate turns, others together.
      if (r % 3 === 0) await new Promise((res) => setImmediate(res));
    }
    const perPair = rounds * TYPES.length;
    await waitFor('all messages delivered', () => members.every((m) => m.handler.received.length === 2 * perPair));
    for (const m of members) {
      for (const p of members) {
        if (p === m) continue;
        const got = p.handler.from(m.id);
        assert.deepEqual(got.map(plain), (sent.get(`${m.id}->${p.id}`) ?? []).map(plain));
      }
    }
  });

  test('a large append (1,000 entries of 1 KiB) arrives whole', async () => {
    const [a, b] = members as [Member, Member];
    const before = b.handler.received.length;
    const entries = Array.from({ length: 1000 }, (_, i) => ({
      term: term(4),
      index: index(1000 + i),
      type: EntryType.Normal,
      data: Buffer.alloc(1024, i % 251),
    }));
    const big = message({ type: MessageType.MsgApp, from: nodeId(a.id), to: nodeId(b.id), term: term(4), index: index(999), logTerm: term(4), entries });
    a.transport.send([big, messageOfType(MessageType.MsgHeartbeat, a.id, b.id, 1)]);
    await waitFor('large append delivered', () => b.handler.received.length === before + 2);
    const got = b.handler.received[before];
    assert.ok(got !== undefined);
    assert.equal(got.entries.length, 1000);
    assert.deepEqual(plain(got), plain(big));
    assert.equal(b.handler.received[before + 1]?.type, MessageType.MsgHeartbeat);
  });

  test('metrics: bytes sent by one side are the bytes the other received; the peer counts as active', async () => {
    const [a, b] = members as [Member, Member];
    const hexA = a.id.toString(16);
    const hexB = b.id.toString(16);
    const sent = await metricValue(a.registry, 'etcd_network_peer_sent_bytes_total', { To: hexB });
    assert.ok(sent > 1024 * 1000, `sent ${sent}`);
    await waitForValue('received bytes = sent bytes', () => metricValue(b.registry, 'etcd_network_peer_received_bytes_total', { From: hexA }), (v) => v === sent);
    assert.equal(await metricValue(a.registry, 'etcd_network_active_peers', { Local: hexA, Remote: hexB }), 1);
    await waitForValue('a round trip measured', () => metricValue(a.registry, 'etcd_network_peer_round_trip_time_seconds', { To: hexB }, '_count'), (v) => v >= 1);
  });
});

/** A message with its byte fields as hex, so received Buffers compare with sent Uint8Arrays. */
function plain(m: unknown): unknown {
  if (m instanceof Uint8Array) return Buffer.from(m).toString('hex');
  if (Array.isArray(m)) return m.map(plain);
  if (m !== null && typeof m === 'object') return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, plain(v)]));
  return m;
}
