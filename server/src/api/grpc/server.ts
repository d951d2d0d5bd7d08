import http2, {
  type Http2SecureServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tracer } from '../../util/index.js';
import { ServerCall, type CallLimits } from './call.js';
import { GrpcError, GrpcRegistrationError } from './errors.js';
import { SessionKeepalive, type KeepaliveOptions } from './keepalive.js';
import { Status } from './status.js';
import { parseGrpcTimeout } from './timeout.js';
import type { AnyMethod } from './types.js';
import { respondTrailersOnly } from './wire.js';

const trace = tracer('grpc');

export interface GrpcServerOptions extends Partial<CallLimits>, Partial<KeepaliveOptions> {
  /**
   * Serve on this server instead of a new cleartext one (the seam for TLS: pass an
   * `http2.createSecureServer(...)`). The GrpcServer attaches to its 'session' and 'stream' events.
   */
  server?: Http2Server | Http2SecureServer;
  /** Options for the cleartext server made when `server` is not given. */
  http2?: http2.ServerOptions;
  /** How long close() lets in-flight calls run before it cuts the connections (ms). */
  closeGraceMs?: number;
  /**
   * Serves HTTP/2 requests that are not gRPC (no `application/grpc` content type): on a TLS port,
   * where ALPN puts browsers, curl and Prometheus on HTTP/2 too. Without it they get gRPC's 415.
   */
  otherRequests?: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[]) => void;
}

const DEFAULT_MAX_RECEIVE = 4 * 1024 * 1024;
const DEFAULT_MAX_SEND = 2 ** 31 - 1;
const KEEPALIVE = Symbol('grpcKeepalive');
type TrackedSession = ServerHttp2Session & { [KEEPALIVE]?: SessionKeepalive };

/**
 * A gRPC server written directly on node:http2: it frames messages, routes by path, carries
 * status, metadata, deadlines and cancellation, and leaves everything else to the handlers. It
 * holds no application state. See DESIGN.md ("Performance facts") for why not @grpc/grpc-js.
 */
export class GrpcServer {
  private readonly server: Http2Server | Http2SecureServer;
  private readonly methods = new Map<string, AnyMethod>();
  private readonly services = new Set<string>();
  private readonly sessions = new Set<TrackedSession>();
  private readonly limits: CallLimits;
  private readonly keepalive: KeepaliveOptions;
  private readonly closeGraceMs: number;
  private readonly otherRequests: GrpcServerOptions['otherRequests'];
  private closing = false;

