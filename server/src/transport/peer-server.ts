import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { decodeMessage } from '../raft/index.js';
import { errorMessage } from '../util/index.js';
import type { TransportContext } from './context.js';
import { FrameDecoder } from './frame-decoder.js';
import { createPeerServer } from './peer-tls.js';
import { receiveSnapshot } from './snapshot-receiver.js';
import { LeaseRefusal, PROMOTE_REFUSAL_STATUS, PromoteRefusal } from './types.js';
import { encodeMembers } from './members-request.js';
import { HEADER_CLUSTER_ID, HEADER_FROM, HEADER_TO, LEASE_PATH, LEASE_TTL_PATH, MEMBERS_PATH, PROBE_PATH, PROMOTE_PATH, SNAPSHOT_PATH, STREAM_PATH, formatId, parseId, parsePeerUrl } from './wire.js';

const WINDOW_BYTES = 8 * 1024 * 1024;

/** Whether a peer's request may proceed: who sent it, or the refusal to answer. */
type PeerCheck = { kind: 'ok'; from: bigint } | { kind: 'refuse'; status: number; text: string };

/**
 * The receiving half (etcd's rafthttp handlers) on one listen URL: an h2c server taking the
 * raft streams, snapshots and probes of the other members. Requests of another cluster or for
 * another member get 412, those of a removed member 410, before a byte of the body is read.
 */
export class PeerServer {
  private readonly server: http2.Http2Server | http2.Http2SecureServer;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly ctx: TransportContext,
    private readonly https = false,
  ) {
    // Wide flow-control windows: a peer stream carries appends of megabytes, and the default
    // 64 KiB window would make the sender wait for a window update every 64 KiB.
    this.server = createPeerServer(https, ctx.tls, { initialWindowSize: WINDOW_BYTES });
    this.server.on('session', (s: http2.ServerHttp2Session) => {
      this.sessions.add(s);
      s.setLocalWindowSize(WINDOW_BYTES);
      s.on('close', () => this.sessions.delete(s));
      s.on('error', () => undefined);
    });
    this.server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => this.route(stream, headers));
  }

  /** Listens on `url` (port 0 picks one); resolves to the URL actually bound. */
  listen(url: string): Promise<string> {
    const { host, port } = parsePeerUrl(url);
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        this.server.on('error', (err) => this.ctx.logger.error('peer server error', { error: errorMessage(err) }));
        const bound = (this.server.address() as AddressInfo).port;
        resolve(`${this.https ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${bound}`);
      });
    });
  }

  /** Stops listening and cuts every peer connection (their streams never end by themselves). */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      for (const s of this.sessions) s.destroy();
    });
    return this.closing;
  }

  private route(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on('error', () => undefined);
    const path = headers[':path'];
    const method = headers[':method'];
    if (path === PROBE_PATH && method === 'GET') {
      stream.respond({ ':status': 200 }, { endStream: true });
      return;
    }
    if (path === MEMBERS_PATH && method === 'GET') {
      // Anyone may ask (a member about to join does not know the cluster id yet), as etcd's /members.
      stream.respond({ ':status': 200, 'content-type': 'application/json', [HEADER_CLUSTER_ID]: formatId(this.ctx.clusterId) });
      stream.end(encodeMembers(this.ctx.handler.members()));
      return;
    }
    if (method !== 'POST' || !POST_PATHS.has(String(path))) {
      refuse(stream, 404, `no handler for ${String(method)} ${String(path)}`);
      return;
    }
    const check = this.checkPeer(headers);
    if (check.kind === 'refuse') {
      refuse(stream, check.status, check.text);
      return;
    }
    if (path === STREAM_PATH) this.acceptStream(stream, check.from);
    else if (path === LEASE_PATH) this.renewLease(stream);
    else if (path === LEASE_TTL_PATH) this.leaseTimeToLive(stream);
    else if (path === PROMOTE_PATH) this.promoteMember(stream);
    else void receiveSnapshot(this.ctx, stream, check.from);
  }

  private checkPeer(headers: http2.IncomingHttpHeaders): PeerCheck {
    const cluster = parseId(headers[HEADER_CLUSTER_ID]);
    const from = parseId(headers[HEADER_FROM]);
    const to = parseId(headers[HEADER_TO]);
    if (cluster === undefined || from === undefined || to === undefined) {
      return { kind: 'refuse', status: 400, text: `missing or malformed ${HEADER_CLUSTER_ID}/${HEADER_FROM}/${HEADER_TO}` };
    }
    if (cluster !== this.ctx.clusterId) {
      const text = `cluster ID mismatch: local cluster ${formatId(this.ctx.clusterId)}, remote cluster ${formatId(cluster)}`;
      this.ctx.logger.warn('refused peer of another cluster', { 'remote-peer-id': formatId(from), 'remote-cluster-id': formatId(cluster) });
      return { kind: 'refuse', status: 412, text };
    }
    if (to !== this.ctx.memberId) {
      return { kind: 'refuse', status: 412, text: `member ID mismatch: this member is ${formatId(this.ctx.memberId)}, request is for ${formatId(to)}` };
    }
    if (this.ctx.handler.isRemoved(from)) {
      this.ctx.logger.warn('refused removed member', { 'remote-peer-id': formatId(from) });
      return { kind: 'refuse', status: 410, text: `member ${formatId(from)} was removed from the cluster` };
    }
    return { kind: 'ok', from };
  }

  /** A peer's message stream: 200 at once (the sender counts the peer active), then frames until it ends. */
  private acceptStream(stream: http2.ServerHttp2Stream, from: bigint): void {
    const label = formatId(from);
    const decoder = new FrameDecoder(this.ctx.maxFrameBytes);
    stream.respond({ ':status': 200 });
    stream.on('data', (chunk: Buffer) => {
      this.ctx.metrics.receivedBytes.inc({ From: label }, chunk.length);
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        this.ctx.metrics.receivedFailures.inc({ From: label });
        this.ctx.logger.warn('bad frame on peer stream; closing it', { 'remote-peer-id': label, error: errorMessage(err) });
        stream.close(http2.constants.NGHTTP2_PROTOCOL_ERROR);
        return;
      }
      // A member removed while its stream was open is cut off: it redials and hears 410.
      if (frames.length > 0 && this.ctx.handler.isRemoved(from)) {
        this.ctx.logger.warn('closing the stream of a removed member', { 'remote-peer-id': label });
        stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      for (const f of frames) this.deliver(f, label);
    });
    stream.on('end', () => stream.end());
  }

  /** A follower's forwarded lease keep-alive (see lease-request.ts). */
  private renewLease(stream: http2.ServerHttp2Stream): void {
    answerForLeader(stream, 8, (body) =>
      this.ctx.handler.renewLease(body.readBigInt64BE()).then((ttl) => {
        const out = Buffer.alloc(8);
        out.writeBigInt64BE(BigInt(ttl));
        return out;
      }),
    );
  }

  /** A follower's question for a lease's time to live (see lease-request.ts). */
  private leaseTimeToLive(stream: http2.ServerHttp2Stream): void {
    answerForLeader(stream, 9, (body) =>
      this.ctx.handler.leaseTimeToLive(body.readBigInt64BE(), body[8] === 1).then((t) =>
        Buffer.from(JSON.stringify({ ttl: t.ttl, grantedTtl: t.grantedTtl, keys: t.keys.map((k) => Buffer.from(k).toString('base64')) })),
      ),
    );
  }

  /** A follower's forwarded member promotion (see lease-request.ts). */
  private promoteMember(stream: http2.ServerHttp2Stream): void {
    // Member ids are unsigned (lease ids are signed: same 8 bytes, read the other way).
    answerForLeader(stream, 8, (body) => this.ctx.handler.promoteMember(body.readBigUInt64BE()).then(() => Buffer.alloc(0)));
  }

  private deliver(frame: Buffer, label: string): void {
    try {
      this.ctx.handler.process(decodeMessage(frame));
    } catch (err) {
      this.ctx.metrics.receivedFailures.inc({ From: label });
      this.ctx.logger.warn('failed to process raft message', { 'remote-peer-id': label, error: errorMessage(err) });
    }
  }
}

