import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { Gateway, type GrpcMetrics, gatewayMethods, registerServices, maxReceiveBytes } from '../api/index.js';
import { GrpcServer } from '../api/grpc/index.js';
import { type ClientTlsOptions, listenTls, otherRequestsTo, refuseGatewayCommonName } from '../api/http/client-tls.js';
import { serveHttp } from '../api/http/endpoints.js';
import { answerBadRequestsAsGo, listenMux } from '../api/http/mux.js';
import type { EtcdServer } from '../etcdserver/index.js';
import { TlsFiles } from '../util/index.js';
import { ConfigError } from './errors.js';
import type { Logger } from './logger.js';
import type { MemberConfig } from './member-config.js';
import { cairnVersion } from './version.js';

/** Stops what was started. */
export type Closer = () => Promise<void>;

const isHttps = (url: URL): boolean => url.protocol === 'https:';

/**
 * One client URL: gRPC, the JSON gateway and the HTTP endpoints on one port, cleartext (http://)
 * or TLS (https://, with `tls`), as etcd serves each of its --listen-client-urls.
 */
export async function listenClientUrl(raw: string, member: EtcdServer, config: MemberConfig, tls: ClientTlsOptions | undefined, counters: GrpcMetrics, log: Logger): Promise<Closer> {
  const url = new URL(raw);
  const limits = { maxRequestBytes: config.maxRequestBytes, maxTxnOps: config.maxTxnOps, progressNotifyIntervalMs: config.experimental.watchProgressNotifyIntervalMs };
  const h2 = http2.createServer({ maxSessionMemory: 64 });
  // etcd's JSON gateway (POST /v3/...) answers the same methods as gRPC, before the plain endpoints.
  const gateway = new Gateway(gatewayMethods(member, limits, counters), { maxReceiveBytes: maxReceiveBytes({ maxRequestBytes: config.maxRequestBytes }) });
  const httpOpts = { cairnVersion: cairnVersion() };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (refuseGatewayCommonName(req, res, member.authStatus().enabled)) return;
    if (gateway.handle(req, res)) return;
    if (!serveHttp(member, httpOpts, req, res)) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
    }
  };
  const h1 = http.createServer(handler);
  answerBadRequestsAsGo(h1);
  const grpc = new GrpcServer({
    server: h2,
    maxReceiveMessageLength: maxReceiveBytes({ maxRequestBytes: config.maxRequestBytes }),
    keepaliveMinTimeMs: config.grpcKeepaliveMinTimeMs,
    keepaliveTimeMs: config.grpcKeepaliveIntervalMs,
    keepaliveTimeoutMs: config.grpcKeepaliveTimeoutMs,
    // Over TLS, ALPN puts curl, browsers and Prometheus on HTTP/2: serve them the HTTP endpoints.
    ...(isHttps(url) ? { otherRequests: otherRequestsTo(handler) } : {}),
  });
  registerServices(grpc, member, limits, counters);
  const port = Number(url.port || 2379);
  let listener;
  if (isHttps(url)) {
    if (tls === undefined) throw new ConfigError(`TLS key/cert (--cert-file, --key-file) must be provided for client url ${raw} with HTTPS scheme`);
    listener = await listenTls(url.hostname, port, h2, h1, tls, (remote, reason) => log.warn('rejected connection', { 'remote-addr': remote, error: reason }));
    log.info('serving client traffic securely', { address: `${url.hostname}:${listener.port}` });
  } else {
    listener = await listenMux(url.hostname, port, h2, h1);
    log.info('serving client traffic insecurely; this is strongly discouraged!', { address: `${url.hostname}:${listener.port}` });
  }
  const mux = listener;
  return async () => {
    await mux.close();
    await grpc.close();
    h1.closeAllConnections();
  };
}

/** One --listen-metrics-urls URL: the HTTP endpoints alone; https with the client certificate, as etcd. */
export async function listenMetricsUrl(raw: string, member: EtcdServer, tls: ClientTlsOptions | undefined, log: Logger): Promise<Closer> {
  const url = new URL(raw);
  const httpOpts = { cairnVersion: cairnVersion() };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (!serveHttp(member, httpOpts, req, res)) {
      res.writeHead(404);
      res.end();
    }
  };
  let s: http.Server;
  if (isHttps(url)) {
    if (tls === undefined) throw new ConfigError(`TLS key/cert (--cert-file, --key-file) must be provided for metrics url ${raw} with HTTPS scheme`);
    const files = new TlsFiles(tls, 'client');
    const verify = tls.clientCertAuth === true;
    const secure = https.createServer({ ...files.current().options, requestCert: verify, rejectUnauthorized: verify }, handler);
    files.keepReloaded(secure);
    s = secure;
  } else {
    s = http.createServer(handler);
  }
  await new Promise<void>((resolve, reject) => s.once('error', reject).listen(Number(url.port), url.hostname, resolve));
  log.info('serving metrics', { address: raw });
  return () => new Promise((resolve) => s.close(() => resolve()));
}
