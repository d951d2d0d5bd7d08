import http2, { type ServerHttp2Session } from 'node:http2';

export interface KeepaliveOptions {
  /** Ping the client after this long (ms); 0 turns server pings off (etcd's --grpc-keepalive-interval). */
  keepaliveTimeMs: number;
  /** Close the connection if a ping is not acknowledged within this (etcd's --grpc-keepalive-timeout). */
  keepaliveTimeoutMs: number;
  /** Client pings closer together than this earn a strike (etcd's --grpc-keepalive-min-time). */
  keepaliveMinTimeMs: number;
  /** Whether clients may ping while they have no call open (etcd: no). */
  permitKeepaliveWithoutCalls: boolean;
}

/** Strikes a client may collect before the connection is closed: grpc-go allows two. */
const MAX_PING_STRIKES = 2;
/** Without open calls (and without permission) one ping per two hours is what a client may send. */
const IDLE_PING_INTERVAL_MS = 2 * 60 * 60 * 1000;
const TOO_MANY_PINGS = Buffer.from('too_many_pings');

/**
 * Keepalive for one connection, both ways. The server pings on a timer and drops a connection
 * whose peer stops answering. Client pings are policed like grpc-go's enforcement policy: a ping
 * sooner than the minimum interval after the last one (or, with no open call, sooner than two
 * hours) is a strike; the third strike gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings" and the
 * connection closes. A new call resets the strikes. node:http2 answers pings itself; the 'ping' event lets us count them.
 */
export class SessionKeepalive {
  /** Calls open on this connection. */
  private activeCalls = 0;
  private strikes = 0;
  private lastPingAt = 0;
  private resetStrikes = true;
  private pingTimer: NodeJS.Timeout | undefined;
  private ackTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly session: ServerHttp2Session,
    private readonly opts: KeepaliveOptions,
  ) {
    session.on('ping', () => this.onClientPing());
    if (opts.keepaliveTimeMs > 0) {
      this.pingTimer = setInterval(() => this.ping(), opts.keepaliveTimeMs);
      this.pingTimer.unref();
    }
  }

  /**
   * A call started on this connection. grpc-go forgives strikes when it sends headers or data;
   * a new call (which the server is about to answer) is our equivalent.
   */
  callStarted(): void {
    this.activeCalls++;
    this.resetStrikes = true;
  }

  callEnded(): void {
    this.activeCalls--;
  }

  stop(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.ackTimer);
  }

  private ping(): void {
    if (this.ackTimer !== undefined || this.session.destroyed || this.session.closed) return;
    this.ackTimer = setTimeout(() => this.session.destroy(), this.opts.keepaliveTimeoutMs);
    this.ackTimer.unref();
    const sent = this.session.ping((err) => {
      clearTimeout(this.ackTimer);
      this.ackTimer = undefined;
      if (err !== null) this.session.destroy();
    });
    if (!sent) {
      clearTimeout(this.ackTimer);
      this.ackTimer = undefined;
    }
  }

  private onClientPing(): void {
    const now = Date.now();
    const last = this.lastPingAt;
    this.lastPingAt = now;
    if (this.resetStrikes) {
      this.resetStrikes = false;
      this.strikes = 0;
      return;
    }
    const allowed = this.activeCalls === 0 && !this.opts.permitKeepaliveWithoutCalls ? IDLE_PING_INTERVAL_MS : this.opts.keepaliveMinTimeMs;
    if (now - last < allowed) this.strikes++;
    if (this.strikes > MAX_PING_STRIKES && !this.session.closed && !this.session.destroyed) {
      this.session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, TOO_MANY_PINGS);
      this.session.close();
    }
  }
}
