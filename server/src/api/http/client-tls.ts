import type http from 'node:http';
import http2, { type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type net from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { type TlsOptions, TlsFiles, verifiedCommonName } from '../../util/index.js';
import { type MuxListener, listenTracked, routeConnection, track } from './mux.js';

/** Client TLS (etcd's --cert-file, --key-file, --trusted-ca-file, --client-cert-auth, --client-crl-file, ...). */
export interface ClientTlsOptions extends TlsOptions {
  /** A name (DNS or IP) a client's certificate must be valid for (--client-cert-allowed-hostname). */
  readonly allowedHostname?: string;
}

/** How long a connection may take over its handshake (Node's default is two minutes). */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Told of each connection refused during or right after the handshake. */
export type RejectedConnection = (remote: string, reason: string) => void;

/**
 * An https client port: TLS first, then the same routing as the cleartext port (gRPC on HTTP/2,
 * the JSON gateway and the plain endpoints on HTTP/1.1 — or on HTTP/2, see GrpcServer's
 * `otherRequests`). ALPN offers h2 and http/1.1. A plaintext request, a certificate from another
 * CA, no certificate while --client-cert-auth is on, or a revoked one: the handshake fails and the
 * connection is closed, as etcd closes it. Certificate files are re-read when they change.
 */
export function listenTls(host: string, port: number, h2: Http2Server, h1: http.Server, opts: ClientTlsOptions, rejected?: RejectedConnection): Promise<MuxListener> {
  const files = new TlsFiles(opts, 'client');
  const verify = opts.clientCertAuth === true;
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ ...files.current().options, ALPNProtocols: ['h2', 'http/1.1'], requestCert: verify, rejectUnauthorized: verify, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
  files.keepReloaded(server);
  server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    // A certificate that failed verification (TLS 1.3 checks it after the handshake) is named by
    // `authorizationError`; otherwise OpenSSL's `reason` ("peer did not return a certificate",
    // "http request") reads better than its message.
    const failed = socket.authorizationError as Error | string | null | undefined;
    const reason = failed !== undefined && failed !== null ? `client certificate refused: ${String(failed)}` : ((err as { reason?: string }).reason ?? err.message);
    rejected?.(`${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`, reason);
    socket.destroy();
  });
  const hostname = opts.allowedHostname ?? '';
  server.on('secureConnection', (socket: TLSSocket) => {
    if (hostname !== '' && tls.checkServerIdentity(hostname, socket.getPeerCertificate()) !== undefined) {
      rejected?.(`${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`, `client certificate is not valid for ${hostname}`);
      socket.destroy();
      return;
    }
    track(sockets, socket);
    routeConnection(socket, h2, h1);
  });
  return listenTracked(server, host, port, sockets);
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * GrpcServer's `otherRequests` for a TLS port: an HTTP/2 request that is not gRPC goes to the
 * HTTP/1.1 handler through Node's HTTP/2 compatibility objects (what `http2.createServer(handler)`
 * builds for every stream; here only for the streams gRPC does not take).
 */
export function otherRequestsTo(handler: Handler): (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[]) => void {
  return (stream, headers, rawHeaders) => {
    const req = new http2.Http2ServerRequest(stream, headers, {}, rawHeaders);
    const res = new http2.Http2ServerResponse(stream);
    // The handlers use the members both kinds share (method, url, headers, body; writeHead, write, end).
    handler(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse);
  };
}

/** etcd's answer to a JSON gateway request made with a client certificate while auth is on. */
export const GATEWAY_COMMON_NAME_TEXT = 'CommonName of client sending a request against gateway will be ignored and not used as expected\n';

/**
 * etcd does not let a client certificate's common name stand for a user on the JSON gateway:
 * with auth on, a gateway request over a connection verified with a named certificate gets 400
 * and a plain-text explanation (a token in `Authorization` is the gateway's way). True if it answered.
 */
export function refuseGatewayCommonName(req: http.IncomingMessage, res: http.ServerResponse, authEnabled: boolean): boolean {
  if (!authEnabled) return false;
  const url = req.url ?? '';
  if (!url.startsWith('/v3/') && !url.startsWith('/v3beta/')) return false;
  if (verifiedCommonName(req.socket) === undefined) return false;
  res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(GATEWAY_COMMON_NAME_TEXT);
  return true;
}
