// The https client port: TLS, then the same routing as the cleartext port; who is refused (and
// that nothing reaches the handlers for them); certificates re-read when replaced; versions,
// ciphers and the allowed hostname; non-gRPC HTTP/2 requests served by the HTTP handler.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { GrpcServer } from '../../../../server/src/api/grpc/index.js';
import { type ClientTlsOptions, GATEWAY_COMMON_NAME_TEXT, listenTls, otherRequestsTo, refuseGatewayCommonName } from '../../../../server/src/api/http/client-tls.js';
import type { MuxListener } from '../../../../server/src/api/http/mux.js';
import { verifiedCommonName } from '../../../../server/src/util/index.js';
import { type Ca, type Leaf, makeCa, makeCrl, makeLeaf } from '../../../support/certs.js';

interface Served {
  listener: MuxListener;
  /** Requests that reached a handler. */
  hits: number;
  rejected: string[];
  close(): Promise<void>;
}

/** A TLS client port whose HTTP/1.1 and HTTP/2 handlers answer which they are and who the client is. */
async function serve(opts: ClientTlsOptions, authEnabled = false): Promise<Served> {
  const served = { hits: 0, rejected: [] as string[] } as Served;
  const h1Handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    served.hits++;
    if (refuseGatewayCommonName(req, res, authEnabled)) return;
    res.end(`h1 ${req.method} ${req.url} cn=${verifiedCommonName(req.socket) ?? '-'} v=${req.httpVersion}`);
  };
  const h1 = http.createServer(h1Handler);
  const h2 = http2.createServer();
  const grpc = new GrpcServer({ server: h2, otherRequests: otherRequestsTo(h1Handler) });
  served.listener = await listenTls('127.0.0.1', 0, h2, h1, opts, (_remote, reason) => served.rejected.push(reason));
  served.close = async () => {
    await grpc.close();
    await served.listener.close();
  };
  return served;
}

/** GET over HTTPS (HTTP/1.1); resolves with the body, rejects when the connection is refused. */
function get1(port: number, ca: Ca, client: Leaf | undefined, path = '/x', extra: tls.ConnectionOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host: '127.0.0.1', port, path, ca: fs.readFileSync(ca.certFile), ...(client === undefined ? {} : { cert: fs.readFileSync(client.certFile), key: fs.readFileSync(client.keyFile) }), agent: false, ...extra },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (s: string) => (body += s));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      },
    );
    req.on('error', reject);
  });
}

