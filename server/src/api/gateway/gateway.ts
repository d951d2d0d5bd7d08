import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EtcdServerApi } from '../../etcdserver/server-api.js';
import { etcdserverpb, v3electionpb, v3lockpb } from '../../pb/index.js';
import { clientErrorOf } from '../errors.js';
import { type AnyMethod, GrpcError, GrpcServer, type ServerWritableCall, Status } from '../grpc/index.js';
import type { ApiLimits } from '../limits.js';
import { type GrpcMetrics, registerServices } from '../register.js';
import { GatewayDecodeError } from './errors.js';
import { type ResponseSink, httpCallContext, httpDuplexCall } from './http-call.js';
import { GRPC_HEADERS, httpStatusOf, sendError, sendPlain, streamErrorChunk } from './http-status.js';
import { messageFromJson, messageToJson } from './json-codec.js';
import type { JsonValue } from './json-reader.js';
import { JsonReader } from './json-reader.js';
import { RequestStream, readBody } from './request-stream.js';
import { GATEWAY_PREFIXES, GATEWAY_ROUTES, type GatewayRoute } from './routes.js';

interface MessageClass {
  fromObject(o: Record<string, unknown>): unknown;
  decode(b: Uint8Array): object;
  encode(m: unknown): { finish(): Uint8Array };
}
const PACKAGES: Readonly<Record<string, unknown>> = { etcdserverpb, v3lockpb, v3electionpb };

function messageClass(full: string): MessageClass {
  const [pkg = '', name = ''] = full.split('.');
  const cls = (PACKAGES[pkg] as Record<string, MessageClass | undefined> | undefined)?.[name];
  if (cls === undefined) throw new TypeError(`no message class ${full}`);
  return cls;
}

/** A GrpcServer that never serves: it only keeps what registerServices adds to it. */
class MethodRecorder extends GrpcServer {
  readonly recorded: AnyMethod[] = [];

  override addService(serviceName: string, methods: Readonly<Record<string, AnyMethod>> | readonly AnyMethod[]): void {
    super.addService(serviceName, methods);
    this.recorded.push(...(Array.isArray(methods) ? (methods as readonly AnyMethod[]) : Object.values(methods)));
  }
}

/**
 * The methods registerServices registers for gRPC, guarded and counted the same way: the gateway
 * calls these, so an HTTP client gets the same checks, errors and metrics as a gRPC client (etcd's
 * gateway is a gRPC client of its own member), and exactly the services gRPC serves (a service
 * not registered there answers the gateway's 404).
 */
export function gatewayMethods(server: EtcdServerApi, limits: Partial<ApiLimits> = {}, metrics?: GrpcMetrics): AnyMethod[] {
  const recorder = new MethodRecorder();
  registerServices(recorder, server, limits, metrics);
  return recorder.recorded;
}

/**
 * etcd's JSON gateway (grpc-gateway) on the client port's HTTP/1.1 side: `POST /v3/<path>` (and
 * `/v3beta/`) calls the gRPC method of that path with the JSON body as its request and answers
 * its response as JSON; streams answer one `{"result":...}` line per response. Paths of services
 * not given (not registered) are answered as etcd answers unknown paths.
 */
export interface GatewayOptions {
  /**
   * The gRPC server's receive limit (limits.ts maxReceiveBytes): a request whose protobuf
   * encoding is larger fails as it would over gRPC, RESOURCE_EXHAUSTED, since etcd's gateway
   * forwards each request to its own gRPC server.
   */
  readonly maxReceiveBytes?: number;
}

export class Gateway {
  private readonly methods: ReadonlyMap<string, AnyMethod>;
  private readonly maxReceiveBytes: number;

  constructor(methods: Iterable<AnyMethod>, opts: GatewayOptions = {}) {
    this.methods = new Map([...methods].map((m) => [m.path, m]));
    this.maxReceiveBytes = opts.maxReceiveBytes ?? Number.MAX_SAFE_INTEGER;
  }

  /** Answers the request if its path is under a gateway prefix; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const prefix = GATEWAY_PREFIXES.find((p) => path.startsWith(p));
    if (prefix === undefined) return false;
    const route = GATEWAY_ROUTES.get(path.slice(prefix.length));
    const method = route === undefined ? undefined : this.methods.get(route.grpcPath);
    if (route === undefined || method === undefined) {
      sendPlain(res, 404, 'Not Found');
      return true;
    }
    if (req.method !== 'POST') {
      sendPlain(res, 405, 'Method Not Allowed');
      return true;
    }
    const done = (p: Promise<void>): void => {
      p.catch((err: unknown) => {
        if (!res.headersSent) sendError(res, 2, String(err), false);
        else res.destroy();
      });
    };
    if (route.shape === 'unary') done(this.unary(route, method, req, res));
    else done(this.stream(route, method, req, res));
    return true;
  }

  /** The gRPC server's receive limit, applied to the request as gRPC would carry it. */
  private checkSize(route: GatewayRoute, request: unknown): void {
    if (this.maxReceiveBytes === Number.MAX_SAFE_INTEGER) return;
    const size = messageClass(route.request).encode(request).finish().length;
    if (size > this.maxReceiveBytes) {
      throw new GrpcError(Status.RESOURCE_EXHAUSTED, `grpc: received message larger than max (${size} vs. ${this.maxReceiveBytes})`);
    }
  }

