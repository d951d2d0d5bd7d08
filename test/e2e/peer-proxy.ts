// An h2c proxy in front of one member's peer listener, for partition tests. A TCP proxy cannot
// cut one directed link (every member dials the same advertised URL), so this one forwards
// HTTP/2 streams and reads x-cairn-from / x-cairn-to to know whose traffic each stream is.
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';

/** Decides, for each stream, whether the link from one member to another is cut right now. */
export interface LinkPolicy {
  isCut(from: bigint, to: bigint): boolean;
  /** Whether traffic of no known sender to this member is cut (the member is isolated). */
  isIsolated(to: bigint): boolean;
  /** How long each chunk from → to is held before it is passed on (0: not at all). */
  delayMs?(from: bigint | undefined, to: bigint | undefined): number;
  /** Whether the link's connections are reset as soon as they carry anything (a flapping path). */
  isDropped?(from: bigint | undefined, to: bigint | undefined): boolean;
}

/** Who an incoming connection belongs to, learnt from the first request that says so. */
interface SessionInfo {
  from: bigint | undefined;
  to: bigint | undefined;
  /** One connection to the member per incoming connection, so the member sees each sender apart. */
  upstream: http2.ClientHttp2Session | undefined;
}

/** A stream being forwarded, and on whose behalf. */
interface Forwarded {
  readonly from: bigint | undefined;
  readonly to: bigint | undefined;
  readonly incoming: http2.ServerHttp2Stream;
  readonly outgoing: http2.ClientHttp2Stream;
}

const HEADER_FROM = 'x-cairn-from';
const HEADER_TO = 'x-cairn-to';
/** As the peer server: wide windows so a proxied snapshot or big append does not crawl. */
const WINDOW_BYTES = 8 * 1024 * 1024;
const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_INTERNAL_ERROR } = http2.constants;

function parseHexId(v: string | string[] | undefined): bigint | undefined {
  return typeof v === 'string' && /^[0-9a-f]{1,16}$/i.test(v) ? BigInt(`0x${v}`) : undefined;
}

/** Request or response headers without pseudo-headers (node rejects connection headers in h2 anyway). */
function plainHeaders(h: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) if (!k.startsWith(':') && v !== undefined) out[k] = v;
  return out;
}

/**
 * Listens on `listenUrl` (the member's advertised peer URL) and forwards every stream to
 * `targetUrl` (where the member listens): headers, body both ways, status, trailers, resets.
 *
 * A cut link looks like a network partition to the sender, not like a refusal: when the cut
 * starts, the connections carrying its open streams are dropped (both the sender's and the one to
 * the member, as when a network path dies), and new streams are black-holed (accepted, body read
 * and dropped, never answered). heal() drops the connections of the held streams too, so their
 * senders redial at once instead of waiting out their timeouts.
 *
 * Connections, not single streams (RST_STREAM), are cut: a connection only ever carries one
 * member's traffic to this one, and a reset stream is not what a partition looks like. It also
 * spares the member a Node 20 http2 bug: a session destroyed right after its peer reset one of
 * its streams (with writes pending and another stream open) can loop forever inside
 * SubmitRstStream -> SendPendingData, which is what Cairn's peer sender did when we reset its
 * raft stream here.
 *
 * Requests without x-cairn-from (probes) count as the sender's whose connection they arrive on
 * (a sender's probes share its stream's connection); on a connection no sender has named yet
 * they pass, unless the proxy's member is isolated.
 */
export class PeerProxy {
  private readonly server: http2.Http2Server;
  private readonly sessions = new Map<http2.ServerHttp2Session, SessionInfo>();
  private readonly forwarded = new Set<Forwarded>();
  /** Black-holed streams, by the connection they came on. */
  private readonly held = new Map<http2.ServerHttp2Stream, http2.ServerHttp2Session>();
  /** The member behind this proxy, learnt from x-cairn-to. */
  private memberId: bigint | undefined;

  constructor(
    readonly listenUrl: string,
    readonly targetUrl: string,
    private readonly policy: LinkPolicy,
  ) {
    this.server = http2.createServer({ settings: { initialWindowSize: WINDOW_BYTES } });
    this.server.on('session', (s) => this.onSession(s));
    this.server.on('stream', (stream, headers) => this.onStream(stream, headers));
  }

  /** Streams now forwarded / black-holed (for tests of the proxy itself). */
  get counts(): { forwarded: number; held: number } {
    return { forwarded: this.forwarded.size, held: this.held.size };
  }

