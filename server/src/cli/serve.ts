import type { GrpcMetrics } from '../api/index.js';
import { type TokenOptions, parseTokenOptions } from '../auth/index.js';
import { DEFAULTS, EtcdServer, type ServerConfig, type TransportFactory } from '../etcdserver/index.js';
import { type PeerTlsOptions, createPeerTransport } from '../transport/index.js';
import { errorMessage } from '../util/index.js';
import { parseGoDuration } from './duration.js';
import { ConfigError } from './errors.js';
import type { Io } from './io.js';
import type { Logger } from './logger.js';
import type { MemberConfig } from './member-config.js';
import { type Closer, listenClientUrl, listenMetricsUrl } from './client-listeners.js';
import { clientTlsOf, peerTlsOf } from './tls-config.js';

/** What serving gets besides its settings. */
export interface ServeIo extends Io {
  readonly logger: Logger;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM by default). */
  readonly stopSignal?: Promise<string>;
}

/**
 * Refuses settings that parse but that Cairn cannot serve yet (discovery, ...), naming each,
 * rather than starting a member that silently does something else than asked.
 */
export function refuseUnsupported(config: MemberConfig): void {
  const notYet = [...config.notSupported];
  if (notYet.length === 0) return;
  const list = notYet.map((n) => `--${n.flag} (${n.why})`).join(', ');
  throw new ConfigError(`not supported yet: ${list}`);
}

/** `{ peerTls }` when there is one (the config has no room for an explicit undefined). */
function withPeerTls(peerTls: PeerTlsOptions | undefined): { peerTls?: PeerTlsOptions } {
  return peerTls === undefined ? {} : { peerTls };
}

/** --auth-token parsed as etcd parses it; a bad option string stops startup with etcd's words. */
function authTokenOf(c: MemberConfig): TokenOptions {
  try {
    return parseTokenOptions(c.auth.token, parseGoDuration);
  } catch (err) {
    throw new ConfigError(`--auth-token ${JSON.stringify(c.auth.token)}: ${errorMessage(err)}`);
  }
}

/** The member's settings from the command line's (peer TLS as resolved by peerTlsOf). */
export function serverConfig(c: MemberConfig, peerTls: PeerTlsOptions | undefined): ServerConfig {
  return {
    name: c.name,
    dataDir: c.dataDir,
    ...(c.walDir === '' ? {} : { walDir: c.walDir }),
    peerUrls: [...c.initialAdvertisePeerUrls],
    clientUrls: [...c.advertiseClientUrls],
    initialCluster: new Map(c.initialCluster.map((m) => [m.name, [...m.peerUrls]])),
    initialClusterToken: c.initialClusterToken,
    initialClusterState: c.initialClusterState,
    heartbeatMs: c.heartbeatMs,
    electionMs: c.electionMs,
    snapshotCount: c.snapshotCount,
    maxSnapshots: c.maxSnapshots,
    maxWals: c.maxWals,
    quotaBackendBytes: c.quotaBackendBytes ?? Number.MAX_SAFE_INTEGER,
    maxRequestBytes: c.maxRequestBytes || DEFAULTS.maxRequestBytes,
    maxTxnOps: c.maxTxnOps,
    maxLearners: c.maxLearners,
    strictReconfigCheck: c.strictReconfigCheck,
    preVote: c.preVote,
    auth: { token: authTokenOf(c), tokenTtlMs: c.auth.tokenTtlSeconds * 1000, bcryptCost: c.auth.bcryptCost },
    ...withPeerTls(peerTls),
    snapshotCatchUpEntries: c.experimental.snapshotCatchUpEntries,
    autoCompactionMode: c.autoCompaction.mode,
    autoCompactionRetention: c.autoCompaction.mode === 'periodic' ? c.autoCompaction.retentionMs : c.autoCompaction.retentionRevisions,
  };
}

/**
 * Runs a member until it is asked to stop: the member itself, the gRPC API and HTTP endpoints
 * on every --listen-client-urls (HTTP/1.1 and HTTP/2 on one port, as etcd), the HTTP endpoints
 * alone on every --listen-metrics-urls. Returns the exit code.
 */
export async function serve(config: MemberConfig, io: ServeIo): Promise<number> {
  refuseUnsupported(config);
  const log = io.logger;
  const peerTls = peerTlsOf(config);
  const transport: TransportFactory = ({ memberId, clusterId, registry }, handler) =>
    createPeerTransport({ memberId, clusterId, listenUrls: config.listenPeerUrls, handler, metrics: { registry }, logger: log, ...(peerTls === undefined ? {} : { tls: peerTls }) });
  const member = await EtcdServer.start(serverConfig(config, peerTls), { logger: log, transport });
  log.info('member started', { name: config.name, 'data-dir': config.dataDir, 'local-member-id': member.memberId.toString(16), 'cluster-id': member.clusterId.toString(16) });
  const closers: Closer[] = [];
  try {
    const clientTls = clientTlsOf(config);
    const counters = grpcCounters(member);
    for (const raw of config.listenClientUrls) closers.push(await listenClientUrl(raw, member, config, clientTls, counters, log));
    for (const raw of config.listenMetricsUrls) closers.push(await listenMetricsUrl(raw, member, clientTls, log));
    log.info('ready to serve client requests');
    const stoppedItself = member.whenStopped().then((reason) => ({ reason }));
    const why = await Promise.race([io.stopSignal ?? stopSignal(), stoppedItself]);
    if (typeof why !== 'string') {
      log.error('member stopped on its own', { reason: why.reason ?? 'unknown' });
      return 1;
    }
    log.info('received signal; shutting down', { signal: why });
    return 0;
  } catch (err) {
    log.error('serving failed', { error: errorMessage(err) });
    return 1;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await member.stop();
    log.info('member stopped', { name: config.name });
  }
}

function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/**
 * The member's grpc_server_* counters as the API counts calls, with each label set's child
 * looked up once (prom-client hashes the labels on every inc otherwise).
 */
function grpcCounters(member: EtcdServer): GrpcMetrics {
  const started = new Map<string, { inc(): void }>();
  const handled = new Map<string, { inc(): void }>();
  return {
    started: (t, s, m) => {
      const k = `${t} ${s} ${m}`;
      let c = started.get(k);
      if (c === undefined) started.set(k, (c = member.metrics.grpcStarted.labels({ grpc_type: t, grpc_service: s, grpc_method: m })));
      c.inc();
    },
    handled: (t, s, m, code) => {
      const k = `${t} ${s} ${m} ${code}`;
      let c = handled.get(k);
      if (c === undefined) handled.set(k, (c = member.metrics.grpcHandled.labels({ grpc_type: t, grpc_service: s, grpc_method: m, grpc_code: code })));
      c.inc();
    },
  };
}
