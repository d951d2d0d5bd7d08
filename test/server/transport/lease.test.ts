import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PeerRefusedError, TransportError } from '../../../server/src/transport/index.js';
import { startMember } from './helpers.js';

test('a follower forwards a lease keep-alive to the leader: the TTL, 404 for no such lease, 503 from a non-leader', async () => {
  const follower = await startMember(1n);
  const leader = await startMember(2n);
  try {
    follower.transport.addPeer(leader.id, [leader.url()]);
    leader.handler.leases.set(0x77n, 30);
    assert.equal(await follower.transport.renewLease(leader.id, 0x77n), 30);
    assert.equal(await follower.transport.renewLease(leader.id, 0x77n), 30, 'the session is reused');
    await assert.rejects(follower.transport.renewLease(leader.id, 0x78n), (e: unknown) => e instanceof PeerRefusedError && e.status === 404);
    leader.handler.leader = false;
    await assert.rejects(follower.transport.renewLease(leader.id, 0x77n), (e: unknown) => e instanceof PeerRefusedError && e.status === 503);
    await assert.rejects(follower.transport.renewLease(9n, 0x77n), TransportError, 'not a peer');
    leader.handler.leader = true;
    assert.deepEqual(await follower.transport.leaseTimeToLive(leader.id, 0x77n, true), { ttl: 29, grantedTtl: 30, keys: [Buffer.from('k1'), Buffer.from([0, 255])] });
    assert.deepEqual(await follower.transport.leaseTimeToLive(leader.id, 0x77n, false), { ttl: 29, grantedTtl: 30, keys: [] });
    await assert.rejects(follower.transport.leaseTimeToLive(leader.id, 0x78n, false), (e: unknown) => e instanceof PeerRefusedError && e.status === 404);
  } finally {
    await follower.transport.close();
    await leader.transport.close();
  }
});

test('a follower forwards a member promotion to the leader: done, or refused with the reason as its status', async () => {
  const follower = await startMember(1n);
  const leader = await startMember(2n);
  try {
    follower.transport.addPeer(leader.id, [leader.url()]);
    await follower.transport.promoteMember(leader.id, 0x33n);
    await follower.transport.promoteMember(leader.id, 0xd3390940b63d411dn);
    assert.deepEqual(leader.handler.promoted, [0x33n, 0xd3390940b63d411dn], 'member ids above 2^63 too');
    await assert.rejects(follower.transport.promoteMember(leader.id, 0xbadn), (e: unknown) => e instanceof PeerRefusedError && e.status === 412, 'not ready');
    leader.handler.leader = false;
    await assert.rejects(follower.transport.promoteMember(leader.id, 0x33n), (e: unknown) => e instanceof PeerRefusedError && e.status === 503, 'not the leader');
  } finally {
    await follower.transport.close();
    await leader.transport.close();
  }
});
