import http2 from 'node:http2';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type * as grpc from '@grpc/grpc-js';
import {
  GrpcError, Status, type ServerDuplexCall, type ServerReadableCall, type ServerWritableCall,
} from '../../../../server/src/api/grpc/index.js';
import { waitFor } from '../../../support/wait-for.js';
import { framed, method, SERVICE, startServer, type Client } from './helpers.js';

type Stream = grpc.ClientReadableStream<Buffer> & grpc.ClientWritableStream<Buffer>;

/** Reads a response stream to its end: the messages, then the status (error or OK). */
function collect(call: grpc.ClientReadableStream<Buffer>): Promise<{ messages: Buffer[]; err: grpc.ServiceError | undefined }> {
  return new Promise((resolve) => {
    const messages: Buffer[] = [];
    let err: grpc.ServiceError | undefined;
    call.on('data', (m: Buffer) => messages.push(m));
    call.on('error', (e: grpc.ServiceError) => {
      err = e;
    });
    call.on('status', () => setImmediate(() => resolve({ messages, err })));
  });
}

function serverStream(c: Client, req: Buffer): grpc.ClientReadableStream<Buffer> {
  return (c['ServerStream'] as (r: Buffer) => grpc.ClientReadableStream<Buffer>)(req);
}

describe('grpc server: streaming calls', () => {
  test('server streaming: messages in order then OK; an error after messages keeps them', async () => {
    const f = await startServer([
      method('ServerStream', async (req: Buffer, call: ServerWritableCall<Buffer>) => {
        const n = req.readUInt16BE(0);
        for (let i = 0; i < n; i++) await call.write(Buffer.from(`m${i}`));
        if (req[2] === 1) throw new GrpcError(Status.ABORTED, 'stopped after the messages');
      }),
    ]);
    try {
      const c = f.client();
      const ok = await collect(serverStream(c, Buffer.from([0, 100, 0])));
      assert.equal(ok.err, undefined);
      assert.deepEqual(ok.messages.map(String), Array.from({ length: 100 }, (_, i) => `m${i}`));
      const none = await collect(serverStream(c, Buffer.from([0, 0, 0])));
      assert.equal(none.err, undefined);
      assert.equal(none.messages.length, 0);
      const failed = await collect(serverStream(c, Buffer.from([0, 3, 1])));
      assert.deepEqual(failed.messages.map(String), ['m0', 'm1', 'm2']);
      assert.equal(failed.err?.code, Status.ABORTED);
      assert.equal(failed.err?.details, 'stopped after the messages');
    } finally {
      await f.close();
    }
  });

  test('writeMany: several responses in one DATA frame, read in order; one after the call ended sends nothing', async () => {
    const f = await startServer([
      method('ServerStream', async (_req: Buffer, call: ServerWritableCall<Buffer>) => {
        await call.writeMany([Buffer.from('a'), Buffer.from('bb'), Buffer.from('ccc')]);
        await call.writeMany([Buffer.from('single')]);
        call.end();
        await call.writeMany([Buffer.from('late'), Buffer.from('later')]);
      }),
    ]);
    try {
      const viaGrpcJs = await collect(serverStream(f.client(), Buffer.from([0])));
      assert.equal(viaGrpcJs.err, undefined);
      assert.deepEqual(viaGrpcJs.messages.map(String), ['a', 'bb', 'ccc', 'single']);
      // A raw client sees the batch arrive as one chunk holding the three framed messages.
      const chunks = await new Promise<Buffer[]>((resolve, reject) => {
        const session = http2.connect(`http://127.0.0.1:${f.port}`);
        const req = session.request({ ':method': 'POST', ':path': `/${SERVICE}/ServerStream`, 'content-type': 'application/grpc', te: 'trailers' });
        const got: Buffer[] = [];
        req.on('data', (c: Buffer) => got.push(c));
        req.on('error', reject);
        req.on('close', () => {
          session.close();
          resolve(got);
        });
        req.end(framed(Buffer.from([0])));
      });
      assert.ok(chunks[0]?.equals(Buffer.concat([framed(Buffer.from('a')), framed(Buffer.from('bb')), framed(Buffer.from('ccc'))])), `first chunk: ${chunks[0]?.toString('hex')}`);
    } finally {
      await f.close();
    }
  });

  test('client streaming: the handler iterates the requests and returns one response', async () => {
    const f = await startServer([
      method('ClientStream', async (call: ServerReadableCall<Buffer>) => {
        const parts: Buffer[] = [];
        for await (const m of call) parts.push(m);
        return Buffer.from(`${parts.length}:${Buffer.concat(parts).toString()}`);
      }),
    ]);
    try {
      const c = f.client();
      const res = await new Promise<Buffer | undefined>((resolve, reject) => {
        const call = (c['ClientStream'] as (cb: (e: Error | null, r?: Buffer) => void) => grpc.ClientWritableStream<Buffer>)((e, r) => (e === null ? resolve(r) : reject(e)));
        for (let i = 0; i < 200; i++) call.write(Buffer.from(String(i % 10)));
        call.end();
      });
      const digits = Array.from({ length: 200 }, (_, i) => String(i % 10)).join('');
      assert.equal(res?.toString(), `200:${digits}`);
    } finally {
      await f.close();
    }
  });

  test('bidi: echoes each request as it comes', async () => {
    const f = await startServer([
      method('Bidi', async (call: ServerDuplexCall<Buffer, Buffer>) => {
        for await (const m of call) await call.write(Buffer.concat([Buffer.from('re:'), m]));
      }),
    ]);
    try {
      const call = (f.client()['Bidi'] as () => Stream)();
      const got = collect(call);
      // Ping-pong: the next request goes out only after the previous answer came back.
      let answered = 0;
      call.on('data', () => {
        answered++;
        if (answered < 50) call.write(Buffer.from(`q${answered}`));
        else call.end();
      });
      call.write(Buffer.from('q0'));
      const { messages, err } = await got;
      assert.equal(err, undefined);
      assert.deepEqual(messages.map(String), Array.from({ length: 50 }, (_, i) => `re:q${i}`));
    } finally {
      await f.close();
    }
  });

  test('bidi backpressure: a reader that stops makes the writer wait; server buffering stays bounded', async () => {
    const MESSAGE = 64 * 1024;
    const COUNT = 400; // 25 MiB: far more than the windows and socket buffers between the two
    let written = 0;
    let awaitingDrain = false;
    let maxBuffered = 0;
    const f = await startServer([
      method('Bidi', async (call: ServerDuplexCall<Buffer, Buffer>) => {
        for await (const first of call) {
          for (let i = 0; i < COUNT; i++) {
            const msg = Buffer.alloc(MESSAGE, i % 256);
            msg.writeUInt32BE(i, 0);
            const p = call.write(msg);
            maxBuffered = Math.max(maxBuffered, call.bufferedBytes);
            awaitingDrain = true;
            await p;
            awaitingDrain = false;
            written++;
          }
          assert.equal(first.toString(), 'go');
          call.end();
        }
      }),
    ]);
    try {
      const call = (f.client()['Bidi'] as () => Stream)();
      call.pause();
      call.write(Buffer.from('go'));
      // Seen between macrotasks, `awaitingDrain` means the write is really waiting for 'drain'
      // (a write that did not block resumes within the same microtask checkpoint).
      await waitFor(() => awaitingDrain && written > 0, 'the server to block on a paused reader');
      const writtenWhileBlocked = written;
      assert.ok(writtenWhileBlocked < COUNT, `the server wrote everything (${written}) to a reader that never read`);
      assert.ok(maxBuffered <= 2 * MESSAGE, `server buffered ${maxBuffered} bytes`);
      let received = 0;
      let inOrder = true;
      const done = new Promise<void>((resolve, reject) => {
        call.on('data', (m: Buffer) => {
          if (m.readUInt32BE(0) !== received || m.length !== MESSAGE) inOrder = false;
          received++;
        });
        call.on('status', (s: grpc.StatusObject) => (s.code === Status.OK ? resolve() : reject(new Error(s.details))));
      });
      call.end();
      call.resume();
      await done;
      assert.equal(received, COUNT);
      assert.ok(inOrder);
      assert.ok(maxBuffered <= 2 * MESSAGE, `server buffered ${maxBuffered} bytes`);
    } finally {
      await f.close();
    }
  });

  test('client streaming backpressure: a handler that does not read pauses the request stream', async () => {
    let release: (() => void) | undefined;
    let count = 0;
    const f = await startServer([
      method('ClientStream', async (call: ServerReadableCall<Buffer>) => {
        await new Promise<void>((r) => (release = r));
        for await (const m of call) count += m.length > 0 ? 1 : 0;
        return Buffer.from(String(count));
      }),
    ]);
    try {
      const c = f.client();
      let blocked = false;
      const res = new Promise<string>((resolve, reject) => {
        const call = (c['ClientStream'] as (cb: (e: Error | null, r?: Buffer) => void) => grpc.ClientWritableStream<Buffer>)((e, r) => (e === null ? resolve(String(r)) : reject(e)));
        let i = 0;
        const pump = (): void => {
          while (i < 300) {
            i++;
            if (!call.write(Buffer.alloc(64 * 1024, 1))) {
              blocked = true;
              call.once('drain', pump);
              return;
            }
          }
          call.end();
        };
        pump();
      });
      await waitFor(() => blocked && release !== undefined, 'the client to be held back');
      release?.();
      assert.equal(await res, '300');
    } finally {
      await f.close();
    }
  });

  test('cancelling a bidi call fires the handler signal, also after the requests ended', async () => {
    let signalled = false;
    let received = 0;
    const f = await startServer([
      method('Bidi', async (call: ServerDuplexCall<Buffer, Buffer>) => {
        call.signal.addEventListener('abort', () => (signalled = call.cancelled));
        for await (const m of call) {
          received++;
          await call.write(m);
        }
        // Like a watch: keep the call open after the client half-closed, until it goes away.
        if (!call.cancelled) await new Promise((r) => call.signal.addEventListener('abort', r));
      }),
    ]);
    try {
      const call = (f.client()['Bidi'] as () => Stream)();
      call.on('error', () => {});
      call.write(Buffer.from('one'));
      await waitFor(() => received === 1, 'the first message');
      call.cancel();
      await waitFor(() => signalled, 'the handler signal');
    } finally {
      await f.close();
    }
  });

  test('a lost connection makes the request loop throw CANCELLED', async () => {
    let loopError: unknown;
    let received = 0;
    const f = await startServer([
      method('Bidi', async (call: ServerDuplexCall<Buffer, Buffer>) => {
        try {
          for await (const m of call) {
            received++;
            await call.write(m);
          }
        } catch (err) {
          loopError = err;
        }
      }),
    ]);
    const session = http2.connect(`http://127.0.0.1:${f.port}`);
    try {
      const req = session.request({ ':method': 'POST', ':path': `/${SERVICE}/Bidi`, 'content-type': 'application/grpc', te: 'trailers' });
      req.on('error', () => {});
      req.write(framed(Buffer.from('one')));
      await waitFor(() => received === 1, 'the first message');
      session.destroy();
      await waitFor(() => loopError !== undefined, 'the loop to fail');
      assert.ok(loopError instanceof GrpcError);
      assert.equal(loopError.code, Status.CANCELLED);
      assert.equal(loopError.message, 'context canceled');
    } finally {
      session.close();
      await f.close();
    }
  });
});
