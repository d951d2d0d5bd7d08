import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Long from 'long';
import {
  GATEWAY_ROUTES, GatewayDecodeError, JsonNumber, JsonReader, httpStatusOf, messageFromJson, messageToJson,
} from '../../../server/src/api/gateway/index.js';
import { etcdserverpb as pb } from '../../../server/src/pb/index.js';

const read = (s: string): ReturnType<JsonReader['next']> => new JsonReader(s).next();
const decodeError = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatewayDecodeError, String(err));
    return err.message;
  }
  assert.fail('expected a decode error');
};

describe('gateway JSON reader', () => {
  test('reads a stream of values, keeping numbers as written', () => {
    const r = new JsonReader(' {"a": 18446744073709551615, "b": [true, null, "x\\u00e9"]}\n{"c":{}} ');
    const first = r.next();
    assert.ok(first instanceof Map);
    assert.deepEqual(first.get('a'), new JsonNumber('18446744073709551615'));
    assert.deepEqual(first.get('b'), [true, null, 'xé']);
    assert.deepEqual(r.next(), new Map([['c', new Map()]]));
    assert.equal(r.next(), undefined);
  });

  test('fails with the texts of Go\'s JSON decoder', () => {
    assert.equal(decodeError(() => read('notjson')), "invalid character 'o' in literal null (expecting 'u')");
    assert.equal(decodeError(() => read('garbage')), "invalid character 'g' looking for beginning of value");
    assert.equal(decodeError(() => read('{"key":"Zm9v"')), 'unexpected EOF');
    assert.equal(decodeError(() => read('{"a" 1}')), "invalid character '1' after object key");
    assert.equal(decodeError(() => read('{"a":1 "b":2}')), "invalid character '\"' after object key:value pair");
    assert.equal(decodeError(() => read('[1 2]')), "invalid character '2' after array element");
    assert.equal(decodeError(() => read('{1:2}')), "invalid character '1' looking for beginning of object key string");
  });
});

describe('gateway JSON writer (grpc-gateway JSONPb, OrigName, no defaults)', () => {
  test('proto names, 64-bit ints as strings, bytes as base64, zero values left out', () => {
    const res = pb.RangeResponse.fromObject({
      header: { clusterId: Long.fromString('18446744073709551615', true), memberId: 1, revision: 7, raftTerm: 0 },
      kvs: [{ key: Buffer.from('foo'), createRevision: 2, modRevision: 3, version: 1, value: Buffer.alloc(0), lease: 0 }],
      more: false,
      count: 1,
    });
    assert.equal(
      messageToJson('etcdserverpb.RangeResponse', res),
      '{"header":{"cluster_id":"18446744073709551615","member_id":"1","revision":"7"},"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"3","version":"1"}],"count":"1"}',
    );
  });

  test('enums by name, the zero enum left out; a set message is written even when empty', () => {
    const ev = { type: 1, kv: { key: Buffer.from('k') }, prevKv: {} };
    assert.equal(messageToJson('mvccpb.Event', ev), '{"type":"DELETE","kv":{"key":"aw=="},"prev_kv":{}}');
    assert.equal(messageToJson('mvccpb.Event', { type: 0 }), '{}');
    assert.equal(messageToJson('mvccpb.Event', { type: 9 }), '{"type":9}');
  });

  test('a oneof member is written even at its zero value', () => {
    assert.equal(messageToJson('etcdserverpb.Compare', { key: Buffer.from('a'), version: 0, target: 0, result: 0 }), '{"key":"YQ==","version":"0"}');
    assert.equal(messageToJson('etcdserverpb.ResponseOp', { responsePut: {} }), '{"response_put":{}}');
  });

  test('signedness follows the field type, whatever the value came as', () => {
    assert.equal(messageToJson('etcdserverpb.LeaseGrantResponse', { ID: Long.fromString('18446744073709551615', true), TTL: 5n }), '{"ID":"-1","TTL":"5"}');
    assert.equal(messageToJson('etcdserverpb.Member', { ID: -1, name: 'm' }), '{"ID":"18446744073709551615","name":"m"}');
    assert.equal(messageToJson('etcdserverpb.HashResponse', { hash: 4294967295 }), '{"hash":4294967295}');
  });

  test('strings are escaped as Go escapes them', () => {
    assert.equal(messageToJson('etcdserverpb.Member', { name: '<a&b>\u2028\b\f\n"' }), '{"name":"\\u003ca\\u0026b\\u003e\\u2028\\u0008\\u000c\\n\\""}');
  });
});

