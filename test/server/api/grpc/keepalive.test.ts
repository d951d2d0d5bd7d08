import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { waitFor } from '../../../support/wait-for.js';
import { method, startServer } from './helpers.js';

const echo = method('Unary', (req: Buffer) => req);

function connect(port: number): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = http2.connect(`http://127.0.0.1:${port}`);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function ping(s: http2.ClientHttp2Session): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.closed || s.destroyed) {
      resolve(false);
      return;
    }
    s.ping((err) => resolve(err === null));
  });
}

describe('grpc server: keepalive', () => {
  test('a client pinging too often without calls gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings"', async () => {
    const f = await startServer([echo]);
    const s = await connect(f.port);
    try {
      let goaway: { code: number; data: string } | undefined;
      s.on('goaway', (code: number, _last: number, data?: Buffer) => {
        goaway ??= { code, data: data?.toString() ?? '' };
      });
      s.on('error', () => {});
      let acked = 0;
      // The first ping is free, then three strikes: the fourth ping is the last one answered.
      for (let i = 0; i < 10 && goaway === undefined; i++) if (await ping(s)) acked++;
      await waitFor(() => goaway !== undefined, 'GOAWAY');
      assert.equal(goaway?.code, http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
      assert.equal(goaway?.data, 'too_many_pings');
      assert.ok(acked >= 3 && acked <= 4, `acked ${acked}`);
      await waitFor(() => f.server.connections === 0, 'the server to drop the connection');
    } finally {
      s.destroy();
      await f.close();
    }
  });

  test('pings within the policy are fine: with a call open and the minimum time set low', async () => {
    let release: (() => void) | undefined;
    const f = await startServer(
      [method('Unary', () => new Promise((r) => (release = () => r(Buffer.from('ok')))))],
      { keepaliveMinTimeMs: 0 },
    );
    const s = await connect(f.port);
    try {
      let goaway = false;
      s.on('goaway', () => (goaway = true));
      const req = s.request({ ':method': 'POST', ':path': '/test.Echo/Unary', 'content-type': 'application/grpc' });
      req.end(Buffer.from([0, 0, 0, 0, 1, 7]));
      req.resume();
      await waitFor(() => release !== undefined, 'the call to start');
      for (let i = 0; i < 10; i++) assert.equal(await ping(s), true);
      assert.equal(goaway, false);
      release?.();
    } finally {
      s.destroy();
      await f.close();
    }
  });

  test('the server pings idle clients at keepaliveTimeMs', async () => {
    const f = await startServer([echo], { keepaliveTimeMs: 20, keepaliveTimeoutMs: 5000 });
    const s = await connect(f.port);
    try {
      let pings = 0;
      s.on('ping', () => pings++);
      await waitFor(() => pings >= 5, 'five server pings');
      assert.equal(f.server.connections, 1, 'an answering client keeps its connection (acks are not client pings)');
    } finally {
      s.destroy();
      await f.close();
    }
  });

  test('a client that does not answer the server ping loses its connection after keepaliveTimeoutMs', async () => {
    const f = await startServer([echo], { keepaliveTimeMs: 20, keepaliveTimeoutMs: 100 });
    // A bare socket that says the HTTP/2 preface and an empty SETTINGS frame, then stays silent.
    const socket = net.connect(f.port, '127.0.0.1');
    try {
      let closed = false;
      let received = 0;
      socket.on('data', (d: Buffer) => (received += d.length));
      socket.on('close', () => (closed = true));
      socket.on('error', () => {});
      socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
      await waitFor(() => f.server.connections === 1, 'the server to see the connection');
      await waitFor(() => closed, 'the server to drop the silent client');
      assert.ok(received > 0, 'the server spoke (settings, pings) before it gave up');
      await waitFor(() => f.server.connections === 0, 'the session to be gone');
    } finally {
      socket.destroy();
      await f.close();
    }
  });
});
