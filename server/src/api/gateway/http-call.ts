import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CallContext, Metadata, type ServerDuplexCall } from '../grpc/index.js';

/** The prefix grpc-gateway strips to turn an HTTP header into gRPC metadata. */
const METADATA_PREFIX = 'grpc-metadata-';

/**
 * The gRPC metadata a gateway request carries, as grpc-gateway forwards it: `Authorization`
 * (as `authorization`, and as `token`, the key etcd's own clients send the auth token under,
 * so the auth layer finds it either way) and every `Grpc-Metadata-<key>` header as `<key>`.
 */
export function gatewayMetadata(req: IncomingMessage): Metadata {
  const md = new Metadata();
  const auth = req.headers.authorization;
  if (auth !== undefined) md.add('authorization', auth).add('token', auth);
  for (const [name, raw] of Object.entries(req.headers)) {
    if (!name.startsWith(METADATA_PREFIX) || raw === undefined) continue;
    const key = name.slice(METADATA_PREFIX.length);
    if (key === '' || key.endsWith('-bin')) continue;
    for (const v of Array.isArray(raw) ? raw : [raw]) md.add(key, v);
  }
  return md;
}

/** What the gateway does with a stream's responses (see gateway.ts). */
export interface ResponseSink<Res> {
  /** Writes the responses; resolves when the socket can take more. */
  send(res: readonly Res[]): Promise<void>;
  readonly bufferedBytes: number;
}

/**
 * A gRPC call context for one gateway request, so the gRPC method objects serve it as they
 * serve gRPC: metadata from the headers, cancelled when the HTTP client goes away.
 */
export function httpCallContext(grpcPath: string, req: IncomingMessage, res: ServerResponse): CallContext {
  const md = gatewayMetadata(req);
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the HTTP client went away'));
  });
  return {
    path: grpcPath,
    metadata: md,
    header: (name) => {
      const v = md.get(name);
      return typeof v === 'string' ? v : undefined;
    },
    deadline: undefined,
    get cancelled() {
      return controller.signal.aborted;
    },
    signal: controller.signal,
    peer: `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? 0}`,
    // etcd does not take a gateway client's certificate as its user (see gateway-tls.ts).
    commonName: undefined,
    // grpc-gateway would copy these as Grpc-Metadata-* headers; our methods send none worth it.
    sendMetadata: () => undefined,
  };
}

/** A duplex call over a gateway request: requests from `requests`, responses to `sink`. */
export function httpDuplexCall<Req, Res>(ctx: CallContext, requests: AsyncIterable<Req>, sink: ResponseSink<Res>): ServerDuplexCall<Req, Res> {
  return {
    path: ctx.path,
    metadata: ctx.metadata,
    header: (name) => ctx.header(name),
    deadline: ctx.deadline,
    get cancelled() {
      return ctx.cancelled;
    },
    signal: ctx.signal,
    peer: ctx.peer,
    commonName: ctx.commonName,
    sendMetadata: (m) => ctx.sendMetadata(m),
    write: (r) => sink.send([r]),
    writeMany: (rs) => sink.send(rs),
    end: () => undefined,
    get bufferedBytes() {
      return sink.bufferedBytes;
    },
    [Symbol.asyncIterator]: () => requests[Symbol.asyncIterator](),
  };
}