/** One HTTP/2 request over TLS (ALPN h2); resolves with status and body. */
function get2(port: number, ca: Ca, client: Leaf, headers: http2.OutgoingHttpHeaders = { ':path': '/y' }): Promise<string> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { ca: fs.readFileSync(ca.certFile), cert: fs.readFileSync(client.certFile), key: fs.readFileSync(client.keyFile) });
    session.on('error', reject);
    const req = session.request(headers);
    let status = '';
    let body = '';
    req.on('response', (h) => (status = `${String(h[':status'])}${h['grpc-status'] === undefined ? '' : ` grpc-status=${String(h['grpc-status'])}`}`));
    req.setEncoding('utf8').on('data', (s: string) => (body += s));
    req.on('end', () => {
      session.close();
      resolve(`${status} ${body}`);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('client TLS listener', () => {
  let ca: Ca;
  let other: Ca;
  let server: Leaf;
  let alice: Leaf;
  let stranger: Leaf;
  let revoked: Leaf;
  let crl: string;
  const base = (): ClientTlsOptions => ({ certFile: server.certFile, keyFile: server.keyFile, trustedCaFile: ca.certFile, clientCertAuth: true });

  before(() => {
    ca = makeCa();
    other = makeCa('other-ca');
    server = makeLeaf(ca, 'server');
    alice = makeLeaf(ca, 'alice');
    revoked = makeLeaf(ca, 'mallory');
    stranger = makeLeaf(other, 'alice');
    crl = makeCrl(ca, [revoked]);
  });
  after(() => {
    fs.rmSync(ca.dir, { recursive: true, force: true });
    fs.rmSync(other.dir, { recursive: true, force: true });
  });

  test('HTTP/1.1 and HTTP/2 on one TLS port; the verified common name is the client\'s', async () => {
    const s = await serve(base());
    try {
      assert.equal(await get1(s.listener.port, ca, alice), '200 h1 GET /x cn=alice v=1.1');
      // curl and Prometheus pick h2 by ALPN: their plain requests reach the HTTP handler, not gRPC's 415.
      assert.equal(await get2(s.listener.port, ca, alice), '200 h1 GET /y cn=alice v=2.0');
      // A gRPC request on the same port is still gRPC's.
      assert.equal(await get2(s.listener.port, ca, alice, { ':method': 'POST', ':path': '/no.Such/Method', 'content-type': 'application/grpc' }), '200 grpc-status=12 ');
      assert.equal(s.hits, 2);
    } finally {
      await s.close();
    }
  });

  test('refused without a word: plaintext, no certificate, another CA\'s, a revoked one', async () => {
    const s = await serve({ ...base(), crlFile: crl });
    try {
      const plain = await new Promise<string>((resolve) => {
        const sock = net.connect(s.listener.port, '127.0.0.1', () => sock.write('GET /x HTTP/1.1\r\nHost: a\r\n\r\n'));
        let got = '';
        sock.setEncoding('latin1').on('data', (d: string) => (got += d));
        sock.on('error', () => undefined);
        sock.on('close', () => resolve(got));
      });
      assert.equal(plain, '', 'a plaintext request gets no answer, only a closed connection');
      await assert.rejects(get1(s.listener.port, ca, undefined));
      await assert.rejects(get1(s.listener.port, ca, stranger));
      await assert.rejects(get1(s.listener.port, ca, revoked));
      assert.equal(s.hits, 0, 'no refused request reached a handler');
      assert.equal(await get1(s.listener.port, ca, alice), '200 h1 GET /x cn=alice v=1.1', 'the CRL revokes only what it lists');
      assert.ok(s.rejected.some((r) => /http request/.test(r)), s.rejected.join('; '));
      assert.ok(s.rejected.some((r) => /did not return a certificate/.test(r)), s.rejected.join('; '));
      assert.ok(s.rejected.some((r) => /CERT_REVOKED/.test(r)), s.rejected.join('; '));
      assert.ok(s.rejected.some((r) => /UNABLE_TO_VERIFY_LEAF_SIGNATURE/.test(r)), s.rejected.join('; '));
    } finally {
      await s.close();
    }
  });

  test('without --client-cert-auth any client is served, and none is taken for a user', async () => {
    const s = await serve({ certFile: server.certFile, keyFile: server.keyFile });
    try {
      assert.equal(await get1(s.listener.port, ca, undefined), '200 h1 GET /x cn=- v=1.1');
      assert.equal(await get1(s.listener.port, ca, stranger), '200 h1 GET /x cn=- v=1.1');
    } finally {
      await s.close();
    }
  });

  test('a certificate replaced on disk is served to the next connection, without a restart', async () => {
    const dir = fs.mkdtempSync(`${ca.dir}/rot-`);
    const files = { certFile: `${dir}/server.crt`, keyFile: `${dir}/server.key` };
    fs.copyFileSync(server.certFile, files.certFile);
    fs.copyFileSync(server.keyFile, files.keyFile);
    const s = await serve({ ...base(), ...files });
    const servedSerial = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const c = tls.connect({ host: '127.0.0.1', port: s.listener.port, ca: fs.readFileSync(ca.certFile), cert: fs.readFileSync(alice.certFile), key: fs.readFileSync(alice.keyFile) }, () => {
          resolve(c.getPeerCertificate().serialNumber);
          c.end();
        });
        c.on('error', reject);
      });
    try {
      const first = await servedSerial();
      const next = makeLeaf(ca, 'server-2');
      // Written aside and renamed into place, as cert-manager and most rotations do.
      fs.copyFileSync(next.keyFile, `${files.keyFile}.tmp`);
      fs.copyFileSync(next.certFile, `${files.certFile}.tmp`);
      fs.renameSync(`${files.keyFile}.tmp`, files.keyFile);
      fs.renameSync(`${files.certFile}.tmp`, files.certFile);
      const second = await servedSerial();
      assert.notEqual(second, first);
      const want = new crypto.X509Certificate(fs.readFileSync(next.certFile)).serialNumber;
      assert.equal(second.toUpperCase(), want.toUpperCase());
    } finally {
      await s.close();
    }
  });

  test('--tls-min-version TLS1.3 refuses a TLS 1.2 client; --cipher-suites limits TLS 1.2', async () => {
    const v13 = await serve({ ...base(), minVersion: 'TLSv1.3' });
    try {
      await assert.rejects(get1(v13.listener.port, ca, alice, '/x', { maxVersion: 'TLSv1.2' }));
      assert.equal(await get1(v13.listener.port, ca, alice), '200 h1 GET /x cn=alice v=1.1');
    } finally {
      await v13.close();
    }
    const only = await serve({ ...base(), maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    try {
      await assert.rejects(get1(only.listener.port, ca, alice, '/x', { ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }));
      assert.equal(await get1(only.listener.port, ca, alice, '/x', { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }), '200 h1 GET /x cn=alice v=1.1');
    } finally {
      await only.close();
    }
  });

  test('--client-cert-allowed-hostname: a client certificate not valid for the name is refused', async () => {
    const wrong = await serve({ ...base(), allowedHostname: 'example.com' });
    try {
      await assert.rejects(get1(wrong.listener.port, ca, alice));
      assert.equal(wrong.hits, 0);
      assert.ok(wrong.rejected.some((r) => /not valid for example.com/.test(r)));
    } finally {
      await wrong.close();
    }
    const right = await serve({ ...base(), allowedHostname: 'localhost' });
    try {
      assert.equal(await get1(right.listener.port, ca, alice), '200 h1 GET /x cn=alice v=1.1');
    } finally {
      await right.close();
    }
  });

  test('with auth on, a gateway request made with a named certificate gets etcd\'s 400', async () => {
    const s = await serve(base(), true);
    try {
      assert.equal(await get1(s.listener.port, ca, alice, '/v3/kv/range'), `400 ${GATEWAY_COMMON_NAME_TEXT}`);
      assert.equal(await get1(s.listener.port, ca, alice, '/v3beta/kv/put'), `400 ${GATEWAY_COMMON_NAME_TEXT}`);
      assert.equal(await get1(s.listener.port, ca, alice, '/health'), '200 h1 GET /health cn=alice v=1.1');
    } finally {
      await s.close();
    }
    const off = await serve(base(), false);
    try {
      assert.equal(await get1(off.listener.port, ca, alice, '/v3/kv/range'), '200 h1 GET /v3/kv/range cn=alice v=1.1');
    } finally {
      await off.close();
    }
  });
});
