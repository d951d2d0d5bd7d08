import http2 from 'node:http2';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as grpc from '@grpc/grpc-js';
import {
  GrpcError, Status, type ServerDuplexCall, type ServerReadableCall,
} from '../../../../server/src/api/grpc/index.js';
import { framed, method, SERVICE, startServer } from './helpers.js';

/**
 * A call the server ends while the client has not half-closed. The server sends its status in
 * trailers (HEADERS with END_STREAM) and then resets the request side with RST_STREAM(NO_ERROR).
 * The reset must follow the trailers: node:http2 submits trailers one setImmediate after
 * sendTrailers, and a reset issued sooner destroyed the stream and dropped them.
 */

interface RawOutcome {
  /** What the client saw, in order: 'response', 'data', 'trailers', 'end'. */
  events: string[];
  trailers: http2.IncomingHttpHeaders | undefined;
  rstCode: number | undefined;
}

/**
 * Opens `name` over a plain node:http2 client, sends one message and never ends the request
 * side; resolves when the stream closes (the server's reset closes it).
 */
function openWithoutHalfClose(port: number, name: string, payload: Buffer): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': `/${SERVICE}/${name}`, 'content-type': 'application/grpc', te: 'trailers' });
    const events: string[] = [];
    let trailers: http2.IncomingHttpHeaders | undefined;
    req.on('response', () => events.push('response'));
    req.on('data', () => events.push('data'));
    req.on('trailers', (t) => {
      events.push('trailers');
      trailers = t;
    });
    req.on('end', () => events.push('end'));
    req.on('error', reject);
    req.on('close', () => {
      session.close();
      resolve({ events, trailers, rstCode: req.rstCode });
    });
    req.write(framed(payload));
  });
}

/** Echoes the first request, then ends the call as the request's text says ('ok' or an error). */
const echoOnceThen = method('Bidi', async (call: ServerDuplexCall<Buffer, Buffer>) => {
  for await (const m of call) {
    await call.write(m);
    if (String(m) === 'ok') return;
    throw new GrpcError(Status.UNAVAILABLE, 'etcdserver: no leader');
  }
});

/** Fails before sending anything: a trailers-only response. */
const failAtOnce = method('Bidi', async (call: ServerDuplexCall<Buffer, Buffer>) => {
  for await (const m of call) throw new GrpcError(Status.UNAVAILABLE, `refused ${String(m)}`);
}, 'FailAtOnce');

/** Returns the first request as the response without waiting for the client's half-close. */
const firstWins = method('ClientStream', async (call: ServerReadableCall<Buffer>) => {
  for await (const m of call) return m;
  return Buffer.from('none');
});

describe('grpc server: trailers of a call ended while the client still sends', () => {
  test('raw client: bidi error after a message: trailers with the status, then RST_STREAM NO_ERROR', async () => {
    const f = await startServer([echoOnceThen]);
    try {
      const out = await openWithoutHalfClose(f.port, 'Bidi', Buffer.from('fail'));
      assert.deepEqual(out.events, ['response', 'data', 'trailers', 'end']);
      assert.equal(out.trailers?.['grpc-status'], String(Status.UNAVAILABLE));
      assert.equal(out.trailers?.['grpc-message'], 'etcdserver: no leader');
      // The client never ended its side: the stream closed because the server reset it.
      assert.equal(out.rstCode, http2.constants.NGHTTP2_NO_ERROR);
    } finally {
      await f.close();
    }
  });

  test('raw client: bidi that returns after a message: OK trailers, then the reset', async () => {
    const f = await startServer([echoOnceThen]);
    try {
      const out = await openWithoutHalfClose(f.port, 'Bidi', Buffer.from('ok'));
      assert.deepEqual(out.events, ['response', 'data', 'trailers', 'end']);
      assert.equal(out.trailers?.['grpc-status'], '0');
      assert.equal(out.rstCode, http2.constants.NGHTTP2_NO_ERROR);
    } finally {
      await f.close();
    }
  });

  test('raw client: client streaming answered before the half-close: message, OK trailers', async () => {
    const f = await startServer([firstWins]);
    try {
      const out = await openWithoutHalfClose(f.port, 'ClientStream', Buffer.from('first'));
      assert.deepEqual(out.events, ['response', 'data', 'trailers', 'end']);
      assert.equal(out.trailers?.['grpc-status'], '0');
      assert.equal(out.rstCode, http2.constants.NGHTTP2_NO_ERROR);
    } finally {
      await f.close();
    }
  });

  test('raw client: an error before any message is a trailers-only response, then the reset', async () => {
    const f = await startServer([failAtOnce]);
    try {
      const out = await openWithoutHalfClose(f.port, 'FailAtOnce', Buffer.from('x'));
      assert.equal(out.events[0], 'response');
      assert.ok(!out.events.includes('data') && !out.events.includes('trailers'), out.events.join());
      assert.equal(out.rstCode, http2.constants.NGHTTP2_NO_ERROR);
    } finally {
      await f.close();
    }
  });

  test('grpc-js client: the bidi status and the client-streaming response arrive', async () => {
    const f = await startServer([echoOnceThen, firstWins]);
    try {
      const c = f.client();
      const bidi = (c['Bidi'] as () => grpc.ClientDuplexStream<Buffer, Buffer>)();
      const received: string[] = [];
      bidi.on('data', (m: Buffer) => received.push(String(m)));
      bidi.on('error', () => undefined);
      const status = new Promise<grpc.StatusObject>((resolve) => bidi.on('status', resolve));
      bidi.write(Buffer.from('fail'));
      const st = await status;
      assert.equal(st.code, Status.UNAVAILABLE, st.details);
      assert.equal(st.details, 'etcdserver: no leader');
      assert.deepEqual(received, ['fail']);

      const res = await new Promise<{ err: grpc.ServiceError | null; res: Buffer | undefined }>((resolve) => {
        const call = (c['ClientStream'] as (cb: (e: grpc.ServiceError | null, r?: Buffer) => void) => grpc.ClientWritableStream<Buffer>)(
          (err, r) => resolve({ err, res: r }),
        );
        call.write(Buffer.from('first'));
      });
      assert.equal(res.err, null, res.err?.message);
      assert.equal(String(res.res), 'first');
    } finally {
      await f.close();
    }
  });
});
