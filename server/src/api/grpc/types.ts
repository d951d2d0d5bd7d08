import type { Metadata } from './metadata.js';

/** What every handler can see of its call. */
export interface CallContext {
  /** The method's path, `/package.Service/Method`. */
  readonly path: string;
  /** The request headers as metadata (`-bin` values decoded), built on first use. */
  readonly metadata: Metadata;
  /** One request header's first value as sent (lower-case name), without building the metadata. */
  header(name: string): string | undefined;
  /** When the client's `grpc-timeout` runs out, in `Date.now()` milliseconds; undefined if none. */
  readonly deadline: number | undefined;
  /** True once the call ended early: client cancel, RST_STREAM, connection loss or deadline. */
  readonly cancelled: boolean;
  /** Aborts when the call is cancelled (see `cancelled`); created on first use. */
  readonly signal: AbortSignal;
  /** The client's address, `host:port`. */
  readonly peer: string;
  /** The common name of the client's verified TLS certificate (undefined without one). */
  readonly commonName: string | undefined;
  /** Sends response headers now, with this metadata; at most once, before the first message. */
  sendMetadata(md: Metadata): void;
}

/** A call whose handler writes a stream of responses. */
export interface ServerWritableCall<Res> extends CallContext {
  /**
   * Queues one response. The promise resolves once the stream can take more (at once, unless the
   * stream's buffer is full): awaiting it keeps the server's buffering bounded. After the call
   * ended it resolves without sending anything, so check `cancelled` to stop early.
   */
  write(res: Res): Promise<void>;
  /**
   * Queues several responses as one write (one HTTP/2 DATA frame when they fit), which a client
   * reads in one go; otherwise as `write`, in order.
   */
  writeMany(res: readonly Res[]): Promise<void>;
  /** Ends the call with OK (also done for you when the handler returns). */
  end(): void;
  /** Response bytes queued on the stream and not yet handed to HTTP/2. */
  readonly bufferedBytes: number;
}

/** A call whose handler reads a stream of requests; iteration ends when the client half-closes. */
export interface ServerReadableCall<Req> extends CallContext, AsyncIterable<Req> {}

export interface ServerDuplexCall<Req, Res> extends ServerWritableCall<Res>, ServerReadableCall<Req> {}

/** The codec half of a method: the server works on bytes, the handler on messages. */
interface MethodCodec<Req, Res> {
  /** `/package.Service/Method`. */
  readonly path: string;
  decode(bytes: Buffer): Req;
  encode(res: Res): Uint8Array;
}

export interface UnaryMethod<Req, Res> extends MethodCodec<Req, Res> {
  readonly requestStream: false;
  readonly responseStream: false;
  handler(req: Req, call: CallContext): Promise<Res> | Res;
}

/** The handler writes with `call.write`; the call ends OK when it returns, or with its error. */
export interface ServerStreamingMethod<Req, Res> extends MethodCodec<Req, Res> {
  readonly requestStream: false;
  readonly responseStream: true;
  handler(req: Req, call: ServerWritableCall<Res>): Promise<void> | void;
}

export interface ClientStreamingMethod<Req, Res> extends MethodCodec<Req, Res> {
  readonly requestStream: true;
  readonly responseStream: false;
  handler(call: ServerReadableCall<Req>): Promise<Res> | Res;
}

export interface BidiStreamingMethod<Req, Res> extends MethodCodec<Req, Res> {
  readonly requestStream: true;
  readonly responseStream: true;
  handler(call: ServerDuplexCall<Req, Res>): Promise<void> | void;
}

/**
 * One method of a service. Handlers are declared as methods (not function-typed properties) so
 * that a table of differently typed methods fits `MethodDefinition<unknown, unknown>`.
 */
export type MethodDefinition<Req, Res> =
  | UnaryMethod<Req, Res>
  | ServerStreamingMethod<Req, Res>
  | ClientStreamingMethod<Req, Res>
  | BidiStreamingMethod<Req, Res>;

export type AnyMethod = MethodDefinition<unknown, unknown>;
