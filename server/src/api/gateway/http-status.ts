import { STATUS_CODES, type ServerResponse } from 'node:http';
import { goString } from './json-codec.js';

/**
 * The HTTP status grpc-gateway (v1.9, as etcd 3.4 ships it) answers for each gRPC code:
 * index = code. Note FAILED_PRECONDITION is 412 there.
 */
const HTTP_OF_CODE: readonly number[] = [200, 408, 500, 400, 504, 404, 409, 403, 429, 412, 409, 400, 501, 500, 503, 500, 401];

export function httpStatusOf(code: number): number {
  return HTTP_OF_CODE[code] ?? 500;
}

/** Headers every answer from a gRPC method carries, as the gateway copies gRPC's header metadata. */
export const GRPC_HEADERS = { 'content-type': 'application/json', 'grpc-metadata-content-type': 'application/grpc' } as const;

/**
 * A call's error as the gateway answers it: `{"error","message","code"}`. When the error came
 * from the gRPC call (not from reading the request), grpc-gateway also announces and sends the
 * call's trailer metadata as an HTTP trailer.
 */
export function sendError(res: ServerResponse, code: number, message: string, fromCall: boolean): void {
  const m = goString(message);
  const body = `{"error":${m},"message":${m},"code":${code}}`;
  if (!fromCall) {
    res.writeHead(httpStatusOf(code), { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(httpStatusOf(code), { 'content-type': 'application/json', trailer: 'Grpc-Trailer-Content-Type' });
  res.write(body);
  res.addTrailers({ 'Grpc-Trailer-Content-Type': 'application/grpc' });
  res.end();
}

/** A stream's error chunk, `{"error":{grpc_code, http_code, message, http_status}}`. */
export function streamErrorChunk(code: number, message: string): string {
  const http = httpStatusOf(code);
  const parts = [code === 0 ? '' : `"grpc_code":${code}`, `"http_code":${http}`, message === '' ? '' : `"message":${goString(message)}`, `"http_status":${goString(STATUS_CODES[http] ?? '')}`];
  return `{"error":{${parts.filter((p) => p !== '').join(',')}}}`;
}

/** Go's http.Error: a plain-text answer (the gateway's 404 and 405). */
export function sendPlain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'content-length': Buffer.byteLength(text) + 1 });
  res.end(`${text}\n`);
}
