import http2, { type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { encodeGrpcMessage, Status, type StatusCode } from './status.js';

/**
 * The constant parts of every response, built once: node:http2 copies header objects into its
 * own frame, so one frozen object serves every call.
 */
export const RESPONSE_HEADERS: OutgoingHttpHeaders = Object.freeze({
  ':status': 200,
  'content-type': 'application/grpc',
  'grpc-accept-encoding': 'identity,gzip',
});
export const OK_TRAILERS: OutgoingHttpHeaders = Object.freeze({ 'grpc-status': '0' });
export const WAIT_FOR_TRAILERS = Object.freeze({ waitForTrailers: true });
export const END_STREAM = Object.freeze({ endStream: true });

export function statusTrailers(code: StatusCode, message: string): OutgoingHttpHeaders {
  if (code === Status.OK && message === '') return OK_TRAILERS;
  return { 'grpc-status': String(code), 'grpc-message': encodeGrpcMessage(message) };
}

/** A response that is only headers: status and message with the HTTP headers, END_STREAM set. */
export function respondTrailersOnly(stream: ServerHttp2Stream, code: StatusCode, message: string, httpStatus = 200): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ ...RESPONSE_HEADERS, ':status': httpStatus, ...statusTrailers(code, message) }, END_STREAM);
  closeIfRequestOpen(stream);
}

/**
 * After the response is complete, a request side the client has not finished is reset with
 * NO_ERROR (as grpc-go does), so that neither side holds a half-open stream. Only once the
 * last frame was handed to nghttp2: a reset before that drops it (see ServerCall.onWantTrailers).
 */
export function closeIfRequestOpen(stream: ServerHttp2Stream): void {
  if (!stream.readableEnded && !stream.destroyed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
}

/** Prefixes one message with its 5-byte gRPC header (uncompressed), in one buffer. */
export function frameMessage(bytes: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + bytes.length);
  frame[0] = 0;
  frame.writeUInt32BE(bytes.length, 1);
  frame.set(bytes, 5);
  return frame;
}
