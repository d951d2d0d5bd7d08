// The peer proxy on its own, between tiny h2c clients and an h2c server standing in for a
// member: what it forwards, that a cut link stalls (without an error) while another link works,
// and that heal restores the link.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { until } from './cluster-harness.js';
import { freePort } from './cluster-process.js';
import { PeerNetwork } from './peer-network.js';

const { NGHTTP2_CANCEL, NGHTTP2_ENHANCE_YOUR_CALM } = http2.constants;
const A = 0xaan;
const B = 0xbbn;
const C = 0xccn;

/** A stand-in member: echoes, holds raft streams open, answers probes, resets on demand. */
class Backend {
  readonly server = http2.createServer();
  /** Every request seen: method, path, x-cairn-from. */
  readonly seen: string[] = [];
  /** Raft streams open now, and the reset codes of those that closed. */
  readonly open = new Set<http2.ServerHttp2Stream>();
  readonly closedCodes: number[] = [];

  constructor() {
    this.server.on('stream', (stream, headers) => this.route(stream, headers));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private route(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on('error', () => undefined);
    const path = String(headers[':path']);
    this.seen.push(`${String(headers[':method'])} ${path} ${String(headers['x-cairn-from'])}`);
    if (path === '/echo') {
      stream.respond({ ':status': 201, 'x-echo-test': String(headers['x-test']) }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-trailer': 'done' }));
      stream.pipe(stream);
    } else if (path === '/raft/stream') {
      this.open.add(stream);
      stream.on('close', () => {
        this.open.delete(stream);
        this.closedCodes.push(stream.rstCode ?? -1);
      });
      stream.respond({ ':status': 200 });
      stream.resume();
    } else if (path === '/reset') {
      stream.close(NGHTTP2_ENHANCE_YOUR_CALM);
    } else {
      stream.respond({ ':status': 200 }, { endStream: true });
    }
  }
}

interface Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
  trailers: http2.IncomingHttpHeaders;
  rstCode: number;
}

/** A request on `session`; `answer` settles when the stream closes, `status` at its response. */
function request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string): { session: http2.ClientHttp2Session; stream: http2.ClientHttp2Stream; status: Promise<number>; answer: Promise<Answer> } {
  const stream = session.request(headers, { endStream: body === undefined && headers[':method'] === 'GET' });
  stream.on('error', () => undefined);
  const a: Answer = { status: 0, headers: {}, body: '', trailers: {}, rstCode: 0 };
  const status = new Promise<number>((resolve) => stream.on('response', (h) => resolve(Number(h[':status']))));
  stream.on('response', (h) => {
    a.status = Number(h[':status']);
    a.headers = h;
  });
  stream.on('trailers', (t) => (a.trailers = t));
  stream.setEncoding('utf8');
  stream.on('data', (s: string) => (a.body += s));
  const answer = new Promise<Answer>((resolve) =>
    stream.on('close', () => {
      a.rstCode = stream.rstCode ?? -1;
      resolve(a);
    }),
  );
  if (body !== undefined) stream.end(body);
  return { session, stream, status, answer };
}

const peer = (from: bigint, path = '/raft/stream'): http2.OutgoingHttpHeaders => ({
  ':method': 'POST',
  ':path': path,
  'x-cairn-from': from.toString(16),
  'x-cairn-to': B.toString(16),
});
/** A held request ends, unanswered, when the proxy drops its connection. */
async function assertDropped(r: { session: http2.ClientHttp2Session; answer: Promise<Answer> }, what: string): Promise<void> {
  const a = await r.answer;
  assert.equal(a.status, 0, what);
  await until(`its connection to close (${what})`, async () => (r.session.destroyed ? true : undefined), 5_000);
}

const PROBE = { ':method': 'GET', ':path': '/raft/probe' };

