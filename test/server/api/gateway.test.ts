import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { GATEWAY_ROUTES, Gateway, type GatewayOptions, gatewayMethods } from '../../../server/src/api/gateway/index.js';
import { type AnyMethod, type CallContext, GrpcError, Status } from '../../../server/src/api/grpc/index.js';
import { ServerError } from '../../../server/src/etcdserver/errors.js';
import { waitFor } from '../../support/wait-for.js';
import { TestMember } from './fixture.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A gateway on a loopback HTTP server; paths it does not take answer 418, so a test can tell. */
async function serveGateway(methods: Iterable<AnyMethod>, opts: GatewayOptions = {}): Promise<{ url: string; close(): Promise<void> }> {
  const gw = new Gateway(methods, opts);
  const server = http.createServer((req, res) => {
    if (gw.handle(req, res)) return;
    res.writeHead(418);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function withMember(fn: (url: string, member: TestMember) => Promise<void>, opts: GatewayOptions = {}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-'));
  const member = await TestMember.open(dir);
  const gw = await serveGateway(gatewayMethods(member), opts);
  try {
    await fn(gw.url, member);
  } finally {
    await gw.close();
    await member.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  trailers: NodeJS.Dict<string>;
}

function post(url: string, body: string, headers: http.OutgoingHttpHeaders = {}, method = 'POST'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, trailers: res.trailers }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** A request whose body stays open: `send` writes more of it, `lines` is what came back so far. */
function openStream(url: string): { send(s: string): void; lines: string[]; status(): number | undefined; close(): void } {
  const lines: string[] = [];
  let status: number | undefined;
  let partial = '';
  const req = http.request(url, { method: 'POST' }, (res) => {
    status = res.statusCode;
    res.setEncoding('utf8').on('data', (c: string) => {
      const parts = (partial + c).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
    });
  });
  req.on('error', () => undefined);
  req.flushHeaders();
  return { send: (s) => req.write(s), lines, status: () => status, close: () => req.destroy() };
}

describe('gateway over a member', () => {
  test('unary calls answer as etcd\'s gateway: JSON with proto names, errors with code and status', async () => {
    await withMember(async (url) => {
      const put = await post(`${url}/v3/kv/put`, `{"key":"${b64('a')}","value":"${b64('1')}"}`);
      assert.equal(put.status, 200);
      assert.equal(put.headers['content-type'], 'application/json');
      assert.equal(put.headers['grpc-metadata-content-type'], 'application/grpc');
      assert.match(put.body, /^\{"header":\{"cluster_id":"\d+","member_id":"\d+","revision":"2","raft_term":"2"\}\}$/);
      const range = await post(`${url}/v3beta/kv/range`, `{"key":"${b64('a')}"}`);
      assert.match(range.body, /"kvs":\[\{"key":"YQ==","create_revision":"2","mod_revision":"2","version":"1","value":"MQ=="\}\],"count":"1"\}$/);
      const future = await post(`${url}/v3/kv/range`, `{"key":"${b64('a')}","revision":"99"}`);
      assert.equal(future.status, 400);
      assert.equal(future.body, '{"error":"etcdserver: mvcc: required revision is a future revision","message":"etcdserver: mvcc: required revision is a future revision","code":11}');
      assert.equal(future.headers.trailer, 'Grpc-Trailer-Content-Type');
      assert.equal(future.trailers['grpc-trailer-content-type'], 'application/grpc');
    });
  });

  test('the member\'s errors map as over gRPC; a request that is not JSON is INVALID_ARGUMENT without trailers', async () => {
    await withMember(async (url, member) => {
      member.failWith = new ServerError('timeout');
      const r = await post(`${url}/v3/kv/put`, `{"key":"${b64('a')}"}`);
      assert.equal(r.status, 503);
      assert.equal(r.body, '{"error":"etcdserver: request timed out","message":"etcdserver: request timed out","code":14}');
      const bad = await post(`${url}/v3/kv/put`, '{"key":');
      assert.equal(bad.status, 400);
      assert.equal(bad.body, '{"error":"unexpected EOF","message":"unexpected EOF","code":3}');
      assert.equal(bad.headers.trailer, undefined);
    });
  });

  test('a request larger than the gRPC receive limit fails as it would over gRPC', async () => {
    await withMember(
      async (url) => {
        const r = await post(`${url}/v3/kv/put`, `{"key":"${b64('k')}","value":"${b64('x'.repeat(100))}"}`);
        assert.equal(r.status, 429);
        assert.equal(r.body, '{"error":"grpc: received message larger than max (105 vs. 64)","message":"grpc: received message larger than max (105 vs. 64)","code":8}');
        assert.equal((await post(`${url}/v3/kv/put`, `{"key":"${b64('k')}","value":"${b64('x')}"}`)).status, 200);
      },
      { maxReceiveBytes: 64 },
    );
  });

  test('Grpc-Metadata-Hasleader reaches the leader check, as grpc-gateway forwards it', async () => {
    await withMember(async (url, member) => {
      member.leader = false;
      const r = await post(`${url}/v3/kv/range`, `{"key":"${b64('a')}"}`, { 'grpc-metadata-hasleader': 'true' });
      assert.equal(r.status, 503);
      assert.equal(r.body, '{"error":"etcdserver: no leader","message":"etcdserver: no leader","code":14}');
      assert.equal((await post(`${url}/v3/kv/range`, `{"key":"${b64('a')}"}`)).status, 200);
    });
  });

  test('a watch is full duplex: requests on a body kept open are served as they come', async () => {
    await withMember(async (url) => {
      const w = openStream(`${url}/v3/watch`);
      try {
        w.send(`{"create_request":{"key":"${b64('k')}"}}`);
        await waitFor(() => w.lines.length >= 1, 'created');
        assert.equal(w.status(), 200);
        assert.match(w.lines[0] ?? '', /^\{"result":\{"header":\{.*\},"created":true\}\}$/);
        await post(`${url}/v3/kv/put`, `{"key":"${b64('k')}","value":"${b64('v')}"}`);
        await waitFor(() => w.lines.length >= 2, 'the put event');
        assert.match(w.lines[1] ?? '', /"events":\[\{"kv":\{"key":"aw==","create_revision":"2","mod_revision":"2","version":"1","value":"dg=="\}\}\]\}\}$/);
        // The second request arrives in two pieces.
        w.send('{"cancel_request":');
        w.send('{"watch_id":"0"}}');
        await waitFor(() => w.lines.length >= 3, 'the cancel');
        assert.match(w.lines[2] ?? '', /"canceled":true\}\}$/);
      } finally {
        w.close();
      }
    });
  });

  test('keep-alive answers each request in order and ends with the body', async () => {
    await withMember(async (url) => {
      const g = await post(`${url}/v3/lease/grant`, '{"ID":"7","TTL":"30"}');
      assert.match(g.body, /"ID":"7","TTL":"30"\}$/);
      const k = await post(`${url}/v3/lease/keepalive`, '{"ID":7}\n{"ID":"8"} {"ID":7}');
      const lines = k.body.split('\n');
      assert.equal(lines.length, 4);
      assert.match(lines[0] ?? '', /"ID":"7","TTL":"30"\}\}$/);
      assert.match(lines[1] ?? '', /"ID":"8"\}\}$/);
      assert.match(lines[2] ?? '', /"ID":"7","TTL":"30"\}\}$/);
      assert.equal(lines[3], '');
    });
  });

  test('the snapshot streams its chunks, which together are the member\'s snapshot', async () => {
    await withMember(async (url) => {
      await post(`${url}/v3/kv/put`, `{"key":"${b64('a')}","value":"${b64('1')}"}`);
      const r = await post(`${url}/v3/maintenance/snapshot`, '');
      assert.equal(r.status, 200);
      const chunks = r.body.trim().split('\n').map((l) => JSON.parse(l) as { result: { blob?: string } });
      const bytes = Buffer.concat(chunks.map((c) => Buffer.from(c.result.blob ?? '', 'base64')));
      // The stream ends with the sha256 of what came before it.
      assert.deepEqual(bytes.subarray(-32), createHash('sha256').update(bytes.subarray(0, -32)).digest());
      assert.ok(bytes.length > 32);
    });
  });
});

