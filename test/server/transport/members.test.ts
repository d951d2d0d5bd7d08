import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TransportError, fetchCluster } from '../../../server/src/transport/index.js';
import { CLUSTER, startMember } from './helpers.js';

test('GET /members answers the cluster id and every member, 64-bit ids intact; unreachable URLs are skipped', async () => {
  const m = await startMember(1n);
  try {
    m.handler.memberList = [
      { id: 0xfedcba9876543210n, name: 'a', peerUrls: ['http://127.0.0.1:1'], clientUrls: ['http://127.0.0.1:2'], isLearner: false },
      { id: 0x1n, name: '', peerUrls: ['http://127.0.0.2:1', 'http://127.0.0.3:1'], clientUrls: [], isLearner: true },
    ];
    const dead = 'http://127.0.0.1:1';
    const got = await fetchCluster([dead, m.url()], 2000);
    assert.equal(got.clusterId, CLUSTER);
    assert.deepEqual(got.members, m.handler.memberList);
  } finally {
    await m.transport.close();
  }
});

test('no URL answers: etcd\'s words, with what each URL said', async () => {
  await assert.rejects(fetchCluster(['http://127.0.0.1:1'], 2000), (e: unknown) => e instanceof TransportError && /^could not retrieve cluster information from the given URLs \(http:\/\/127\.0\.0\.1:1: /.test(e.message));
});
