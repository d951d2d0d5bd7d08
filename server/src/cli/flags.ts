/**
 * The table of etcd's server flags (names, kinds and defaults of etcd 3.4/3.5; help texts are
 * ours). Everything that reads flags — the command line, ETCD_* variables, the config file and
 * `--help` — is driven from this one table, so a flag cannot be known to one and not the others.
 */

/** How a raw text is read: see flag-values.ts. Durations are Go's ("5s"); ms-integers are `uint`. */
export type FlagKind = 'string' | 'bool' | 'uint' | 'int' | 'duration' | 'urls' | 'list' | 'enum';

export type FlagGroup = 'general' | 'member' | 'clustering' | 'security' | 'auth' | 'profiling' | 'logging' | 'experimental' | 'unsafe';

/**
 * What Cairn does with a flag: `yes` it is honoured; `ignored` it is accepted and has no effect
 * (warned about when set); `later` the member refuses to start while it is set away from its
 * default, until the feature exists; `refused` parsing fails when it is set away from its default.
 */
export type FlagSupport = 'yes' | 'ignored' | 'later' | 'refused';

export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  /** The default as etcd would print it; parsed like any other value. */
  readonly def: string;
  readonly group: FlagGroup;
  readonly help: string;
  readonly choices?: readonly string[];
  readonly support: FlagSupport;
  /** Why a `refused`/`ignored` flag is not honoured, shown to the user. */
  readonly why?: string;
}

type Extra = Partial<Pick<FlagSpec, 'choices' | 'support' | 'why'>>;

function flag(group: FlagGroup, name: string, kind: FlagKind, def: string, help: string, extra: Extra = {}): FlagSpec {
  return { name, kind, def, group, help, support: 'yes', ...extra };
}

const DISCOVERY_LATER: Extra = { support: 'later', why: 'discovery is not built yet' };

const GENERAL: FlagSpec[] = [
  flag('general', 'config-file', 'string', '', 'Read the configuration from this YAML file; command-line flags and ETCD_* variables are then ignored.'),
  flag('general', 'version', 'bool', 'false', 'Print the version and exit.'),
];

const MEMBER: FlagSpec[] = [
  flag('member', 'name', 'string', 'default', 'Human-readable name of this member; must be unique in the cluster.'),
  flag('member', 'data-dir', 'string', '${name}.etcd', 'Directory holding the member\'s WAL, snapshots and backend.'),
  flag('member', 'wal-dir', 'string', '', 'Keep the WAL in this directory instead of under the data dir (e.g. on a faster disk).'),
  flag('member', 'snapshot-count', 'uint', '10000', 'Applied entries between two raft snapshots (etcd 3.4/3.5 default to 100000).'),
  flag('member', 'heartbeat-interval', 'uint', '100', 'Milliseconds between two heartbeats of the leader.'),
  flag('member', 'election-timeout', 'uint', '1000', 'Milliseconds a follower waits without hearing from a leader before it campaigns.'),
  flag('member', 'initial-election-tick-advance', 'bool', 'true', 'On start, fast-forward election ticks so that a restarted member campaigns sooner.'),
  flag('member', 'listen-peer-urls', 'urls', 'http://localhost:2380', 'URLs to listen on for traffic from other members.'),
  flag('member', 'listen-client-urls', 'urls', 'http://localhost:2379', 'URLs to listen on for client traffic.'),
  flag('member', 'max-snapshots', 'uint', '5', 'Snapshot files to keep; 0 keeps all of them.'),
  flag('member', 'max-wals', 'uint', '5', 'WAL segment files to keep; 0 keeps all of them.'),
  flag('member', 'quota-backend-bytes', 'int', '0', 'Backend size at which the NOSPACE alarm goes off; 0 means the default of 2 GiB.'),
  flag('member', 'backend-batch-limit', 'uint', '0', 'Backend writes per commit; 0 leaves it to Cairn.'),
  flag('member', 'backend-batch-interval', 'duration', '0s', 'Longest time writes wait for a backend commit; 0 leaves it to Cairn.'),
  flag('member', 'max-txn-ops', 'uint', '128', 'Most operations one transaction may hold.'),
  flag('member', 'max-request-bytes', 'uint', '1572864', 'Largest client request the server accepts, in bytes.'),
  flag('member', 'grpc-keepalive-min-time', 'duration', '5s', 'Shortest interval a client may ping the server at.'),
  flag('member', 'grpc-keepalive-interval', 'duration', '2h', 'Idle time after which the server pings a client connection; 0 disables.'),
  flag('member', 'grpc-keepalive-timeout', 'duration', '20s', 'How long the server waits for a ping answer before closing the connection; 0 disables.'),
  flag('member', 'cors', 'list', '', 'Comma-separated origins allowed for CORS (the JSON gateway).', { support: 'later', why: 'CORS is not built yet' }),
  flag('member', 'socket-reuse-port', 'bool', 'false', 'Set SO_REUSEPORT on listeners.', { support: 'later', why: 'socket options are not built yet' }),
  flag('member', 'socket-reuse-address', 'bool', 'false', 'Set SO_REUSEADDR on listeners.', { support: 'later', why: 'socket options are not built yet' }),
];

