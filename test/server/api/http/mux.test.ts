import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { describe, test } from 'node:test';
import { GO_BAD_REQUEST, answerBadRequestsAsGo, listenMux, type MuxListener } from '../../../../server/src/api/http/mux.js';

async function withMux(fn: (port: number) => Promise<void>): Promise<void> {
  const h2 = http2.createServer();
  h2.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('h2');
  });
  const h1 = http.createServer((_req, res) => res.end('h1'));
  answerBadRequestsAsGo(h1);
  const mux: MuxListener = await listenMux('127.0.0.1', 0, h2, h1);
  try {
    await fn(mux.port);
  } finally {
    await mux.close();
    h1.closeAllConnections();
    h2.close();
  }
}

/** Writes chunks (each in its own turn), half-closes, and collects what comes back until close. */
function exchange(port: number, chunks: Buffer[]): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.setEncoding('latin1').on('data', (d: string) => (got += d));
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
    const next = (i: number): void => {
      if (i === chunks.length) return void s.end();
      s.write(chunks[i] as Buffer, () => setImmediate(() => next(i + 1)));
    };
    s.once('connect', () => next(0));
  });
}

describe('the client port mux', () => {
  test('HTTP/1.1 and HTTP/2 on one port', () =>
    withMux(async (port) => {
      const one = await exchange(port, [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]);
      assert.match(one, /^HTTP\/1\.1 200 OK\r\n[\s\S]*h1$/);
      const client = http2.connect(`http://127.0.0.1:${port}`);
      const body = await new Promise<string>((resolve, reject) => {
        const req = client.request({ ':path': '/' });
        let text = '';
        req.setEncoding('utf8').on('data', (d: string) => (text += d));
        req.on('end', () => resolve(text));
        req.on('error', reject);
      });
      client.close();
      assert.equal(body, 'h2');
    }));

  test('a request line that arrives a byte at a time is still HTTP/1.1', () =>
    withMux(async (port) => {
      const bytes = Buffer.from('GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const got = await exchange(port, [...bytes].map((c) => Buffer.from([c])));
      assert.match(got, /^HTTP\/1\.1 200 OK/);
    }));

  test('bytes that are neither HTTP/1.x nor HTTP/2 are dropped without an answer, as etcd drops them', () =>
    withMux(async (port) => {
      assert.equal(await exchange(port, [Buffer.from('\x16\x03\x01 not a request\r\n\r\n', 'latin1')]), '');
      assert.equal(await exchange(port, [Buffer.from('HELLO\r\n')]), '');
      assert.equal(await exchange(port, [Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n')]), '', 'a spoilt preface');
      assert.equal(await exchange(port, [Buffer.alloc(5000, 0x41)]), '', 'no line end within 4 KiB');
    }));

  test("a malformed HTTP/1.1 request gets Go's 400 answer, byte for byte", () =>
    withMux(async (port) => {
      assert.equal(await exchange(port, [Buffer.from('GET /health HTTP/1.1\r\nthis is bad\r\n\r\n')]), GO_BAD_REQUEST);
    }));
});
