import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type GrpcMetrics, counted } from '../../../server/src/api/index.js';
import { type AnyMethod, type CallContext, GrpcError, Status } from '../../../server/src/api/grpc/index.js';

test('calls are counted as started and as handled with their code name, as go-grpc-prometheus labels them', async () => {
  const seen: string[] = [];
  const metrics: GrpcMetrics = {
    started: (t, s, m) => seen.push(`started ${t} ${s} ${m}`),
    handled: (t, s, m, code) => seen.push(`handled ${t} ${s} ${m} ${code}`),
  };
  let fail = false;
  const method = {
    path: '/etcdserverpb.KV/Range',
    requestStream: false,
    responseStream: false,
    decode: (b: Buffer) => b,
    encode: (r: Uint8Array) => r,
    handler: () => {
      if (fail) throw new GrpcError(Status.UNAVAILABLE, 'etcdserver: no leader');
      return new Uint8Array(0);
    },
  } as unknown as AnyMethod;
  const m = counted(method, metrics) as unknown as { handler: (req: unknown, call: CallContext) => Promise<unknown> };
  await m.handler(Buffer.alloc(0), {} as CallContext);
  fail = true;
  await assert.rejects(m.handler(Buffer.alloc(0), {} as CallContext), GrpcError);
  assert.deepEqual(seen, [
    'started unary etcdserverpb.KV Range',
    'handled unary etcdserverpb.KV Range OK',
    'started unary etcdserverpb.KV Range',
    'handled unary etcdserverpb.KV Range Unavailable',
  ]);
});
