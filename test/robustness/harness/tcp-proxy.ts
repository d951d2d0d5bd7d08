// A TCP proxy the harness puts in front of a member's client or peer listener. Every byte passes
// through it, so the harness can delay, drop or black-hole a link without touching the member.
// It understands nothing of the protocol except, optionally, who the sender is (see `identify`).
import net from 'node:net';

/** What the proxy does with a connection's traffic right now. */
export type LinkMode =
  | { readonly kind: 'pass' }
  /** Holds every chunk this long before forwarding it (order kept). */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Closes the connection at once (a reset, as a dead path or a crashed router looks). */
  | { readonly kind: 'drop' }
  /** Accepts and swallows bytes, never answers, never closes: as a silent partition looks. */
  | { readonly kind: 'blackhole' };

export const PASS: LinkMode = { kind: 'pass' };

export interface TcpProxyOptions {
  /**
   * Learns the sender from the first bytes of a connection (e.g. an HTTP/1.1 header), or
   * undefined when it cannot tell. Without it every connection has an unknown sender.
   */
  readonly identify?: (head: string) => string | undefined;
  /** The mode for traffic of `from` (undefined: unknown sender); asked for every chunk. */
  readonly modeFor: (from: string | undefined) => LinkMode;
}

interface Conn {
  readonly down: net.Socket;
  up: net.Socket | undefined;
  from: string | undefined;
  /** Set once bytes were swallowed: the byte stream is broken and must not be resumed. */
  swallowed: boolean;
  /** Chunks held back in each direction, drained strictly in order by one timer each. */
  readonly queues: { up: Queue; down: Queue };
}

interface Queue {
  readonly items: { due: number; chunk: Buffer }[];
  timer: NodeJS.Timeout | undefined;
}

/** Listens on listenHost:listenPort and forwards each connection to targetHost:targetPort. */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly conns = new Set<Conn>();
  private port = 0;

  constructor(
    readonly listenHost: string,
    private readonly listenPortWanted: number,
    private targetHost: string,
    private targetPort: number,
    private readonly opts: TcpProxyOptions,
  ) {}

  get listenPort(): number {
    return this.port;
  }

  /** Points the proxy at a new target (for connections accepted from now on). */
  retarget(host: string, port: number): void {
    this.targetHost = host;
    this.targetPort = port;
  }

  /** Open connections, how many had bytes swallowed by a black hole, and chunks held by delays. */
  get stats(): { open: number; swallowed: number; held: number } {
    let swallowed = 0;
    let held = 0;
    for (const c of this.conns) {
      if (c.swallowed) swallowed++;
      held += c.queues.up.items.length + c.queues.down.items.length;
    }
    return { open: this.conns.size, swallowed, held };
  }

  async listen(): Promise<void> {
    const server = net.createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPortWanted, this.listenHost, () => resolve());
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    this.server = server;
  }

  /**
   * Applies the current modes to open connections: drops what must drop now, and closes
   * connections whose bytes were swallowed but may pass again (their senders redial at once).
   */
  reevaluate(): void {
    for (const c of this.conns) {
      const mode = this.opts.modeFor(c.from).kind;
      if (mode === 'drop' || (c.swallowed && mode !== 'blackhole')) this.closeConn(c);
    }
  }

  /** Closes open connections that are black-holed now but still intact (cut just began). */
  dropBlackholed(): void {
    for (const c of this.conns) if (!c.swallowed && this.opts.modeFor(c.from).kind === 'blackhole') this.closeConn(c);
  }

  /** Closes every open connection (clients redial). */
  dropAll(): void {
    for (const c of this.conns) this.closeConn(c);
  }

  async close(): Promise<void> {
    this.dropAll();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(down: net.Socket): void {
    const c: Conn = { down, up: undefined, from: undefined, swallowed: false, queues: { up: { items: [], timer: undefined }, down: { items: [], timer: undefined } } };
    this.conns.add(c);
    down.setNoDelay(true);
    down.on('error', () => this.closeConn(c));
    down.on('close', () => this.closeConn(c));
    if (this.opts.modeFor(undefined).kind === 'drop' && this.opts.identify === undefined) {
      this.closeConn(c);
      return;
    }
    let identified = this.opts.identify === undefined;
    const up = net.connect(this.targetPort, this.targetHost);
    c.up = up;
    up.setNoDelay(true);
    up.on('error', () => this.closeConn(c));
    up.on('close', () => this.closeConn(c));
    let head = '';
    down.on('data', (chunk: Buffer) => {
      if (!identified) {
        head += chunk.toString('latin1');
        c.from = this.opts.identify?.(head);
        identified = c.from !== undefined || head.length > 4096 || head.includes('\r\n\r\n');
      }
      this.pass(c, chunk, up, 'up');
    });
    up.on('data', (chunk: Buffer) => this.pass(c, chunk, down, 'down'));
  }

  private pass(c: Conn, chunk: Buffer, to: net.Socket, dir: 'up' | 'down'): void {
    const mode = this.opts.modeFor(c.from);
    switch (mode.kind) {
      case 'pass':
        if (c.queues[dir].items.length === 0) to.write(chunk);
        else this.later(c, chunk, to, dir, 0);
        return;
      case 'delay':
        this.later(c, chunk, to, dir, mode.ms);
        return;
      case 'drop':
        this.closeConn(c);
        return;
      case 'blackhole':
        c.swallowed = true;
        return;
    }
  }

  /**
   * Forwards a chunk after `ms`, never before a chunk queued earlier in the same direction: one
   * FIFO per direction (separate timers per chunk could fire out of order and reorder the stream).
   */
  private later(c: Conn, chunk: Buffer, to: net.Socket, dir: 'up' | 'down', ms: number): void {
    const q = c.queues[dir];
    const last = q.items[q.items.length - 1];
    q.items.push({ due: Math.max(performance.now() + ms, last?.due ?? 0), chunk });
    this.pump(q, to);
  }

  private pump(q: Queue, to: net.Socket): void {
    if (q.timer !== undefined) return;
    const head = q.items[0];
    if (head === undefined) return;
    q.timer = setTimeout(() => {
      q.timer = undefined;
      const now = performance.now();
      while (q.items.length > 0 && q.items[0]!.due <= now + 1) {
        const { chunk } = q.items.shift()!;
        if (!to.destroyed) to.write(chunk);
      }
      this.pump(q, to);
    }, Math.max(0, head.due - performance.now()));
  }

  private closeConn(c: Conn): void {
    if (!this.conns.delete(c)) return;
    for (const q of [c.queues.up, c.queues.down]) {
      clearTimeout(q.timer);
      q.items.length = 0;
    }
    c.down.destroy();
    c.up?.destroy();
  }
}
