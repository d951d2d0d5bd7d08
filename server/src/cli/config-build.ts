import { ConfigError } from './errors.js';
import { parseFlagValue, parseUrls, type FlagValue } from './flag-values.js';
import { FLAGS, FLAG_BY_NAME } from './flags.js';
import { parseGoDuration } from './duration.js';
import { validateTls } from './tls-config.js';
import {
  DEFAULT_QUOTA_BYTES,
  MAX_SUGGESTED_QUOTA_BYTES,
  type AutoCompaction,
  type InitialMember,
  type LogLevel,
  type LogSettings,
  type MemberConfig,
  type NotSupported,
  type TlsSettings,
  type Warning,
} from './member-config.js';

export type { Warning } from './member-config.js';

/** Something to log once the logger exists (the logger's own settings come from the config). */

/** etcd's ceiling for --election-timeout. */
const MAX_ELECTION_MS = 50_000;

/** Typed reads of the resolved values: the given value, else the flag's default. */
class Settings {
  constructor(readonly given: ReadonlyMap<string, FlagValue>) {}
  private get(name: string): FlagValue {
    const spec = FLAG_BY_NAME.get(name);
    if (spec === undefined) throw new Error(`no flag ${name} in the table`);
    return this.given.get(name) ?? parseFlagValue(spec, spec.def);
  }
  str(name: string): string {
    return expect(name, this.get(name), (v): v is string => typeof v === 'string');
  }
  bool(name: string): boolean {
    return expect(name, this.get(name), (v): v is boolean => typeof v === 'boolean');
  }
  num(name: string): number {
    return expect(name, this.get(name), (v): v is number => typeof v === 'number');
  }
  list(name: string): readonly string[] {
    return expect(name, this.get(name), (v): v is readonly string[] => Array.isArray(v));
  }
  has(name: string): boolean {
    return this.given.has(name);
  }
}

function expect<T extends FlagValue>(name: string, v: FlagValue, is: (v: FlagValue) => v is T): T {
  if (!is(v)) throw new Error(`flag ${name} has a value of the wrong kind`);
  return v;
}

/** Builds the typed config from resolved values, checks it, and notes what is not served yet. */
export function buildMemberConfig(given: ReadonlyMap<string, FlagValue>, configFile: string | undefined, warnings: Warning[]): MemberConfig {
  const s = new Settings(given);
  const notSupported = checkSupport(given, warnings);
  const name = s.str('name');
  const initialAdvertisePeerUrls = s.list('initial-advertise-peer-urls');
  const initialClusterText = s.has('initial-cluster') ? s.str('initial-cluster') : initialAdvertisePeerUrls.map((u) => `${name}=${u}`).join(',');
  const config: MemberConfig = {
    name,
    dataDir: s.has('data-dir') ? s.str('data-dir') : `${name}.etcd`,
    walDir: s.str('wal-dir'),
    snapshotCount: s.num('snapshot-count'),
    maxSnapshots: s.num('max-snapshots'),
    maxWals: s.num('max-wals'),
    heartbeatMs: s.num('heartbeat-interval'),
    electionMs: s.num('election-timeout'),
    initialElectionTickAdvance: s.bool('initial-election-tick-advance'),
    listenPeerUrls: s.list('listen-peer-urls'),
    listenClientUrls: s.list('listen-client-urls'),
    listenMetricsUrls: s.list('listen-metrics-urls'),
    advertiseClientUrls: s.list('advertise-client-urls'),
    initialAdvertisePeerUrls,
    initialCluster: parseInitialCluster(initialClusterText),
    initialClusterState: s.str('initial-cluster-state') === 'existing' ? 'existing' : 'new',
    initialClusterToken: s.str('initial-cluster-token'),
    strictReconfigCheck: s.bool('strict-reconfig-check'),
    maxLearners: s.num('max-learners'),
    preVote: s.bool('pre-vote'),
    quotaBackendBytes: resolveQuota(s.num('quota-backend-bytes'), warnings),
    backendBatchLimit: s.num('backend-batch-limit'),
    backendBatchIntervalMs: s.num('backend-batch-interval'),
    maxTxnOps: s.num('max-txn-ops'),
    maxRequestBytes: s.num('max-request-bytes'),
    grpcKeepaliveMinTimeMs: s.num('grpc-keepalive-min-time'),
    grpcKeepaliveIntervalMs: s.num('grpc-keepalive-interval'),
    grpcKeepaliveTimeoutMs: s.num('grpc-keepalive-timeout'),
    autoCompaction: parseAutoCompaction(s.str('auto-compaction-mode'), s.str('auto-compaction-retention')),
    enableGrpcGateway: s.bool('enable-grpc-gateway'),
    metrics: s.str('metrics') === 'extensive' ? 'extensive' : 'basic',
    auth: { token: s.str('auth-token'), bcryptCost: s.num('bcrypt-cost'), tokenTtlSeconds: s.num('auth-token-ttl') },
    clientTls: tls(s, { certFile: 'cert-file', keyFile: 'key-file', trustedCaFile: 'trusted-ca-file', clientCertAuth: 'client-cert-auth', autoTls: 'auto-tls', crlFile: 'client-crl-file', allowedHostname: 'client-cert-allowed-hostname' }),
    peerTls: tls(s, { certFile: 'peer-cert-file', keyFile: 'peer-key-file', trustedCaFile: 'peer-trusted-ca-file', clientCertAuth: 'peer-client-cert-auth', autoTls: 'peer-auto-tls', crlFile: 'peer-crl-file', allowedHostname: 'peer-cert-allowed-hostname', allowedCn: 'peer-cert-allowed-cn' }),
    cipherSuites: s.list('cipher-suites'),
    tlsMinVersion: s.str('tls-min-version') as MemberConfig['tlsMinVersion'],
    tlsMaxVersion: s.str('tls-max-version') as MemberConfig['tlsMaxVersion'],
    selfSignedCertValidityYears: s.num('self-signed-cert-validity'),
    log: logSettings(s, warnings),
    experimental: {
      initialCorruptCheck: s.bool('experimental-initial-corrupt-check'),
      corruptCheckTimeMs: s.num('experimental-corrupt-check-time'),
      enableLeaseCheckpoint: s.bool('experimental-enable-lease-checkpoint'),
      compactionBatchLimit: s.num('experimental-compaction-batch-limit'),
      watchProgressNotifyIntervalMs: s.num('experimental-watch-progress-notify-interval'),
      warningApplyDurationMs: s.num('experimental-warning-apply-duration'),
      snapshotCatchUpEntries: s.num('experimental-snapshot-catchup-entries'),
    },
    configFile,
    explicit: new Set(given.keys()),
    notSupported,
  };
  validate(config, s, warnings);
  return config;
}