const CLUSTERING: FlagSpec[] = [
  flag('clustering', 'initial-advertise-peer-urls', 'urls', 'http://localhost:2380', 'Peer URLs of this member that the rest of the cluster is told about.'),
  flag('clustering', 'initial-cluster', 'string', 'default=http://localhost:2380', 'The cluster to bootstrap, as name=peerURL pairs separated by commas; defaults to this member alone.'),
  flag('clustering', 'initial-cluster-state', 'enum', 'new', '"new" to bootstrap a cluster, "existing" to join one.', { choices: ['new', 'existing'] }),
  flag('clustering', 'initial-cluster-token', 'string', 'etcd-cluster', 'Token that keeps the ids of separately bootstrapped clusters apart.'),
  flag('clustering', 'advertise-client-urls', 'urls', 'http://localhost:2379', 'Client URLs of this member that the cluster tells clients about.'),
  flag('clustering', 'discovery', 'string', '', 'Discovery URL used to bootstrap the cluster.', DISCOVERY_LATER),
  flag('clustering', 'discovery-fallback', 'enum', 'proxy', 'What to do when discovery fails: "exit" or "proxy".', { choices: ['exit', 'proxy'] }),
  flag('clustering', 'discovery-proxy', 'string', '', 'HTTP proxy to reach the discovery service through.', DISCOVERY_LATER),
  flag('clustering', 'discovery-srv', 'string', '', 'DNS domain whose SRV records bootstrap the cluster.', DISCOVERY_LATER),
  flag('clustering', 'discovery-srv-name', 'string', '', 'Suffix of the DNS SRV name queried for discovery.', DISCOVERY_LATER),
  flag('clustering', 'strict-reconfig-check', 'bool', 'true', 'Refuse membership changes that could cost the cluster its quorum.'),
  flag('clustering', 'max-learners', 'uint', '1', 'Most learners the cluster may have at once.'),
  flag('clustering', 'pre-vote', 'bool', 'true', 'Run a pre-vote round before an election, so a partitioned member does not disrupt the cluster (etcd 3.5\'s default; 3.4\'s was false).'),
  flag('clustering', 'auto-compaction-mode', 'enum', 'periodic', '"periodic" keeps a time window of history, "revision" a number of revisions.', { choices: ['periodic', 'revision'] }),
  flag('clustering', 'auto-compaction-retention', 'string', '0', 'History kept by auto compaction: a duration or hours ("1h", "30m", "5") in periodic mode, revisions in revision mode; 0 disables.'),
  flag('clustering', 'enable-v2', 'bool', 'false', 'Serve the v2 API.', { support: 'refused', why: 'Cairn has no v2 API; only the v3 API is served' }),
  flag('clustering', 'enable-grpc-gateway', 'bool', 'true', 'Serve the JSON gateway (/v3/...) beside gRPC.'),
  flag('clustering', 'proxy', 'enum', 'off', 'v2 proxy mode: "off", "readonly" or "on".', { choices: ['off', 'readonly', 'on'], support: 'refused', why: 'Cairn has no v2 proxy' }),
];

