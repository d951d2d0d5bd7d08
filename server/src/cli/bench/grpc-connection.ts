import http2 from 'node:http2';
import { GrpcCallError } from './errors.js';
import { FrameReader, frameMessage } from './grpc-frames.js';

const { HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_CONTENT_TYPE, HTTP2_HEADER_TE } = http2.constants;

/** grpc-status and grpc-message from a headers or trailers block; undefined when absent. */
function statusOf(h: http2.IncomingHttpHeaders): { code: number; message: string } | undefined {
  const raw = h['grpc-status'];
  if (raw === undefined) return undefined;
  const msg = h['grpc-message'];
  let message = typeof msg === 'string' ? msg : '';
  try {
    message = decodeURIComponent(message);
  } catch {
    // Not percent-encoded as the spec asks: show it as it came.
  }
  return { code: Number(raw), message };
}

/** Callbacks of a bidirectional stream. */
export interface StreamHandlers {
  onMessage(body: Buffer): void;
  /** Exactly once: null on grpc-status 0, else the error. */
  onEnd(err: Error | null): void;
}

export interface BidiStream {
  write(body: Uint8Array): void;
  /** Half-closes our side; the server ends the call. */
  end(): void;
  cancel(): void;
}

/**
 * One HTTP/2 connection speaking gRPC as a client, and no more than the load generator needs:
 * unary calls and bidirectional streams of already-encoded messages. Flow control is http2's.
 * A call's outcome is its grpc-status (in trailers, or in the headers of a trailers-only reply);
 * a stream that closes without one is an error (Internal), as in grpc-go.
 */
export class GrpcConnection {
  private readonly session: http2.ClientHttp2Session;
  private lastError: Error | undefined;

  constructor(readonly endpoint: string) {
    this.session = http2.connect(`http://${endpoint}`);
    this.session.on('error', (err) => {
      this.lastError = err;
    });
  }

  /** Resolves when the connection is up (rejects if it failed first). */
  ready(): Promise<void> {
    if (this.session.connecting === false) return this.session.destroyed ? Promise.reject(this.lastError ?? new Error('connection closed')) : Promise.resolve();
    return new Promise((resolve, reject) => {
      this.session.once('connect', () => resolve());
      this.session.once('error', reject);
    });
  }

  unary(path: string, body: Uint8Array): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let reply: Buffer | undefined;
      this.call(path, { onMessage: (m) => (reply = m), onEnd: (err) => (err === null ? resolve(reply ?? Buffer.alloc(0)) : reject(err)) }, frameMessage(body));
    });
  }

  stream(path: string, handlers: StreamHandlers): BidiStream {
    const req = this.call(path, handlers, undefined);
    return {
      write: (body) => {
        if (req !== undefined && !req.closed && !req.writableEnded) req.write(frameMessage(body));
      },
      end: () => {
        if (req !== undefined && !req.writableEnded) req.end();
      },
      cancel: () => req?.close(http2.constants.NGHTTP2_CANCEL),
    };
  }

  /** Drops the connection and every call on it (open keep-alive or watch streams included). */
  close(): void {
    this.session.destroy();
  }

  /** Opens a call; undefined when the session could not open a stream (h.onEnd then reports why). */
  private call(path: string, h: StreamHandlers, unaryBody: Buffer | undefined): http2.ClientHttp2Stream | undefined {
    let status: { code: number; message: string } | undefined;
    let failure: Error | undefined;
    let req: http2.ClientHttp2Stream;
    try {
      req = this.session.request({
        [HTTP2_HEADER_METHOD]: 'POST',
        [HTTP2_HEADER_PATH]: path,
        [HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        [HTTP2_HEADER_TE]: 'trailers',
      });
    } catch (err) {
      // A session that is closed or destroyed throws synchronously; report it like any failure.
      queueMicrotask(() => h.onEnd(err instanceof Error ? err : new Error(String(err))));
      return undefined;
    }
    const reader = new FrameReader((m) => h.onMessage(m));
    req.on('response', (headers) => (status = statusOf(headers) ?? status));
    req.on('trailers', (trailers) => (status = statusOf(trailers) ?? status));
    req.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
        req.close(http2.constants.NGHTTP2_CANCEL);
      }
    });
    req.on('error', (err) => (failure ??= err));
    req.on('close', () => {
      if (failure !== undefined) h.onEnd(failure);
      else if (status === undefined) h.onEnd(new GrpcCallError(13, `stream closed without grpc-status (http2 code ${req.rstCode})`));
      else if (status.code !== 0) h.onEnd(new GrpcCallError(status.code, status.message));
      else h.onEnd(null);
    });
    if (unaryBody !== undefined) req.end(unaryBody);
    return req;
  }
}