describe('gateway JSON request decoding', () => {
  const range = (s: string): pb.RangeRequest => pb.RangeRequest.fromObject(messageFromJson('etcdserverpb.RangeRequest', read(s) ?? null));

  test('proto names and JSON names, ints as numbers or strings, enums as names or numbers', () => {
    const a = range('{"key":"Zm9v","range_end":"Zm9w","limit":"10","sort_order":"DESCEND","sortTarget":2,"keysOnly":true,"min_mod_revision":9007199254740993}');
    assert.equal(Buffer.from(a.key).toString(), 'foo');
    assert.equal(Buffer.from(a.rangeEnd).toString(), 'fop');
    assert.equal(Long.fromValue(a.limit).toString(), '10');
    assert.equal(a.sortOrder, pb.RangeRequest.SortOrder.DESCEND);
    assert.equal(a.sortTarget, pb.RangeRequest.SortTarget.CREATE);
    assert.equal(a.keysOnly, true);
    // Past 2^53: every digit kept.
    assert.equal(Long.fromValue(a.minModRevision).toString(), '9007199254740993');
  });

  test('unknown fields are ignored and null leaves a field unset', () => {
    const a = range('{"key":"Zm9v","bogus":{"x":[1]},"limit":null}');
    assert.equal(Long.fromValue(a.limit).toString(), '0');
  });

  test('nested messages, oneofs and repeated fields', () => {
    const json = '{"compare":[{"key":"YQ==","create_revision":"3","target":"CREATE","result":"GREATER"}],"success":[{"request_put":{"key":"YQ==","value":"Yg==","lease":"-1"}}],"failure":[{"requestRange":{"key":"YQ=="}}]}';
    const t = pb.TxnRequest.fromObject(messageFromJson('etcdserverpb.TxnRequest', read(json) ?? null));
    assert.equal((t.compare[0] as pb.Compare | undefined)?.targetUnion, 'createRevision');
    assert.equal(t.compare[0]?.result, pb.Compare.CompareResult.GREATER);
    assert.equal(Long.fromValue(t.success[0]?.requestPut?.lease ?? 0).toString(), '-1');
    assert.equal((t.failure[0] as pb.RequestOp | undefined)?.request, 'requestRange');
  });

  test('type errors in grpc-gateway\'s words', () => {
    assert.equal(decodeError(() => range('[1]')), 'json: cannot unmarshal array into Go value of type map[string]json.RawMessage');
    assert.equal(decodeError(() => range('{"key":5}')), 'json: cannot unmarshal number into Go value of type []uint8');
    assert.equal(decodeError(() => range('{"key":"!!"}')), 'illegal base64 data at input byte 0');
    assert.equal(decodeError(() => range('{"limit":true}')), 'json: cannot unmarshal bool into Go value of type int64');
    assert.equal(decodeError(() => range('{"limit":"abc"}')), "invalid character 'a' looking for beginning of value");
    assert.equal(decodeError(() => range('{"limit":1e2}')), 'json: cannot unmarshal number 1e2 into Go value of type int64');
    assert.equal(decodeError(() => range('{"limit":9223372036854775808}')), 'json: cannot unmarshal number 9223372036854775808 into Go value of type int64');
    assert.equal(decodeError(() => range('{"sort_order":"BAD"}')), 'unknown value "BAD" for enum etcdserverpb.RangeRequest_SortOrder');
    assert.equal(decodeError(() => range('{"sort_order":1.5}')), 'json: cannot unmarshal number 1.5 into Go value of type etcdserverpb.RangeRequest_SortOrder');
    assert.equal(decodeError(() => range('{"serializable":"yes"}')), 'json: cannot unmarshal string into Go value of type bool');
  });
});

describe('gateway routes and statuses', () => {
  test('etcd 3.4\'s paths, with the kv/lease aliases and without hashkv', () => {
    assert.equal(GATEWAY_ROUTES.get('kv/lease/revoke')?.grpcPath, '/etcdserverpb.Lease/LeaseRevoke');
    assert.equal(GATEWAY_ROUTES.get('lease/revoke')?.grpcPath, '/etcdserverpb.Lease/LeaseRevoke');
    assert.equal(GATEWAY_ROUTES.get('maintenance/transfer-leadership')?.grpcPath, '/etcdserverpb.Maintenance/MoveLeader');
    assert.equal(GATEWAY_ROUTES.get('watch')?.shape, 'bidi');
    assert.equal(GATEWAY_ROUTES.get('maintenance/snapshot')?.shape, 'server-stream');
    assert.equal(GATEWAY_ROUTES.has('maintenance/hashkv'), false);
  });

  test('every route names messages the schema knows', () => {
    for (const [p, r] of GATEWAY_ROUTES) {
      assert.doesNotThrow(() => messageToJson(r.response, {}), p);
      assert.doesNotThrow(() => messageFromJson(r.request, new Map()), p);
    }
  });

  test('gRPC codes to HTTP statuses as grpc-gateway v1 maps them', () => {
    assert.deepEqual([0, 3, 5, 9, 11, 14, 2, 8, 1, 4, 16].map(httpStatusOf), [200, 400, 404, 412, 400, 503, 500, 429, 408, 504, 401]);
  });
});
