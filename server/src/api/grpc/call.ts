import { gunzipSync } from 'node:zlib';
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { errorMessage, verifiedCommonName } from '../../util/index.js';
import { GrpcCallStateError, GrpcError, statusOf } from './errors.js';
import { MessageReader } from './message-reader.js';
import { Metadata } from './metadata.js';
import { Status, type StatusCode } from './status.js';
import type { SessionKeepalive } from './keepalive.js';
import type { AnyMethod, ServerDuplexCall } from './types.js';
import {
  closeIfRequestOpen, frameMessage, OK_TRAILERS, respondTrailersOnly, RESPONSE_HEADERS, statusTrailers, WAIT_FOR_TRAILERS,
} from './wire.js';

export interface CallLimits {
  maxReceiveMessageLength: number;
  maxSendMessageLength: number;
}

/** Decoded requests a streaming call holds before it pauses the HTTP/2 stream (flow control). */
const QUEUE_HIGH = 16;
const RESOLVED = Promise.resolve();
const CALL = Symbol('grpcCall');
type StreamWithCall = ServerHttp2Stream & { [CALL]?: ServerCall };

/**
 * One call on one HTTP/2 stream, for all four method kinds. The stream's events go to shared
 * functions that find the call through a symbol, so a call costs no closures; the AbortSignal and
 * the metadata are built only if the handler asks for them.
 */