  constructor(opts: GrpcServerOptions = {}) {
    this.limits = {
      maxReceiveMessageLength: opts.maxReceiveMessageLength ?? DEFAULT_MAX_RECEIVE,
      maxSendMessageLength: opts.maxSendMessageLength ?? DEFAULT_MAX_SEND,
    };
    this.keepalive = {
      keepaliveTimeMs: opts.keepaliveTimeMs ?? 2 * 60 * 60 * 1000,
      keepaliveTimeoutMs: opts.keepaliveTimeoutMs ?? 20_000,
      keepaliveMinTimeMs: opts.keepaliveMinTimeMs ?? 5000,
      permitKeepaliveWithoutCalls: opts.permitKeepaliveWithoutCalls ?? false,
    };
    this.closeGraceMs = opts.closeGraceMs ?? 5000;
    this.otherRequests = opts.otherRequests;
    // Node's default session memory (10 MB) refuses streams under a heavy concurrent load.
    this.server = opts.server ?? http2.createServer({ maxSessionMemory: 64, ...opts.http2 });
    this.server.on('session', (session: ServerHttp2Session) => this.onSession(session));
    this.server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => this.onStream(stream, headers, rawHeaders));
  }

  /**
   * Registers a service's methods. Each method's path must be `/${serviceName}/<Method>`; the
   * record's keys are only for the caller's convenience.
   */
  addService(serviceName: string, methods: Readonly<Record<string, AnyMethod>> | readonly AnyMethod[]): void {
    const list = Array.isArray(methods) ? (methods as readonly AnyMethod[]) : Object.values(methods);
    const prefix = `/${serviceName}/`;
    for (const m of list) {
      const name = m.path.slice(prefix.length);
      if (!m.path.startsWith(prefix) || name === '' || name.includes('/')) {
        throw new GrpcRegistrationError(`method path ${m.path} does not belong to service ${serviceName}`);
      }
      if (this.methods.has(m.path)) throw new GrpcRegistrationError(`method ${m.path} is already registered`);
    }
    for (const m of list) this.methods.set(m.path, m);
    this.services.add(serviceName);
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** The number of open client connections. */
  get connections(): number {
    return this.sessions.size;
  }

  /**
   * Graceful stop: no new connections; every connection gets GOAWAY, so calls already started
   * run to the end while new ones are refused; after `graceMs` the rest are cut.
   */
  async close(graceMs = this.closeGraceMs): Promise<void> {
    this.closing = true;
    const listening = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const ended = [...this.sessions].map((s) => new Promise((resolve) => s.once('close', resolve)));
    const stopped = Promise.all([listening, ...ended]).then(() => undefined);
    for (const s of this.sessions) s.close();
    let timer: NodeJS.Timeout | undefined;
    const cut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        for (const s of this.sessions) s.destroy();
        resolve();
      }, graceMs);
    });
    await Promise.race([stopped, cut]);
    clearTimeout(timer);
    await stopped;
  }

  private onSession(session: TrackedSession): void {
    if (this.closing) {
      session.destroy();
      return;
    }
    this.sessions.add(session);
    session[KEEPALIVE] = new SessionKeepalive(session, this.keepalive);
    session.on('error', (err) => trace('session error: %s', err.message));
    session.once('close', () => {
      session[KEEPALIVE]?.stop();
      this.sessions.delete(session);
    });
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[]): void {
    stream.on('error', ignore);
    if (this.otherRequests !== undefined && !this.closing && !isGrpc(headers)) {
      this.otherRequests(stream, headers, rawHeaders);
      return;
    }
    const rejected = this.precheck(stream, headers);
    if (rejected) return;
    const path = headers[':path'] ?? '';
    const method = this.methods.get(path);
    if (method === undefined) {
      respondTrailersOnly(stream, Status.UNIMPLEMENTED, this.unknownMethodMessage(path));
      return;
    }
    let deadline: number | undefined;
    const timeout = headers['grpc-timeout'];
    if (timeout !== undefined) {
      try {
        deadline = Date.now() + parseGrpcTimeout(timeout as string);
      } catch (err) {
        const e = err as GrpcError;
        respondTrailersOnly(stream, e.code, e.message);
        return;
      }
    }
    const keepalive = (stream.session as TrackedSession | undefined)?.[KEEPALIVE];
    new ServerCall(stream, headers, method, this.limits, deadline, keepalive);
  }

  /** Refuses what is not a gRPC request at all, as grpc-go does; true if it answered. */
  private precheck(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean {
    if (this.closing) {
      respondTrailersOnly(stream, Status.UNAVAILABLE, 'transport is closing');
      return true;
    }
    if (!isGrpc(headers)) {
      respondTrailersOnly(stream, Status.INVALID_ARGUMENT, `invalid gRPC request content-type ${JSON.stringify(headers['content-type'] ?? '')}`, 415);
      return true;
    }
    if (headers[':method'] !== 'POST') {
      respondTrailersOnly(stream, Status.INTERNAL, `invalid gRPC request method ${JSON.stringify(headers[':method'] ?? '')}`, 405);
      return true;
    }
    return false;
  }

  /** grpc-go's UNIMPLEMENTED texts: the service is unknown, or the method within it. */
  private unknownMethodMessage(path: string): string {
    const slash = path.lastIndexOf('/');
    if (!path.startsWith('/') || slash <= 0) return `malformed method name: ${JSON.stringify(path)}`;
    const service = path.slice(1, slash);
    const method = path.slice(slash + 1);
    return this.services.has(service) ? `unknown method ${method} for service ${service}` : `unknown service ${service}`;
  }
}

function ignore(): void {}

function isGrpc(headers: IncomingHttpHeaders): boolean {
  return headers['content-type']?.startsWith('application/grpc') === true;
}
