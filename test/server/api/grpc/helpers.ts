import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { GrpcServer, type AnyMethod, type GrpcServerOptions } from '../../../../server/src/api/grpc/index.js';

/**
 * Test methods carry raw bytes (decode and encode are the identity), so these tests do not depend
 * on any .proto. Strings travel as their UTF-8 bytes.
 */
export const SERVICE = 'test.Echo';
const ident = (b: Buffer): Buffer => b;

const KINDS = {
  Unary: [false, false],
  ServerStream: [false, true],
  ClientStream: [true, false],
  Bidi: [true, true],
} as const;

type Kind = keyof typeof KINDS;

/** Builds a raw-bytes method of a kind; the handler is untyped to keep test code short. */
export function method(kind: Kind, handler: (...args: never[]) => unknown, name: string = kind): AnyMethod {
  const [requestStream, responseStream] = KINDS[kind];
  return {
    path: `/${SERVICE}/${name}`,
    requestStream,
    responseStream,
    decode: ident,
    encode: (res: unknown) => res as Buffer,
    handler,
  } as AnyMethod;
}

export interface Fixture {
  server: GrpcServer;
  port: number;
  address: string;
  client(opts?: grpc.ChannelOptions): Client;
  close(): Promise<void>;
}

export type Client = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

/** A server on a free port with the given methods, and a factory of grpc-js clients for it. */
export async function startServer(methods: AnyMethod[], opts: GrpcServerOptions = {}): Promise<Fixture> {
  const server = new GrpcServer(opts);
  server.addService(SERVICE, methods);
  const port = await server.listen('127.0.0.1', 0);
  const address = `127.0.0.1:${port}`;
  const clients: grpc.Client[] = [];
  const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  for (const m of methods) {
    const name = m.path.slice(SERVICE.length + 2);
    definition[name] = {
      path: m.path,
      requestStream: m.requestStream,
      responseStream: m.responseStream,
      requestSerialize: ident,
      requestDeserialize: ident,
      responseSerialize: ident,
      responseDeserialize: ident,
    };
  }
  const Ctor = grpc.makeGenericClientConstructor(definition as grpc.ServiceDefinition, SERVICE);
  return {
    server,
    port,
    address,
    client(channelOpts = {}) {
      // A distinct option value gives each client its own channel (grpc-js shares subchannels).
      const c = new Ctor(address, grpc.credentials.createInsecure(), { 'test.client': clients.length, ...channelOpts }) as unknown as Client;
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await server.close(1000);
    },
  };
}

/** A unary call as a promise of [error, response, metadata, status]. */
export function unary(
  client: Client,
  name: string,
  req: Buffer,
  opts: { metadata?: grpc.Metadata; deadline?: number } = {},
): Promise<{ err: grpc.ServiceError | null; res: Buffer | undefined; headers: grpc.Metadata | undefined }> {
  return new Promise((resolve) => {
    let headers: grpc.Metadata | undefined;
    const callOpts: grpc.CallOptions = opts.deadline === undefined ? {} : { deadline: opts.deadline };
    const call = (client[name] as (...a: unknown[]) => grpc.ClientUnaryCall)(
      req,
      opts.metadata ?? new grpc.Metadata(),
      callOpts,
      (err: grpc.ServiceError | null, res?: Buffer) => resolve({ err, res, headers }),
    );
    call.on('metadata', (md: grpc.Metadata) => {
      headers = md;
    });
  });
}

export interface RawResponse {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders | undefined;
  body: Buffer;
}

/** One request over a plain node:http2 client, for what grpc-js will not send (or hides). */
export function rawRequest(port: number, headers: http2.OutgoingHttpHeaders, body: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': `/${SERVICE}/Unary`, 'content-type': 'application/grpc', te: 'trailers', ...headers });
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      responseHeaders = h;
    });
    req.on('trailers', (t) => {
      trailers = t;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('close', () => {
      session.close();
      resolve({ headers: responseHeaders, trailers, body: Buffer.concat(chunks) });
    });
    req.end(body);
  });
}

/** A message with its 5-byte gRPC prefix. */
export function framed(payload: Buffer, compressed = false): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = compressed ? 1 : 0;
  prefix.writeUInt32BE(payload.length, 1);
  return Buffer.concat([prefix, payload]);
}