export class ServerCall implements ServerDuplexCall<unknown, unknown> {
  /** Why the call was cut short (cancel, reset, deadline); the signal's reason. */
  private abortReason: GrpcError | undefined;
  private finished = false;
  private requestEnded = false;
  private requestsDone = false;
  private started = false;
  private controller: AbortController | undefined;
  private md: Metadata | undefined;
  private timer: NodeJS.Timeout | undefined;
  private trailers: OutgoingHttpHeaders = OK_TRAILERS;
  private readonly reader: MessageReader;
  // Streaming requests: decoded messages waiting for the handler, and a handler waiting for one.
  private queue: unknown[] = [];
  private waiter: { resolve: (r: IteratorResult<unknown>) => void; reject: (e: unknown) => void } | undefined;
  private failure: unknown;
  private drainWaiters: (() => void)[] | undefined;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly headers: IncomingHttpHeaders,
    private readonly method: AnyMethod,
    private readonly limits: CallLimits,
    readonly deadline: number | undefined,
    private readonly keepalive: SessionKeepalive | undefined,
  ) {
    this.reader = new MessageReader(limits.maxReceiveMessageLength);
    if (keepalive !== undefined) keepalive.callStarted();
    (stream as StreamWithCall)[CALL] = this;
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onClose);
    if (deadline !== undefined) this.timer = setTimeout(onDeadline, Math.max(0, deadline - Date.now()), this);
    if (method.requestStream) this.start();
  }

  get path(): string {
    return this.method.path;
  }

  get metadata(): Metadata {
    return (this.md ??= Metadata.fromHeaders(this.headers));
  }

  header(name: string): string | undefined {
    const v = this.headers[name];
    return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
  }

  get cancelled(): boolean {
    return this.abortReason !== undefined;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get peer(): string {
    const socket = this.stream.session?.socket;
    return socket === undefined ? 'unknown' : `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`;
  }

  get commonName(): string | undefined {
    return verifiedCommonName(this.stream.session?.socket);
  }

  get bufferedBytes(): number {
    return this.stream.writableLength;
  }

  sendMetadata(md: Metadata): void {
    if (this.stream.headersSent || this.finished) throw new GrpcCallStateError('response headers were already sent');
    const headers: OutgoingHttpHeaders = { ...RESPONSE_HEADERS };
    md.copyInto(headers);
    this.stream.respond(headers, WAIT_FOR_TRAILERS);
  }

  write(res: unknown): Promise<void> {
    if (this.finished || this.stream.destroyed) return RESOLVED;
    const frame = this.frame(res);
    if (frame === undefined) return RESOLVED;
    return this.send(frame);
  }

  writeMany(res: readonly unknown[]): Promise<void> {
    if (res.length === 1) return this.write(res[0]);
    const messages: Uint8Array[] = [];
    let size = 0;
    for (const r of res) {
      const bytes = this.encode(r);
      if (bytes === undefined) break;
      messages.push(bytes);
      size += 5 + bytes.byteLength;
    }
    if (messages.length === 0 || this.finished || this.stream.destroyed) return RESOLVED;
    // One buffer for the whole batch, each message behind its 5-byte prefix.
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const m of messages) {
      out[at] = 0;
      out.writeUInt32BE(m.byteLength, at + 1);
      out.set(m, at + 5);
      at += 5 + m.byteLength;
    }
    return this.send(out);
  }

  private send(frame: Buffer): Promise<void> {
    if (!this.stream.headersSent) this.stream.respond(RESPONSE_HEADERS, WAIT_FOR_TRAILERS);
    if (this.stream.write(frame)) return RESOLVED;
    return new Promise((resolve) => {
      if (this.drainWaiters === undefined) {
        this.drainWaiters = [];
        this.stream.on('drain', onDrain);
      }
      this.drainWaiters.push(resolve);
    });
  }

  end(): void {
    this.finish(Status.OK, '');
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return { next: () => this.next() };
  }

  /** Ends the call with a status: trailers after any messages, or a trailers-only response. */
  finish(code: StatusCode, message: string): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    if (this.stream.destroyed) return;
    if (!this.stream.headersSent) {
      respondTrailersOnly(this.stream, code, message);
      return;
    }
    this.trailers = statusTrailers(code, message);
    this.stream.on('wantTrailers', onWantTrailers);
    this.stream.end();
  }

  /** Sends the one response of a unary or client-streaming call, then OK. */
  private reply(res: unknown): void {
    if (this.finished || this.stream.destroyed) return;
    const frame = this.frame(res);
    if (frame === undefined) return;
    this.finished = true;
    clearTimeout(this.timer);
    if (!this.stream.headersSent) this.stream.respond(RESPONSE_HEADERS, WAIT_FOR_TRAILERS);
    this.stream.on('wantTrailers', onWantTrailers);
    this.stream.end(frame);
  }

  /** Encodes and frames a response, or ends the call if it cannot be sent. */
  private frame(res: unknown): Buffer | undefined {
    const bytes = this.encode(res);
    return bytes === undefined ? undefined : frameMessage(bytes);
  }

  /** Encodes a response within the size limit, or ends the call (undefined) if it cannot be sent. */
  private encode(res: unknown): Uint8Array | undefined {
    if (this.finished || this.stream.destroyed) return undefined;
    let bytes: Uint8Array;
    try {
      bytes = this.method.encode(res);
    } catch (err) {
      this.finish(Status.INTERNAL, `grpc: error while marshaling: ${errorMessage(err)}`);
      return undefined;
    }
    if (bytes.length > this.limits.maxSendMessageLength) {
      this.finish(Status.RESOURCE_EXHAUSTED, `grpc: trying to send message larger than max (${bytes.length} vs. ${this.limits.maxSendMessageLength})`);
      return undefined;
    }
    return bytes;
  }

  /** Runs the handler; its result or error ends the call. */
  private start(req?: unknown): void {
    this.started = true;
    let out: unknown;
    try {
      out = this.invoke(req);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (out instanceof Promise) {
      out.then(
        (res) => this.settle(res),
        (err: unknown) => this.fail(err),
      );
    } else {
      this.settle(out);
    }
  }

  private invoke(req: unknown): unknown {
    const m = this.method;
    if (!m.requestStream) return m.responseStream ? m.handler(req, this) : m.handler(req, this);
    return m.handler(this);
  }

  private settle(res: unknown): void {
    if (this.method.responseStream) this.end();
    else this.reply(res);
  }

  private fail(err: unknown): void {
    const { code, message } = statusOf(err);
    this.finish(code, message);
  }

  /** One decoded request: the unary handler's argument, or the next item of the stream. */
  onMessage(bytes: Buffer, compressed: boolean): void {
    if (this.finished) return;
    const req = this.method.decode(compressed ? this.inflate(bytes) : bytes);
    if (!this.method.requestStream) {
      if (!this.started) this.start(req);
      return;
    }
    if (this.waiter !== undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: req, done: false });
      return;
    }
    this.queue.push(req);
    if (this.queue.length >= QUEUE_HIGH) this.stream.pause();
  }

  private inflate(bytes: Buffer): Buffer {
    const encoding = this.headers['grpc-encoding'];
    if (encoding !== 'gzip') {
      throw new GrpcError(Status.UNIMPLEMENTED, `grpc: Decompressor is not installed for grpc-encoding ${JSON.stringify(encoding ?? '')}`);
    }
    const max = this.limits.maxReceiveMessageLength;
    try {
      return gunzipSync(bytes, { maxOutputLength: Math.max(1, max + 1) });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new GrpcError(Status.RESOURCE_EXHAUSTED, `grpc: received message after decompression larger than max (>${max} vs. ${max})`);
      }
      throw new GrpcError(Status.INTERNAL, `grpc: failed to decompress the received message: ${errorMessage(err)}`);
    }
  }

  private next(): Promise<IteratorResult<unknown>> {
    if (this.queue.length > 0) {
      const value = this.queue.shift();
      if (this.queue.length < QUEUE_HIGH / 2 && this.stream.isPaused()) this.stream.resume();
      return Promise.resolve({ value, done: false });
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.requestsDone) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Stops request iteration with an error (the handler sees it thrown from its loop). */
  private stopReading(err: unknown): void {
    this.failure = err;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }

  onData(chunk: Buffer): void {
    try {
      this.reader.push(chunk, this);
    } catch (err) {
      const status = err instanceof GrpcError ? err : new GrpcError(Status.INTERNAL, `grpc: error unmarshalling request: ${errorMessage(err)}`);
      this.stopReading(status);
      this.abort(status);
      this.finish(status.code, status.message);
    }
  }

  onEnd(): void {
    this.requestEnded = true;
    // A lost connection or a reset also ends the request side (after 'aborted'): not a half-close.
    if (this.finished || this.stream.aborted) return;
    if (this.reader.partial) {
      this.finish(Status.INTERNAL, 'grpc: request ended inside a message');
      return;
    }
    if (!this.method.requestStream) {
      if (!this.started) this.finish(Status.INTERNAL, 'grpc: unary request without a message');
      return;
    }
    this.requestsDone = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve({ value: undefined, done: true });
  }

  /** The stream closed: if the call had not finished, the client (or the network) cancelled it. */
  onClose(): void {
    clearTimeout(this.timer);
    this.keepalive?.callEnded();
    const waiters = this.drainWaiters;
    this.drainWaiters = undefined;
    if (waiters !== undefined) for (const w of waiters) w();
    if (this.finished) return;
    this.finished = true;
    const err = new GrpcError(Status.CANCELLED, 'context canceled');
    this.stopReading(err);
    this.abort(err);
  }

  onDeadline(): void {
    if (this.finished) return;
    const err = new GrpcError(Status.DEADLINE_EXCEEDED, 'context deadline exceeded');
    this.stopReading(err);
    this.abort(err);
    this.finish(err.code, err.message);
  }

  onDrain(): void {
    const waiters = this.drainWaiters;
    if (waiters === undefined) return;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * node:http2 does not submit the trailers inside sendTrailers: it queues them in a setImmediate
   * of its own. A close (RST_STREAM) issued before that runs destroys the stream, and the queued
   * trailers are then dropped: the client sees DATA, then RST_STREAM(NO_ERROR), and no status.
   * Immediates run in the order they were queued, so a reset queued now follows the trailers.
   */
  onWantTrailers(): void {
    this.stream.sendTrailers(this.trailers);
    if (!this.requestEnded) setImmediate(closeIfRequestOpen, this.stream);
  }

  private abort(reason: GrpcError): void {
    this.abortReason ??= reason;
    this.controller?.abort(reason);
  }
}

function callOf(stream: ServerHttp2Stream): ServerCall {
  return (stream as StreamWithCall)[CALL] as ServerCall;
}
function onData(this: ServerHttp2Stream, chunk: Buffer): void {
  callOf(this).onData(chunk);
}
function onEnd(this: ServerHttp2Stream): void {
  callOf(this).onEnd();
}
function onClose(this: ServerHttp2Stream): void {
  callOf(this).onClose();
}
function onDrain(this: ServerHttp2Stream): void {
  callOf(this).onDrain();
}
function onWantTrailers(this: ServerHttp2Stream): void {
  callOf(this).onWantTrailers();
}
function onDeadline(call: ServerCall): void {
  call.onDeadline();
}
