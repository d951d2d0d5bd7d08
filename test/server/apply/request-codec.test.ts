import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MemberRequest, decodeRequest, encodeRequest } from '../../../server/src/apply/index.js';
import { etcdserverpb } from '../../../server/src/pb/index.js';

test('member requests survive the trip through an InternalRaftRequest, the member attributes too', () => {
  const requests: MemberRequest[] = [
    { kind: 'put', req: { key: Buffer.from('k'), value: Buffer.from('v'), lease: 7n, prevKv: true } },
    { kind: 'deleteRange', req: { key: Buffer.from('a'), rangeEnd: Buffer.from('b') } },
    { kind: 'compaction', revision: 12, physical: true },
    { kind: 'leaseGrant', id: 0x1234n, ttl: 60 },
    { kind: 'leaseRevoke', id: 0x1234n },
    { kind: 'alarm', action: 'activate', memberId: 0x8e9e05c52164694dn, alarm: 'NOSPACE' },
    { kind: 'memberAttrSet', memberId: 0x8e9e05c52164694dn, name: 'm1', clientUrls: ['http://127.0.0.1:2379', 'http://10.0.0.1:2379'] },
  ];
  for (const [i, r] of requests.entries()) {
    const bytes = encodeRequest(BigInt(i + 1), r);
    const back = decodeRequest(bytes);
    assert.equal(back.id, BigInt(i + 1));
    assert.deepEqual(JSON.parse(JSON.stringify(back.req, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))), JSON.parse(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))), r.kind);
  }
  // etcd 3.5's field: cluster_member_attr_set = 1301, member_ID = 1, member_attributes = 2 {name = 1, client_urls = 2}.
  const raw = etcdserverpb.InternalRaftRequest.decode(encodeRequest(9n, requests[6] as MemberRequest));
  assert.equal(raw.clusterMemberAttrSet?.memberAttributes?.name, 'm1');
  const wire = Buffer.from(encodeRequest(9n, requests[6] as MemberRequest));
  assert.ok(wire.includes(Buffer.from([0xaa, 0x51])), 'tag of field 1301, length-delimited (varint 0x51aa)');
});
