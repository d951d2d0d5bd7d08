import http2 from 'node:http2';
import { type Message, MessageType, encodeMessage } from '../raft/index.js';
import { errorMessage } from '../util/index.js';
import { type TransportContext, later } from './context.js';
import { PeerRefusedError, TransportError } from './errors.js';
import { sendSnapshotTo } from './snapshot-sender.js';
import type { OutgoingSnapshot } from './types.js';
import { PROBE_PATH, STREAM_PATH, encodeFrames, formatId, peerHeaders } from './wire.js';

/** Where the sender to one peer stands. `removed`: the peer said this member is gone; it stops for good. */
type SenderState = 'dialing' | 'up' | 'backoff' | 'removed' | 'closed';

/** One dial: a connection and its stream, torn down together. */
interface Attempt {
  readonly session: http2.ClientHttp2Session;
  readonly stream: http2.ClientHttp2Stream;
  /** Set when the peer answered something other than 200: its answer is being read. */
  refusal: number | undefined;
  done: boolean;
}

/**
 * The sending half for one peer (etcd's rafthttp peer + streamWriter): one long-lived stream to
 * the first URL that answers, round-robin over the peer's URLs and exponential backoff when it
 * breaks; a bounded queue flushed as one write per event-loop turn, so messages reach the peer
 * in the order they were sent. A message that cannot go out now is dropped and the peer reported
 * unreachable: raft's own retries and probes cover the loss.
 */
export class PeerSender {
  private urls: readonly string[];
  private urlIndex = 0;
  private state: SenderState = 'dialing';
  private attempt: Attempt | undefined;
  private queue: Message[] = [];
  private flushScheduled = false;
  private waitingDrain = false;
  private backoffMs: number;
  private lastUnreachable = -Infinity;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly snapshotSessions = new Set<http2.ClientHttp2Session>();
  private readonly label: string;

  constructor(
    readonly id: bigint,
    urls: readonly string[],
    private readonly ctx: TransportContext,
  ) {
    this.urls = [...urls];
    this.backoffMs = ctx.backoff.initialMs;
    this.label = formatId(id);
    this.dial();
  }

  get active(): boolean {
    return this.state === 'up';
  }

  send(msg: Message): void {
    if (this.state !== 'up' || this.queue.length >= this.ctx.queueSize) {
      this.drop(msg);
      return;
    }
    this.queue.push(msg);
    this.scheduleFlush();
  }

  sendSnapshot(snap: OutgoingSnapshot): void {
    const url = this.urls[this.urlIndex % this.urls.length];
    if (this.state === 'removed' || this.state === 'closed' || url === undefined) {
      this.ctx.metrics.snapshotSendFailures.inc({ To: this.label });
      later(() => this.ctx.handler.reportSnapshot(this.id, false));
      return;
    }
    const track = (s: http2.ClientHttp2Session): (() => void) => {
      this.snapshotSessions.add(s);
      return () => this.snapshotSessions.delete(s);
    };
    void sendSnapshotTo(this.ctx, url, snap, track).then((ok) => this.ctx.handler.reportSnapshot(this.id, ok));
  }

  /** New URLs for the peer: the stream moves if its URL is no longer among them. */
  updateUrls(urls: readonly string[]): void {
    const current = this.urls[this.urlIndex % this.urls.length];
    this.urls = [...urls];
    this.urlIndex = 0;
    if (current !== undefined && this.urls.includes(current)) {
      this.urlIndex = this.urls.indexOf(current);
      return;
    }
    if (this.attempt !== undefined) this.fail(this.attempt, new TransportError('peer URLs changed'));
  }

  close(): void {
    if (this.state === 'closed') return;
    // Closing is not a loss to report: raft is stopping too.
    this.queue = [];
    this.teardown(new TransportError('transport closed'));
    this.state = 'closed';
    for (const s of this.snapshotSessions) s.destroy();
    this.snapshotSessions.clear();
  }

  private dial(): void {
    if (this.state === 'removed' || this.state === 'closed') return;
    const url = this.urls[this.urlIndex % this.urls.length];
    if (url === undefined) return;
    this.state = 'dialing';
    let session: http2.ClientHttp2Session;
    try {
      session = this.ctx.connect(url);
    } catch (err) {
      // A peer certificate that cannot be read (or none for an https peer): said, and retried.
      this.ctx.logger.error('cannot dial peer', { 'remote-peer-id': this.label, url, error: errorMessage(err) });
      this.state = 'backoff';
      this.timer(() => this.dial(), this.ctx.backoff.maxMs);
      return;
    }
    const stream = session.request(
      { ':method': 'POST', ':path': STREAM_PATH, ...peerHeaders(this.ctx.clusterId, this.ctx.memberId, this.id) },
      { endStream: false },
    );
    const attempt: Attempt = { session, stream, refusal: undefined, done: false };
    this.attempt = attempt;
    const timer = this.timer(() => this.fail(attempt, new TransportError(`no answer from ${url} within ${this.ctx.dialTimeoutMs} ms`)), this.ctx.dialTimeoutMs);
    const broken = (err: Error): void => {
      if (attempt.refusal === undefined) this.fail(attempt, err);
    };
    session.on('error', broken);
    session.on('close', () => broken(new TransportError('connection closed')));
    stream.on('error', broken);
    stream.on('close', () => broken(new TransportError('stream closed')));
    stream.on('response', (headers) => {
      this.clearTimer(timer);
      const status = Number(headers[':status']);
      if (status === 200) this.up(attempt, url);
      else this.readRefusal(attempt, status);
    });
  }