/** Refuses flags Cairn will not serve; collects those it cannot serve yet; warns about ignored ones. */
function checkSupport(given: ReadonlyMap<string, FlagValue>, warnings: Warning[]): NotSupported[] {
  const notSupported: NotSupported[] = [];
  for (const spec of FLAGS) {
    const value = given.get(spec.name);
    if (value === undefined) continue;
    const isDefault = JSON.stringify(value) === JSON.stringify(parseFlagValue(spec, spec.def));
    const why = spec.why ?? 'not supported';
    switch (spec.support) {
      case 'yes':
        break;
      case 'ignored':
        if (!isDefault) warnings.push({ level: 'warn', msg: `--${spec.name} is ignored: ${why}`, fields: { flag: spec.name } });
        break;
      case 'later':
        if (!isDefault) notSupported.push({ flag: spec.name, why });
        break;
      case 'refused':
        if (!isDefault) throw new ConfigError(`--${spec.name}=${String(value)} is not supported: ${why}`);
        break;
    }
  }
  return notSupported;
}

/** "a=http://h1:2380,b=http://h2:2380,a=http://h3:2380" → members with their URLs, in order of first mention. */
export function parseInitialCluster(text: string): InitialMember[] {
  const byName = new Map<string, string[]>();
  if (text === '') return [];
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--initial-cluster: ${JSON.stringify(pair)} is not name=peerURL`);
    const memberName = pair.slice(0, eq);
    let urls: string[];
    try {
      urls = parseUrls(pair.slice(eq + 1));
    } catch (err) {
      throw new ConfigError(`--initial-cluster: member ${memberName}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const list = byName.get(memberName) ?? [];
    list.push(...urls);
    byName.set(memberName, list);
  }
  return [...byName].map(([memberName, peerUrls]) => ({ name: memberName, peerUrls }));
}