  listen(): Promise<void> {
    const url = new URL(this.listenUrl);
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(Number(url.port), url.hostname, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** The port actually bound (listenUrl may say 0). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Applies the policy to what is open now: the connections of forwarded streams of a cut (or dropped) link go. */
  enforce(): void {
    for (const f of this.forwarded) {
      // A stream that already ended has no session any more: nothing of it left to drop.
      const session = f.incoming.session as http2.ServerHttp2Session | undefined;
      if (session !== undefined && (this.cut(f.from, f.to) || this.policy.isDropped?.(f.from, f.to) === true)) this.dropConnection(session);
    }
  }

  /** Drops the connections of every black-holed stream (after a heal: their senders redial at once). */
  releaseHeld(): void {
    for (const session of new Set(this.held.values())) this.dropConnection(session);
    this.held.clear();
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const [s, info] of this.sessions) {
        info.upstream?.destroy();
        s.destroy();
      }
    });
  }

  private onSession(s: http2.ServerHttp2Session): void {
    const info: SessionInfo = { from: undefined, to: undefined, upstream: undefined };
    this.sessions.set(s, info);
    s.setLocalWindowSize(WINDOW_BYTES);
    s.on('error', () => undefined);
    s.on('close', () => {
      this.sessions.delete(s);
      info.upstream?.destroy();
    });
  }

  private cut(from: bigint | undefined, to: bigint | undefined): boolean {
    if (from !== undefined && to !== undefined) return this.policy.isCut(from, to);
    const member = to ?? this.memberId;
    return member !== undefined && this.policy.isIsolated(member);
  }

  private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on('error', () => undefined);
    const info = this.sessions.get(stream.session as http2.ServerHttp2Session);
    if (info === undefined) {
      stream.close(NGHTTP2_INTERNAL_ERROR);
      return;
    }
    const named = parseHexId(headers[HEADER_FROM]);
    const to = parseHexId(headers[HEADER_TO]) ?? info.to;
    if (named !== undefined) info.from = named;
    if (to !== undefined) {
      info.to = to;
      this.memberId = to;
    }
    const from = named ?? info.from;
    if (this.cut(from, to)) this.blackHole(stream);
    else if (this.policy.isDropped?.(from, to) === true) this.dropConnection(stream.session as http2.ServerHttp2Session);
    else this.forward(stream, headers, info, from, to);
  }

  /** Accepted and read, never answered: what a sender sees when its packets are lost. */
  private blackHole(stream: http2.ServerHttp2Stream): void {
    this.held.set(stream, stream.session as http2.ServerHttp2Session);
    stream.on('close', () => this.held.delete(stream));
    stream.resume();
  }

  private upstream(info: SessionInfo, incoming: http2.ServerHttp2Session): http2.ClientHttp2Session {
    if (info.upstream !== undefined && !info.upstream.destroyed && !info.upstream.closed) return info.upstream;
    const up = http2.connect(this.targetUrl, { settings: { initialWindowSize: WINDOW_BYTES } });
    up.on('error', () => undefined);
    up.on('connect', () => up.setLocalWindowSize(WINDOW_BYTES));
    // The member's end of the connection went away: so does the sender's, as through a TCP proxy.
    up.on('close', () => {
      if (info.upstream === up) incoming.destroy();
    });
    info.upstream = up;
    return up;
  }

  private forward(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, info: SessionInfo, from: bigint | undefined, to: bigint | undefined): void {
    const up = this.upstream(info, stream.session as http2.ServerHttp2Session);
    const requestHeaders = { ':method': headers[':method'], ':path': headers[':path'], ...plainHeaders(headers) };
    const outgoing = up.request(requestHeaders, { endStream: stream.endAfterHeaders, waitForTrailers: !stream.endAfterHeaders });
    outgoing.on('error', () => undefined);
    const pair: Forwarded = { from, to, incoming: stream, outgoing };
    this.forwarded.add(pair);
    relayTrailers(stream, outgoing);
    if (!stream.endAfterHeaders) stream.pipe(this.delayed(from, to)).pipe(outgoing);
    outgoing.on('response', (h) => {
      if (stream.destroyed || stream.headersSent) return;
      stream.respond({ ':status': h[':status'], ...plainHeaders(h) }, { waitForTrailers: true });
      relayTrailers(outgoing, stream);
      outgoing.pipe(this.delayed(to, from)).pipe(stream);
    });
    // A reset (or a close before the exchange was complete) on either side resets the other
    // with the same code; a completed exchange closes by itself.
    stream.on('close', () => {
      this.forwarded.delete(pair);
      if (outgoing.closed || (stream.rstCode === NGHTTP2_NO_ERROR && stream.readableEnded && stream.writableFinished)) return;
      outgoing.close(stream.rstCode === NGHTTP2_NO_ERROR ? NGHTTP2_CANCEL : stream.rstCode);
    });
    outgoing.on('close', () => {
      this.forwarded.delete(pair);
      const code = outgoing.rstCode ?? NGHTTP2_INTERNAL_ERROR;
      if (stream.closed || (code === NGHTTP2_NO_ERROR && outgoing.readableEnded)) return;
      stream.close(code === NGHTTP2_NO_ERROR ? NGHTTP2_INTERNAL_ERROR : code);
    });
  }

  /**
   * Passes chunks on after the link's current delay, in order (release times never go back, and
   * timers due at the same time fire in the order they were set).
   */
  private delayed(from: bigint | undefined, to: bigint | undefined): Transform {
    const policy = this.policy;
    let last = 0;
    let pending = 0;
    let flushed: (() => void) | undefined;
    return new Transform({
      transform(chunk: Buffer, _enc, done): void {
        const ms = policy.delayMs?.(from, to) ?? 0;
        const at = Math.max(performance.now() + ms, last);
        last = at;
        if (at <= performance.now() && pending === 0) return done(null, chunk);
        pending++;
        setTimeout(() => {
          this.push(chunk);
          if (--pending === 0) flushed?.();
        }, at - performance.now());
        done();
      },
      flush(done): void {
        if (pending === 0) return done();
        flushed = () => done();
      },
    });
  }

  /** The sender's connection and its twin to the member go, with every stream on them. */
  private dropConnection(session: http2.ServerHttp2Session): void {
    this.sessions.get(session)?.upstream?.destroy();
    session.destroy();
  }
}

/**
 * The trailers `src` receives are sent on `dst` when it asks for them (it was opened with
 * waitForTrailers); none received means an empty end of stream, which node sends as such.
 */
function relayTrailers(src: http2.ServerHttp2Stream | http2.ClientHttp2Stream, dst: http2.ServerHttp2Stream | http2.ClientHttp2Stream): void {
  let trailers: http2.OutgoingHttpHeaders = {};
  src.on('trailers', (t: http2.IncomingHttpHeaders) => (trailers = plainHeaders(t)));
  dst.on('wantTrailers', () => {
    if (!dst.destroyed) dst.sendTrailers(trailers);
  });
}