  private async unary(route: GatewayRoute, method: AnyMethod, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let request: unknown;
    try {
      request = decodeRequest(route, new JsonReader(await readBody(req)).next());
    } catch (err) {
      if (!(err instanceof GatewayDecodeError)) throw err;
      sendError(res, 3, err.message, false);
      return;
    }
    const ctx = httpCallContext(route.grpcPath, req, res);
    let response: unknown;
    try {
      if (method.requestStream || method.responseStream) throw new TypeError(`${method.path} is not unary`);
      this.checkSize(route, request);
      response = await method.handler(request, ctx);
    } catch (err) {
      const { code, message } = clientErrorOf(err);
      sendError(res, code, message, true);
      return;
    }
    const body = responseJson(route, method, response);
    res.writeHead(200, { ...GRPC_HEADERS, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private async stream(route: GatewayRoute, method: AnyMethod, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = new RequestStream(req);
    let first: unknown;
    try {
      const json = await body.first();
      // An empty body: a bidi stream starts half-closed, a server stream gets an empty request.
      first = json === undefined && route.shape === 'bidi' ? undefined : decodeRequest(route, json);
    } catch (err) {
      if (!(err instanceof GatewayDecodeError)) throw err;
      // grpc-gateway reads a server stream's request as a unary one's (INVALID_ARGUMENT); a bidi
      // stream's first message fails the call with the decoder's error as it is (UNKNOWN).
      sendError(res, route.shape === 'bidi' ? 2 : 3, err.message, false);
      return;
    }
    const ctx = httpCallContext(route.grpcPath, req, res);
    const sink = responseSink(route, method, res);
    try {
      if (method.requestStream && method.responseStream) {
        const requests = requestsAfter(route, first, body, (r) => this.checkSize(route, r));
        await method.handler(httpDuplexCall(ctx, requests, sink));
      } else if (!method.requestStream && method.responseStream) {
        this.checkSize(route, first);
        await method.handler(first, httpDuplexCall(ctx, emptyRequests(), sink) as ServerWritableCall<unknown>);
      } else {
        throw new TypeError(`${method.path} is not a stream`);
      }
    } catch (err) {
      const { code, message } = clientErrorOf(err);
      if (!res.headersSent) res.writeHead(httpStatusOf(code), { 'grpc-metadata-content-type': 'application/grpc', 'content-type': 'text/plain; charset=utf-8' });
      res.end(streamErrorChunk(code, message));
      return;
    }
    if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/json' });
    res.end();
  }
}

/**
 * A response as JSON, taken from the bytes the method would send over gRPC: the JSON then says
 * exactly what a gRPC client would read (methods may hand pre-encoded parts to their encoder).
 */
function responseJson(route: GatewayRoute, method: AnyMethod, response: unknown): string {
  return messageToJson(route.response, messageClass(route.response).decode(method.encode(response)));
}

function decodeRequest(route: GatewayRoute, json: JsonValue | undefined): unknown {
  return messageClass(route.request).fromObject(json === undefined ? {} : messageFromJson(route.request, json));
}

/** The stream's requests: the first (already decoded), then the rest of the body until one fails to decode. */
async function* requestsAfter(route: GatewayRoute, first: unknown, body: RequestStream, check: (r: unknown) => void): AsyncGenerator<unknown> {
  if (first === undefined) return;
  check(first);
  yield first;
  for await (const json of body) {
    let next: unknown;
    try {
      next = decodeRequest(route, json);
    } catch {
      return;
    }
    check(next);
    yield next;
  }
}

async function* emptyRequests(): AsyncGenerator<unknown> {}

/** Writes each response as one `{"result":...}` line, headers on the first. */
function responseSink(route: GatewayRoute, method: AnyMethod, res: ServerResponse): ResponseSink<unknown> {
  return {
    send: (items) => {
      if (res.destroyed || res.writableEnded) return Promise.resolve();
      if (!res.headersSent) res.writeHead(200, GRPC_HEADERS);
      const text = items.map((r) => `{"result":${responseJson(route, method, r)}}\n`).join('');
      if (res.write(text)) return Promise.resolve();
      return new Promise((resolve) => {
        const fin = (): void => {
          res.off('drain', fin);
          res.off('close', fin);
          resolve();
        };
        res.once('drain', fin).once('close', fin);
      });
    },
    get bufferedBytes() {
      return res.writableLength;
    },
  };
}