/** etcd's rule: an integer is hours (periodic) or revisions (revision); periodic also takes a duration. */
export function parseAutoCompaction(mode: string, retention: string): AutoCompaction {
  const asInt = /^[0-9]+$/.test(retention) ? Number(retention) : undefined;
  if (mode === 'revision') {
    if (asInt === undefined || !Number.isSafeInteger(asInt)) throw new ConfigError(`--auto-compaction-retention ${JSON.stringify(retention)}: revision mode needs a number of revisions`);
    return { mode: 'revision', retentionRevisions: asInt };
  }
  if (asInt !== undefined) return { mode: 'periodic', retentionMs: asInt * 3_600_000 };
  let ms: number;
  try {
    ms = parseGoDuration(retention);
  } catch (err) {
    throw new ConfigError(`--auto-compaction-retention ${JSON.stringify(retention)}: periodic mode needs a duration ("1h", "30m") or a number of hours`, { cause: err });
  }
  if (ms < 0) throw new ConfigError(`--auto-compaction-retention ${JSON.stringify(retention)} is negative`);
  return { mode: 'periodic', retentionMs: ms };
}

function resolveQuota(bytes: number, warnings: Warning[]): number | null {
  if (bytes < 0) {
    warnings.push({ level: 'info', msg: 'backend quota disabled (negative --quota-backend-bytes)', fields: {} });
    return null;
  }
  if (bytes > MAX_SUGGESTED_QUOTA_BYTES) {
    warnings.push({ level: 'warn', msg: 'quota exceeds the suggested maximum', fields: { 'quota-size-bytes': bytes, 'quota-maximum-size-bytes': MAX_SUGGESTED_QUOTA_BYTES } });
  }
  return bytes === 0 ? DEFAULT_QUOTA_BYTES : bytes;
}

function tls(s: Settings, keys: Record<Exclude<keyof TlsSettings, 'allowedCn'>, string> & { allowedCn?: string }): TlsSettings {
  return {
    certFile: s.str(keys.certFile),
    keyFile: s.str(keys.keyFile),
    trustedCaFile: s.str(keys.trustedCaFile),
    clientCertAuth: s.bool(keys.clientCertAuth),
    autoTls: s.bool(keys.autoTls),
    crlFile: s.str(keys.crlFile),
    allowedHostname: s.str(keys.allowedHostname),
    allowedCn: keys.allowedCn === undefined ? '' : s.str(keys.allowedCn),
  };
}

function logSettings(s: Settings, warnings: Warning[]): LogSettings {
  let level = s.str('log-level') as LogLevel;
  if (s.bool('debug')) {
    warnings.push({ level: 'warn', msg: '--debug is deprecated; use --log-level=debug', fields: {} });
    if (!s.has('log-level')) level = 'debug';
  }
  if (s.str('logger') === 'capnslog') warnings.push({ level: 'warn', msg: '--logger=capnslog is not available; logging with zap-shaped lines', fields: {} });
  const outputs = s.list('log-outputs').map((o) => (o === 'default' ? 'stderr' : o));
  if (outputs.includes('systemd/journal')) throw new ConfigError('--log-outputs=systemd/journal is not supported: log to stderr and let journald collect it');
  if (outputs.length === 0) throw new ConfigError('--log-outputs is empty');
  return { level, format: s.str('log-format') === 'console' ? 'console' : 'json', outputs: [...new Set(outputs)] };
}

function validate(c: MemberConfig, s: Settings, warnings: Warning[]): void {
  if (c.heartbeatMs <= 0) throw new ConfigError('--heartbeat-interval must be greater than 0');
  if (c.electionMs < 5 * c.heartbeatMs) {
    throw new ConfigError(`--election-timeout[${c.electionMs}ms] must be at least 5 times --heartbeat-interval[${c.heartbeatMs}ms]`);
  }
  if (c.electionMs > MAX_ELECTION_MS) throw new ConfigError(`--election-timeout[${c.electionMs}ms] is too long; it must be at most ${MAX_ELECTION_MS}ms`);
  // etcd drops the default advertise URL only for flags/ETCD_*; a config file keeps it.
  if (c.configFile === undefined && s.has('listen-client-urls') && !s.has('advertise-client-urls')) {
    throw new ConfigError('--advertise-client-urls is required when --listen-client-urls is set explicitly');
  }
  if (c.listenClientUrls.length === 0) throw new ConfigError('--listen-client-urls is empty');
  // Whether --initial-cluster names this member matters only when the data dir is new (a
  // restarted member ignores it, as etcd's does): the member checks it when it bootstraps.
  if (c.auth.bcryptCost < 4 || c.auth.bcryptCost > 31) throw new ConfigError(`--bcrypt-cost ${c.auth.bcryptCost} is outside 4..31`);
  if (c.maxRequestBytes === 0) throw new ConfigError('--max-request-bytes must be greater than 0');
  validateTls(c, warnings);
}