const SECURITY: FlagSpec[] = [
  flag('security', 'cert-file', 'string', '', 'Certificate for client connections.'),
  flag('security', 'key-file', 'string', '', 'Key of the client certificate.'),
  flag('security', 'client-cert-auth', 'bool', 'false', 'Require clients to present a certificate signed by --trusted-ca-file.'),
  flag('security', 'client-crl-file', 'string', '', 'Revoked client certificates.'),
  flag('security', 'client-cert-allowed-hostname', 'string', '', 'Hostname a client certificate must carry.'),
  flag('security', 'trusted-ca-file', 'string', '', 'CA that signs client certificates.'),
  flag('security', 'auto-tls', 'bool', 'false', 'Serve clients with a generated self-signed certificate.'),
  flag('security', 'peer-cert-file', 'string', '', 'Certificate for peer connections.'),
  flag('security', 'peer-key-file', 'string', '', 'Key of the peer certificate.'),
  flag('security', 'peer-client-cert-auth', 'bool', 'false', 'Require peers to present a certificate signed by --peer-trusted-ca-file.'),
  flag('security', 'peer-trusted-ca-file', 'string', '', 'CA that signs peer certificates.'),
  flag('security', 'peer-cert-allowed-cn', 'string', '', 'Common name a peer certificate must carry.'),
  flag('security', 'peer-cert-allowed-hostname', 'string', '', 'Hostname a peer certificate must carry.'),
  flag('security', 'peer-auto-tls', 'bool', 'false', 'Talk to peers with a generated self-signed certificate.'),
  flag('security', 'peer-crl-file', 'string', '', 'Revoked peer certificates.'),
  flag('security', 'self-signed-cert-validity', 'uint', '1', 'Years a generated certificate is valid for.'),
  flag('security', 'cipher-suites', 'list', '', 'Comma-separated TLS cipher suites; empty means the defaults.'),
  flag('security', 'tls-min-version', 'enum', 'TLS1.2', 'Lowest TLS version accepted.', { choices: ['TLS1.2', 'TLS1.3'] }),
  flag('security', 'tls-max-version', 'enum', '', 'Highest TLS version accepted; empty means the newest.', { choices: ['', 'TLS1.2', 'TLS1.3'] }),
  flag('security', 'host-whitelist', 'list', '*', 'Hosts allowed in HTTP Host headers (DNS rebinding protection); "*" allows all.', { support: 'later', why: 'Host header checks are not built yet' }),
  flag('security', 'experimental-peer-skip-client-san-verification', 'bool', 'false', 'Skip checking that a peer\'s client certificate names its address (Cairn does not make that check, so this changes nothing).'),
];

const AUTH: FlagSpec[] = [
  flag('auth', 'auth-token', 'string', 'simple', 'Token kind: "simple", or "jwt,pub-key=...,priv-key=...,sign-method=...[,ttl=5m]".'),
  flag('auth', 'bcrypt-cost', 'uint', '10', 'bcrypt cost for password hashes (4 to 31).'),
  flag('auth', 'auth-token-ttl', 'uint', '300', 'Seconds a simple token lives.'),
];

const PROFILING: FlagSpec[] = [
  flag('profiling', 'enable-pprof', 'bool', 'false', 'Go\'s pprof endpoints; Cairn has none.', { support: 'ignored', why: 'Cairn runs on Node.js and has no pprof; use node --inspect or --cpu-prof' }),
  flag('profiling', 'metrics', 'enum', 'basic', '"basic" or "extensive" (adds histograms per gRPC method).', { choices: ['basic', 'extensive'] }),
  flag('profiling', 'listen-metrics-urls', 'urls', '', 'More URLs that serve /metrics and /health.'),
];