describe('gateway routing and call plumbing', () => {
  test('gatewayMethods are the methods registerServices registers for gRPC', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-'));
    const member = await TestMember.open(dir);
    try {
      const paths = new Set(gatewayMethods(member).map((m) => m.path));
      for (const p of ['/etcdserverpb.KV/Txn', '/etcdserverpb.Watch/Watch', '/etcdserverpb.Lease/LeaseKeepAlive', '/etcdserverpb.Cluster/MemberList', '/etcdserverpb.Maintenance/Snapshot']) {
        assert.ok(paths.has(p), p);
      }
      // Every route whose method is registered has a method object of the right shape.
      for (const m of gatewayMethods(member)) {
        const route = [...GATEWAY_ROUTES.values()].find((r) => r.grpcPath === m.path);
        if (route === undefined) continue;
        assert.equal(route.shape === 'bidi', m.requestStream && m.responseStream, m.path);
        assert.equal(route.shape === 'server-stream', !m.requestStream && m.responseStream, m.path);
      }
    } finally {
      await member.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const unaryAt = (path: string, handler: (req: unknown, call: CallContext) => unknown): AnyMethod =>
    ({ path, requestStream: false, responseStream: false, decode: () => ({}), encode: () => new Uint8Array(), handler }) as AnyMethod;

  test('unknown paths, unregistered services and other methods answer as grpc-gateway', async () => {
    const gw = await serveGateway([]);
    try {
      const lock = await post(`${gw.url}/v3/lock/lock`, '{}');
      assert.equal(lock.status, 404);
      assert.equal(lock.body, 'Not Found\n');
      assert.equal(lock.headers['content-type'], 'text/plain; charset=utf-8');
      assert.equal((await post(`${gw.url}/v3/kv/nothing`, '{}')).status, 404);
      assert.equal((await post(`${gw.url}/health`, '')).status, 418);
    } finally {
      await gw.close();
    }
    const gw2 = await serveGateway([unaryAt('/etcdserverpb.KV/Range', () => ({}))]);
    try {
      const get = await post(`${gw2.url}/v3/kv/range`, '', {}, 'GET');
      assert.equal(get.status, 405);
      assert.equal(get.body, 'Method Not Allowed\n');
    } finally {
      await gw2.close();
    }
  });

  test('Authorization is carried as the token metadata, Grpc-Metadata-* as metadata', async () => {
    let seen: (string | undefined)[] = [];
    const gw = await serveGateway([
      unaryAt('/etcdserverpb.KV/Range', (_req, call) => {
        seen = [call.header('token'), call.header('authorization'), call.header('x-custom'), String(call.metadata.get('x-custom'))];
        return {};
      }),
    ]);
    try {
      const r = await post(`${gw.url}/v3/kv/range`, '{}', { authorization: 'tok.123', 'grpc-metadata-x-custom': 'yes' });
      assert.equal(r.status, 200);
      assert.equal(r.body, '{}');
      assert.deepEqual(seen, ['tok.123', 'tok.123', 'yes', 'yes']);
    } finally {
      await gw.close();
    }
  });

  test('an error in the middle of a stream ends it with grpc-gateway\'s error chunk', async () => {
    const snapshot: AnyMethod = {
      path: '/etcdserverpb.Maintenance/Snapshot',
      requestStream: false,
      responseStream: true,
      decode: () => ({}),
      // SnapshotResponse.blob (field 3) = 'A'.
      encode: () => Uint8Array.of(0x1a, 0x01, 0x41),
      handler: async (_req, call) => {
        await call.write({});
        throw new GrpcError(Status.UNAVAILABLE, 'gone');
      },
    };
    const gw = await serveGateway([snapshot]);
    try {
      const r = await post(`${gw.url}/v3/maintenance/snapshot`, '{}');
      assert.equal(r.status, 200);
      assert.equal(r.body, '{"result":{"blob":"QQ=="}}\n{"error":{"grpc_code":14,"http_code":503,"message":"gone","http_status":"Service Unavailable"}}');
    } finally {
      await gw.close();
    }
  });

  test('a client that goes away cancels the call', async () => {
    let signal: AbortSignal | undefined;
    const watch: AnyMethod = {
      path: '/etcdserverpb.Watch/Watch',
      requestStream: true,
      responseStream: true,
      decode: () => ({}),
      encode: () => new Uint8Array(),
      handler: async (call) => {
        signal = call.signal;
        await call.write({});
        await new Promise((resolve) => call.signal.addEventListener('abort', resolve, { once: true }));
      },
    };
    const gw = await serveGateway([watch]);
    try {
      const w = openStream(`${gw.url}/v3/watch`);
      w.send('{}');
      await waitFor(() => w.lines.length >= 1, 'the first response');
      assert.equal(signal?.aborted, false);
      w.close();
      await waitFor(() => signal?.aborted === true, 'the call to be cancelled');
    } finally {
      await gw.close();
    }
  });
});