  private up(attempt: Attempt, url: string): void {
    if (attempt !== this.attempt || attempt.done) return;
    this.state = 'up';
    this.backoffMs = this.ctx.backoff.initialMs;
    this.ctx.metrics.activePeers.set({ Local: formatId(this.ctx.memberId), Remote: this.label }, 1);
    this.ctx.logger.info('peer stream established', { 'remote-peer-id': this.label, url });
    // Nothing comes back on this stream; reading keeps the flow-control window open.
    attempt.stream.resume();
    this.probe(attempt);
  }

  /** A refused stream: its body explains why (logged). 410 stops this sender; others retry. */
  private readRefusal(attempt: Attempt, status: number): void {
    attempt.refusal = status;
    let body = '';
    attempt.stream.setEncoding('utf8');
    attempt.stream.on('data', (s: string) => {
      if (body.length < 1024) body += s;
    });
    let handled = false;
    const handle = (): void => {
      if (handled) return;
      handled = true;
      const err = new PeerRefusedError(status, body.trim());
      this.ctx.metrics.sentFailures.inc({ To: this.label });
      if (status !== 410) {
        this.fail(attempt, err);
        return;
      }
      this.ctx.logger.warn('peer says this member was removed from the cluster; stopped dialing it', { 'remote-peer-id': this.label });
      this.teardown(err);
      this.state = 'removed';
      this.ctx.handler.removedFromCluster(this.id);
    };
    attempt.stream.on('end', handle);
    attempt.stream.on('close', handle);
  }

  /** The attempt broke (or never worked): tear it down, retry on the next URL after a backoff. */
  private fail(attempt: Attempt, err: Error): void {
    if (attempt !== this.attempt || attempt.done || this.state === 'closed' || this.state === 'removed') return;
    const wasUp = this.state === 'up';
    this.teardown(err);
    const level = wasUp || err instanceof PeerRefusedError ? 'warn' : 'debug';
    this.ctx.logger[level]('peer stream failed; will retry', { 'remote-peer-id': this.label, error: errorMessage(err), 'retry-ms': this.backoffMs });
    this.state = 'backoff';
    this.urlIndex = (this.urlIndex + 1) % Math.max(1, this.urls.length);
    this.timer(() => this.dial(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, this.ctx.backoff.maxMs);
  }

  private teardown(err: Error): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const attempt = this.attempt;
    this.attempt = undefined;
    if (attempt !== undefined) {
      attempt.done = true;
      // Not from inside the stream's own event: Node 20's http2 can spin forever (CPU and memory
      // climbing) when a session is destroyed in a stream's 'close' after the peer reset that
      // stream while writes were pending and another stream (a probe) was open on the session.
      const { stream, session } = attempt;
      setImmediate(() => {
        stream.destroy();
        session.destroy();
      });
    }
    if (this.state === 'up') this.ctx.metrics.activePeers.set({ Local: formatId(this.ctx.memberId), Remote: this.label }, 0);
    const lost = this.queue;
    this.queue = [];
    this.waitingDrain = false;
    for (const m of lost) this.drop(m);
    if (lost.length > 0) this.ctx.logger.debug('dropped queued messages', { 'remote-peer-id': this.label, count: lost.length, error: err.message });
  }

  private drop(msg: Message): void {
    this.ctx.metrics.sentFailures.inc({ To: this.label });
    if (msg.type === MessageType.MsgSnap) later(() => this.ctx.handler.reportSnapshot(this.id, false));
    // At most once per backoff period: raft only needs to know the peer is unreachable, not each loss.
    const now = performance.now();
    if (now - this.lastUnreachable < this.backoffMs) return;
    this.lastUnreachable = now;
    later(() => this.ctx.handler.reportUnreachable(this.id));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.waitingDrain) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Everything queued this turn goes out as one write; a full stream buffer pauses until it drains. */
  private flush(): void {
    const attempt = this.attempt;
    if (this.state !== 'up' || attempt === undefined || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    const bytes = encodeFrames(batch.map(encodeMessage));
    this.ctx.metrics.sentBytes.inc({ To: this.label }, bytes.length);
    if (attempt.stream.write(bytes)) return;
    this.waitingDrain = true;
    attempt.stream.once('drain', () => {
      if (attempt !== this.attempt) return;
      this.waitingDrain = false;
      if (this.queue.length > 0) this.scheduleFlush();
    });
  }

  /** Measures the round trip of a GET /raft/probe now and every probe interval while the stream is up. */
  private probe(attempt: Attempt): void {
    if (attempt !== this.attempt || this.state !== 'up') return;
    const started = process.hrtime.bigint();
    try {
      const req = attempt.session.request({ ':method': 'GET', ':path': PROBE_PATH }, { endStream: true });
      req.on('response', (headers) => {
        if (Number(headers[':status']) === 200) {
          this.ctx.metrics.roundTrip.observe({ To: this.label }, Number(process.hrtime.bigint() - started) / 1e9);
        }
      });
      req.on('error', () => undefined);
      req.resume();
    } catch (err) {
      this.ctx.logger.debug('probe failed', { 'remote-peer-id': this.label, error: errorMessage(err) });
    }
    this.timer(() => this.probe(attempt), this.ctx.probeIntervalMs);
  }

  private timer(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private clearTimer(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.timers.delete(t);
  }
}