describe('the peer proxy', () => {
  const backend = new Backend();
  const sessions: http2.ClientHttp2Session[] = [];
  let net: PeerNetwork;
  let proxyUrl = '';
  const connect = (): http2.ClientHttp2Session => {
    const s = http2.connect(proxyUrl);
    s.on('error', () => undefined);
    sessions.push(s);
    return s;
  };

  before(async () => {
    const target = await backend.listen();
    proxyUrl = `http://127.0.0.1:${await freePort()}`;
    net = await PeerNetwork.start([{ name: 'b', client: '', peer: proxyUrl, listenPeer: target }]);
  });
  after(async () => {
    for (const s of sessions) s.destroy();
    await net.close();
    await new Promise((resolve) => backend.server.close(resolve));
  });

  test('forwards headers, body, status, response headers and trailers', async () => {
    const r = await request(connect(), { ...peer(A, '/echo'), 'x-test': 'forty-two' }, 'hello through the proxy').answer;
    assert.equal(r.status, 201);
    assert.equal(r.headers['x-echo-test'], 'forty-two');
    assert.equal(r.body, 'hello through the proxy');
    assert.equal(r.trailers['x-trailer'], 'done');
    assert.equal(r.rstCode, 0);
    assert.ok(backend.seen.includes('POST /echo aa'));
  });

  test('streams the body both ways, chunk by chunk', async () => {
    const { stream, answer } = request(connect(), peer(A, '/echo'));
    let got = '';
    stream.on('data', (s: string) => (got += s));
    stream.write('one;');
    // The echo of the first chunk comes back while the request is still open: nothing is buffered whole.
    await until('the first chunk echoed', async () => (got === 'one;' ? true : undefined), 5_000);
    stream.end('two;');
    const r = await answer;
    assert.equal(r.body, 'one;two;');
    assert.equal(r.trailers['x-trailer'], 'done');
  });

  test('propagates resets both ways', async () => {
    const reset = await request(connect(), peer(A, '/reset'), '').answer;
    assert.equal(reset.rstCode, NGHTTP2_ENHANCE_YOUR_CALM, 'the member reset: so is the sender');
    const before = backend.closedCodes.length;
    const { stream, status, answer } = request(connect(), peer(C));
    assert.equal(await status, 200);
    stream.close(NGHTTP2_CANCEL);
    await answer;
    await until('the member to see the stream reset', async () => (backend.closedCodes.length > before ? true : undefined), 5_000);
    assert.equal(backend.closedCodes.at(-1), NGHTTP2_CANCEL);
  });

  test('a cut link: open connections dropped, new streams stall unanswered while another sender gets through; heal restores', async () => {
    const sessionA = connect();
    const first = request(sessionA, peer(A));
    assert.equal(await first.status, 200);
    assert.equal(backend.open.size, 1);

    const aClosed = new Promise<void>((resolve) => sessionA.once('close', () => resolve()));
    net.cut(A, B);
    assert.notEqual((await first.answer).rstCode, 0, 'the open stream of the cut sender is destroyed');
    await aClosed; // with its connection
    await until('the member to see that stream gone', async () => (backend.open.size === 0 ? true : undefined), 5_000);

    const seenBefore = backend.seen.length;
    const stalled = request(connect(), peer(A));
    let answered = false;
    void stalled.status.then(() => (answered = true));
    await until('the proxy to hold A\'s new stream', async () => (net.proxy(0).counts.held === 1 ? true : undefined), 5_000);
    const probe = request(stalled.session, PROBE); // no x-cairn-from, on A's connection: A's
    await until('the proxy to hold A\'s probe too', async () => (net.proxy(0).counts.held === 2 ? true : undefined), 5_000);
    // Another sender's stream, opened after A's, is forwarded and answered.
    const other = request(connect(), peer(C));
    assert.equal(await other.status, 200);
    const unattributed = await request(connect(), PROBE).answer;
    assert.equal(unattributed.status, 200, 'a probe on a connection no sender named passes');
    assert.equal(answered, false, 'A\'s stream got no answer, not even an error status');
    assert.deepEqual(backend.seen.slice(seenBefore), ['POST /raft/stream cc', 'GET /raft/probe undefined'], 'nothing of A reached the member');

    net.heal();
    await assertDropped(stalled, 'heal drops the connection of what was held');
    await assertDropped(probe, 'and of the probe held with it');
    const again = request(connect(), peer(A));
    assert.equal(await again.status, 200, 'after heal A gets through');
    assert.equal(backend.seen.at(-1), 'POST /raft/stream aa');
    other.stream.close(NGHTTP2_CANCEL);
    again.stream.close(NGHTTP2_CANCEL);
  });

  test('a delayed link still carries everything, in order; a dropped link resets its connections until heal', async () => {
    net.delay(A, 30);
    const { stream, answer } = request(connect(), peer(A, '/echo'));
    for (let i = 0; i < 20; i++) stream.write(`${i};`);
    stream.end('end');
    const r = await answer;
    assert.equal(r.body, `${Array.from({ length: 20 }, (_, i) => `${i};`).join('')}end`, 'every chunk, in order, both ways');
    net.heal();

    const open = request(connect(), peer(A));
    assert.equal(await open.status, 200);
    net.drop(A);
    await assertDropped({ session: open.session, answer: open.answer.then((a) => ({ ...a, status: 0 })) }, 'an open connection of the dropped member is reset');
    const fresh = request(connect(), peer(A, '/echo'), 'x');
    await assertDropped(fresh, 'a new one too');
    const other = await request(connect(), peer(C, '/echo'), 'c').answer;
    assert.equal(other.body, 'c', 'other members\' links pass');
    net.heal();
    assert.equal((await request(connect(), peer(A, '/echo'), 'back').answer).body, 'back');
  });

  test('partition groups and isolation', async () => {
    net.partition([[A], [B, C]]);
    const a = request(connect(), peer(A));
    const c = request(connect(), peer(C));
    assert.equal(await c.status, 200, 'C and B are on the same side');
    await until('A to be held', async () => (net.proxy(0).counts.held === 1 ? true : undefined), 5_000);
    net.heal();
    await assertDropped(a, 'A was held, never answered');

    // Isolated: C's open stream is cut, and so is a probe of a connection nobody named.
    net.isolate(B);
    assert.notEqual((await c.answer).rstCode, 0);
    const probe = request(connect(), PROBE);
    await until('the probe to be held', async () => (net.proxy(0).counts.held === 1 ? true : undefined), 5_000);
    net.heal();
    await assertDropped(probe, 'the probe was held, never answered');
    assert.equal((await request(connect(), PROBE).answer).status, 200);
  });

  test('the member going away closes the sender\'s connection', async () => {
    const s = connect();
    const open = request(s, peer(A));
    assert.equal(await open.status, 200);
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    for (const st of backend.open) st.session?.destroy();
    await closed;
    assert.notEqual((await open.answer).rstCode, 0);
  });
});
