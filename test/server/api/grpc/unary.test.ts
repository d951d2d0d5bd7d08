import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { GrpcError, Metadata, Status, type CallContext, type StatusCode } from '../../../../server/src/api/grpc/index.js';
import { waitFor } from '../../../support/wait-for.js';
import { framed, method, rawRequest, SERVICE, startServer, unary } from './helpers.js';

const echo = method('Unary', (req: Buffer) => Buffer.concat([Buffer.from('echo:'), req]));

describe('grpc server: unary calls', () => {
  test('answers a call with the handler result', async () => {
    const f = await startServer([echo]);
    try {
      const r = await unary(f.client(), 'Unary', Buffer.from('hi'));
      assert.equal(r.err, null);
      assert.equal(r.res?.toString(), 'echo:hi');
      const empty = await unary(f.client(), 'Unary', Buffer.alloc(0));
      assert.equal(empty.res?.toString(), 'echo:');
    } finally {
      await f.close();
    }
  });

  test('a thrown GrpcError reaches the client with its code and message, percent-encoding included', async () => {
    const messages = ['etcdserver: key not found', 'héllo wörld ✓ 日本語 🚀', '100% done, 50%% left', 'line1\nline2\ttab', 'quote " and \\ backslash', '%41 is not A'];
    const codes: StatusCode[] = [Status.INVALID_ARGUMENT, Status.NOT_FOUND, Status.FAILED_PRECONDITION, Status.UNAVAILABLE, Status.UNAUTHENTICATED, Status.OUT_OF_RANGE];
    const f = await startServer([
      method('Unary', (req: Buffer) => {
        const i = req[0] as number;
        throw new GrpcError(codes[i] as StatusCode, messages[i] as string);
      }),
    ]);
    try {
      const c = f.client();
      for (let i = 0; i < messages.length; i++) {
        const r = await unary(c, 'Unary', Buffer.from([i]));
        assert.equal(r.err?.code, codes[i]);
        assert.equal(r.err?.details, messages[i]);
      }
    } finally {
      await f.close();
    }
  });

  test('any other error is UNKNOWN with its message, thrown or rejected', async () => {
    const f = await startServer([
      method('Unary', (req: Buffer) => {
        if (req[0] === 0) throw new Error('boom sync');
        return Promise.reject(new Error('boom async'));
      }),
    ]);
    try {
      const c = f.client();
      const a = await unary(c, 'Unary', Buffer.from([0]));
      assert.equal(a.err?.code, Status.UNKNOWN);
      assert.equal(a.err?.details, 'boom sync');
      const b = await unary(c, 'Unary', Buffer.from([1]));
      assert.equal(b.err?.code, Status.UNKNOWN);
      assert.equal(b.err?.details, 'boom async');
    } finally {
      await f.close();
    }
  });

  test('metadata travels both ways, -bin values as bytes', async () => {
    let seen: Metadata | undefined;
    let peer = '';
    const f = await startServer([
      method('Unary', (_req: Buffer, call: CallContext) => {
        seen = call.metadata;
        peer = call.peer;
        call.sendMetadata(new Metadata().set('x-reply', 'hello').set('x-reply-bin', Buffer.from([0, 1, 2, 255])));
        return Buffer.from('ok');
      }),
    ]);
    try {
      const md = new grpc.Metadata();
      md.set('token', 'abc.def');
      md.set('x-data-bin', Buffer.from([9, 8, 7, 0, 255]));
      md.add('x-multi', 'one');
      md.add('x-multi', 'two');
      const r = await unary(f.client(), 'Unary', Buffer.from('x'), { metadata: md });
      assert.equal(r.err, null);
      assert.equal(seen?.get('token'), 'abc.def');
      assert.deepEqual(seen?.get('x-data-bin'), Buffer.from([9, 8, 7, 0, 255]));
      assert.deepEqual(seen?.getAll('x-multi').join(',').split(/,\s*/), ['one', 'two']);
      assert.equal(seen?.has('content-type'), false, 'protocol headers are not metadata');
      assert.equal(seen?.has('grpc-timeout'), false);
      assert.match(peer, /^127\.0\.0\.1:\d+$/);
      assert.deepEqual(r.headers?.get('x-reply'), ['hello']);
      assert.deepEqual(r.headers?.get('x-reply-bin'), [Buffer.from([0, 1, 2, 255])]);
    } finally {
      await f.close();
    }
  });

  test('unknown service and unknown method are UNIMPLEMENTED with grpc-go texts', async () => {
    const f = await startServer([echo]);
    try {
      const c = f.client();
      const call = (path: string): Promise<grpc.ServiceError | null> =>
        new Promise((resolve) => {
          c.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, Buffer.from('x'), (err) => resolve(err));
        });
      const m = await call(`/${SERVICE}/Nope`);
      assert.equal(m?.code, Status.UNIMPLEMENTED);
      assert.equal(m?.details, `unknown method Nope for service ${SERVICE}`);
      const s = await call('/other.Service/Put');
      assert.equal(s?.code, Status.UNIMPLEMENTED);
      assert.equal(s?.details, 'unknown service other.Service');
    } finally {
      await f.close();
    }
  });

  test('an oversized request is RESOURCE_EXHAUSTED with the exact text; limits are configurable', async () => {
    const f = await startServer([echo]);
    const small = await startServer([echo], { maxReceiveMessageLength: 1024 });
    try {
      const big = Buffer.alloc(4 * 1024 * 1024 + 1, 1);
      const r = await unary(f.client(), 'Unary', big);
      assert.equal(r.err?.code, Status.RESOURCE_EXHAUSTED);
      assert.equal(r.err?.details, 'grpc: received message larger than max (4194305 vs. 4194304)');
      const atLimit = await unary(small.client(), 'Unary', Buffer.alloc(1024));
      assert.equal(atLimit.err, null);
      const over = await unary(small.client(), 'Unary', Buffer.alloc(2000));
      assert.equal(over.err?.details, 'grpc: received message larger than max (2000 vs. 1024)');
      // The connection stays usable after the refusal.
      const after = await unary(small.client(), 'Unary', Buffer.from('z'));
      assert.equal(after.res?.toString(), 'echo:z');
    } finally {
      await f.close();
      await small.close();
    }
  });

  test('an oversized response is RESOURCE_EXHAUSTED', async () => {
    const f = await startServer([method('Unary', () => Buffer.alloc(600))], { maxSendMessageLength: 512 });
    try {
      const r = await unary(f.client(), 'Unary', Buffer.from('x'));
      assert.equal(r.err?.code, Status.RESOURCE_EXHAUSTED);
      assert.equal(r.err?.details, 'grpc: trying to send message larger than max (600 vs. 512)');
    } finally {
      await f.close();
    }
  });

  test('wire: wrong content-type is HTTP 415; a good raw request gets headers, one message, trailers', async () => {
    const f = await startServer([echo]);
    try {
      const bad = await rawRequest(f.port, { 'content-type': 'application/json' }, Buffer.from('{}'));
      assert.equal(bad.headers[':status'], 415);
      assert.equal(bad.headers['grpc-status'], String(Status.INVALID_ARGUMENT));
      const ok = await rawRequest(f.port, {}, framed(Buffer.from('raw')));
      assert.equal(ok.headers[':status'], 200);
      assert.equal(ok.headers['content-type'], 'application/grpc');
      assert.match(String(ok.headers['grpc-accept-encoding']), /identity/);
      assert.deepEqual(ok.body, framed(Buffer.from('echo:raw')));
      assert.equal(ok.trailers?.['grpc-status'], '0');
      const plus = await rawRequest(f.port, { 'content-type': 'application/grpc+proto' }, framed(Buffer.from('p')));
      assert.equal(plus.trailers?.['grpc-status'], '0');
      const get = await rawRequest(f.port, { ':method': 'PUT' }, framed(Buffer.from('p')));
      assert.equal(get.headers[':status'], 405);
      const malformed = await rawRequest(f.port, { ':path': '/nopath' }, framed(Buffer.from('p')));
      assert.equal(malformed.headers['grpc-status'], String(Status.UNIMPLEMENTED));
      assert.equal(malformed.headers['grpc-message'], 'malformed method name: "/nopath"');
      const empty = await rawRequest(f.port, {}, Buffer.alloc(0));
      assert.equal(empty.headers['grpc-status'], String(Status.INTERNAL));
      const torn = await rawRequest(f.port, {}, framed(Buffer.from('abc')).subarray(0, 6));
      assert.equal(torn.headers['grpc-status'], String(Status.INTERNAL));
    } finally {
      await f.close();
    }
  });

  test('wire: gzip-compressed requests are inflated; an unknown encoding is UNIMPLEMENTED', async () => {
    const { gzipSync } = await import('node:zlib');
    const f = await startServer([echo]);
    try {
      const gz = await rawRequest(f.port, { 'grpc-encoding': 'gzip' }, framed(gzipSync(Buffer.from('zipped')), true));
      assert.deepEqual(gz.body, framed(Buffer.from('echo:zipped')));
      const snappy = await rawRequest(f.port, { 'grpc-encoding': 'snappy' }, framed(Buffer.from('x'), true));
      assert.equal(snappy.headers['grpc-status'], String(Status.UNIMPLEMENTED));
      assert.equal(snappy.headers['grpc-message'], 'grpc: Decompressor is not installed for grpc-encoding "snappy"');
    } finally {
      await f.close();
    }
  });

  test('deadline: DEADLINE_EXCEEDED "context deadline exceeded" and the handler is aborted', async () => {
    let reason: unknown;
    let aborted = 0;
    const f = await startServer([
      method('Unary', (_req: Buffer, call: CallContext) => {
        assert.ok(call.deadline !== undefined);
        return new Promise((resolve) => {
          call.signal.addEventListener('abort', () => {
            reason = call.signal.reason;
            aborted++;
            resolve(Buffer.from('too late'));
          });
        });
      }),
    ]);
    try {
      // Server-side expiry, seen on the wire (a raw client has no deadline of its own).
      const raw = await rawRequest(f.port, { 'grpc-timeout': '30m' }, framed(Buffer.from('x')));
      assert.equal(raw.headers['grpc-status'] ?? raw.trailers?.['grpc-status'], String(Status.DEADLINE_EXCEEDED));
      assert.equal(raw.headers['grpc-message'] ?? raw.trailers?.['grpc-message'], 'context deadline exceeded');
      assert.ok(reason instanceof GrpcError && reason.code === Status.DEADLINE_EXCEEDED);
      // Through grpc-js (client and server deadlines race; either way the handler is aborted).
      const r = await unary(f.client(), 'Unary', Buffer.from('y'), { deadline: Date.now() + 50 });
      assert.equal(r.err?.code, Status.DEADLINE_EXCEEDED);
      await waitFor(() => aborted === 2, 'the second handler to be aborted');
      const bad = await rawRequest(f.port, { 'grpc-timeout': '5x' }, framed(Buffer.from('x')));
      assert.equal(bad.headers['grpc-status'], String(Status.INTERNAL));
    } finally {
      await f.close();
    }
  });

  test('client cancellation fires the handler signal', async () => {
    let started = false;
    let aborted = false;
    const f = await startServer([
      method('Unary', (_req: Buffer, call: CallContext) => {
        started = true;
        return new Promise((resolve) => {
          call.signal.addEventListener('abort', () => {
            aborted = call.cancelled;
            resolve(Buffer.alloc(0));
          });
        });
      }),
    ]);
    try {
      const c = f.client();
      let status: grpc.ServiceError | null = null;
      const call = (c['Unary'] as (...a: unknown[]) => grpc.ClientUnaryCall)(Buffer.from('x'), (err: grpc.ServiceError | null) => {
        status = err;
      });
      await waitFor(() => started, 'the handler to start');
      call.cancel();
      await waitFor(() => aborted, 'the handler signal to abort');
      await waitFor(() => status !== null, 'the client to see the cancel');
      assert.equal((status as grpc.ServiceError | null)?.code, Status.CANCELLED);
    } finally {
      await f.close();
    }
  });

  test('graceful close: the call in flight finishes, new calls are refused', async () => {
    let release: (() => void) | undefined;
    const f = await startServer([
      method('Unary', (req: Buffer) => (req.toString() === 'hold' ? new Promise((resolve) => (release = () => resolve(Buffer.from('done')))) : Buffer.from('fast'))),
    ]);
    const c = f.client();
    const held = unary(c, 'Unary', Buffer.from('hold'));
    await waitFor(() => release !== undefined, 'the held call to reach the handler');
    let closed = false;
    const closing = f.server.close(10_000).then(() => {
      closed = true;
    });
    const refused = await unary(f.client(), 'Unary', Buffer.from('new'), { deadline: Date.now() + 5000 });
    assert.equal(refused.err?.code, Status.UNAVAILABLE);
    const refusedOnOldConnection = await unary(c, 'Unary', Buffer.from('new'), { deadline: Date.now() + 5000 });
    assert.equal(refusedOnOldConnection.err?.code, Status.UNAVAILABLE);
    assert.equal(closed, false);
    release?.();
    const r = await held;
    assert.equal(r.err, null);
    assert.equal(r.res?.toString(), 'done');
    await closing;
    assert.equal(f.server.connections, 0);
    c.close();
  });

  test('concurrent calls on one connection, and 1,000 in flight over 10 connections, all answered', async () => {
    let inHandler = 0;
    let releaseAll: () => void = () => {};
    const gate = new Promise<void>((r) => (releaseAll = r));
    const f = await startServer([
      method('Unary', async (req: Buffer) => {
        inHandler++;
        await gate;
        return req;
      }),
    ]);
    try {
      const clients = Array.from({ length: 10 }, () => f.client());
      const calls = Array.from({ length: 1000 }, (_, i) => unary(clients[i % 10]!, 'Unary', Buffer.from(`call-${i}`)));
      // Every call reaches the handler before any is answered: all 1,000 are in flight at once.
      await waitFor(() => inHandler === 1000, '1000 calls in the handler', 30_000);
      assert.equal(f.server.connections, 10);
      releaseAll();
      const results = await Promise.all(calls);
      results.forEach((r, i) => {
        assert.equal(r.err, null);
        assert.equal(r.res?.toString(), `call-${i}`);
      });
    } finally {
      await f.close();
    }
  });
});