/** Reads a request for the leader (lease or promotion) of `size` bytes and answers what `handle` makes of it (refusals by status). */
function answerForLeader(stream: http2.ServerHttp2Stream, size: number, handle: (body: Buffer) => Promise<Buffer>): void {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => {
    const body = Buffer.concat(chunks);
    if (body.length !== size) return refuse(stream, 400, `this request is ${size} bytes`);
    handle(body).then(
      (out) => {
        if (stream.destroyed) return;
        stream.respond({ ':status': 200 });
        stream.end(out);
      },
      (err: unknown) => {
        if (err instanceof PromoteRefusal) return refuse(stream, PROMOTE_REFUSAL_STATUS[err.reason], errorMessage(err));
        const reason = err instanceof LeaseRefusal ? err.reason : undefined;
        refuse(stream, reason === 'notFound' ? 404 : 503, errorMessage(err));
      },
    );
  });
}

/** The POST requests a peer may make (the raft stream, snapshots, requests for the leader). */
const POST_PATHS = new Set([STREAM_PATH, SNAPSHOT_PATH, LEASE_PATH, LEASE_TTL_PATH, PROMOTE_PATH]);

function refuse(stream: http2.ServerHttp2Stream, status: number, text: string): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ ':status': status, 'content-type': 'text/plain; charset=utf-8' });
  stream.end(text);
  stream.resume();
}