const LOGGING: FlagSpec[] = [
  flag('logging', 'logger', 'enum', 'zap', 'Logger kind; Cairn always logs zap-shaped structured lines.', { choices: ['zap', 'capnslog'] }),
  flag('logging', 'log-outputs', 'list', 'default', 'Where logs go: "default", "stderr", "stdout" or file paths, comma-separated.'),
  flag('logging', 'log-level', 'enum', 'info', 'Lowest level logged.', { choices: ['debug', 'info', 'warn', 'error', 'panic', 'fatal'] }),
  flag('logging', 'log-format', 'enum', 'json', '"json" lines or human-readable "console" lines.', { choices: ['json', 'console'] }),
  flag('logging', 'debug', 'bool', 'false', 'Deprecated: same as --log-level=debug.'),
  flag('logging', 'log-package-levels', 'string', '', 'capnslog per-package levels.', { support: 'ignored', why: 'capnslog is not used' }),
];

const EXPERIMENTAL: FlagSpec[] = [
  flag('experimental', 'experimental-initial-corrupt-check', 'bool', 'false', 'Compare this member\'s hash with its peers before serving.'),
  flag('experimental', 'experimental-corrupt-check-time', 'duration', '0s', 'Interval between corruption checks against the peers; 0 disables.'),
  flag('experimental', 'experimental-enable-v2v3', 'string', '', 'Serve v2 requests from the v3 store under this prefix.', { support: 'refused', why: 'Cairn has no v2 API' }),
  flag('experimental', 'experimental-enable-lease-checkpoint', 'bool', 'false', 'Persist the remaining TTL of leases periodically, so a leader change does not reset it.'),
  flag('experimental', 'experimental-compaction-batch-limit', 'int', '1000', 'Revisions deleted per compaction transaction.'),
  flag('experimental', 'experimental-watch-progress-notify-interval', 'duration', '10m', 'Interval of progress notifications to watchers that asked for them.'),
  flag('experimental', 'experimental-snapshot-catchup-entries', 'uint', '5000', 'Entries kept in the raft log after a snapshot, for slow followers to catch up from.'),
  flag('experimental', 'experimental-warning-apply-duration', 'duration', '100ms', 'Applies slower than this are logged as warnings.'),
  flag('experimental', 'experimental-backend-bbolt-freelist-type', 'enum', 'map', 'bbolt freelist kind; Cairn\'s backend is LMDB.', { choices: ['map', 'array'], support: 'ignored', why: 'the backend is LMDB, not bbolt' }),
];

const UNSAFE: FlagSpec[] = [
  flag('unsafe', 'force-new-cluster', 'bool', 'false', 'Restart as a one-member cluster, discarding the membership in the data dir.', { support: 'refused', why: 'not supported yet' }),
  flag('unsafe', 'unsafe-no-fsync', 'bool', 'false', 'Skip fsync; data may be lost on a crash.', { support: 'later', why: 'not built' }),
];

export const FLAGS: readonly FlagSpec[] = [...GENERAL, ...MEMBER, ...CLUSTERING, ...SECURITY, ...AUTH, ...PROFILING, ...LOGGING, ...EXPERIMENTAL, ...UNSAFE];

export const FLAG_BY_NAME: ReadonlyMap<string, FlagSpec> = new Map(FLAGS.map((f) => [f.name, f]));

export const GROUP_TITLES: Readonly<Record<FlagGroup, string>> = {
  general: 'General',
  member: 'Member',
  clustering: 'Clustering',
  security: 'Security',
  auth: 'Auth',
  profiling: 'Profiling and monitoring',
  logging: 'Logging',
  experimental: 'Experimental',
  unsafe: 'Unsafe',
};
