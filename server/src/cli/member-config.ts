/** The member's settings, typed and resolved (defaults filled, derived values computed). */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'panic' | 'fatal';
export type LogFormat = 'json' | 'console';

export interface InitialMember {
  readonly name: string;
  readonly peerUrls: readonly string[];
}

/** 0 retention disables auto compaction in either mode. */
export type AutoCompaction =
  | { readonly mode: 'periodic'; readonly retentionMs: number }
  | { readonly mode: 'revision'; readonly retentionRevisions: number };

export interface TlsSettings {
  readonly certFile: string;
  readonly keyFile: string;
  readonly trustedCaFile: string;
  readonly clientCertAuth: boolean;
  readonly autoTls: boolean;
  readonly crlFile: string;
  readonly allowedHostname: string;
  /** Peers only. */
  readonly allowedCn: string;
}

export interface LogSettings {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** "stderr", "stdout" or file paths ("default" resolved to "stderr"). */
  readonly outputs: readonly string[];
}

/** A setting Cairn parses but cannot serve yet; the member refuses to start while any is set. */
export interface NotSupported {
  readonly flag: string;
  readonly why: string;
}

export interface MemberConfig {
  readonly name: string;
  readonly dataDir: string;
  /** Empty: the WAL lives in `${dataDir}/member/wal`. */
  readonly walDir: string;
  readonly snapshotCount: number;
  readonly maxSnapshots: number;
  readonly maxWals: number;
  readonly heartbeatMs: number;
  readonly electionMs: number;
  readonly initialElectionTickAdvance: boolean;
  readonly listenPeerUrls: readonly string[];
  readonly listenClientUrls: readonly string[];
  readonly listenMetricsUrls: readonly string[];
  readonly advertiseClientUrls: readonly string[];
  readonly initialAdvertisePeerUrls: readonly string[];
  readonly initialCluster: readonly InitialMember[];
  readonly initialClusterState: 'new' | 'existing';
  readonly initialClusterToken: string;
  readonly strictReconfigCheck: boolean;
  readonly maxLearners: number;
  readonly preVote: boolean;
  /** Bytes; the 0 default resolved to 2 GiB; null when a negative value disabled the quota. */
  readonly quotaBackendBytes: number | null;
  readonly backendBatchLimit: number;
  readonly backendBatchIntervalMs: number;
  readonly maxTxnOps: number;
  readonly maxRequestBytes: number;
  readonly grpcKeepaliveMinTimeMs: number;
  readonly grpcKeepaliveIntervalMs: number;
  readonly grpcKeepaliveTimeoutMs: number;
  readonly autoCompaction: AutoCompaction;
  readonly enableGrpcGateway: boolean;
  readonly metrics: 'basic' | 'extensive';
  readonly auth: { readonly token: string; readonly bcryptCost: number; readonly tokenTtlSeconds: number };
  readonly clientTls: TlsSettings;
  readonly peerTls: TlsSettings;
  /** Go's names, as given (see cipher-suites.ts). */
  readonly cipherSuites: readonly string[];
  readonly tlsMinVersion: 'TLS1.2' | 'TLS1.3';
  /** Empty: the newest Node offers. */
  readonly tlsMaxVersion: '' | 'TLS1.2' | 'TLS1.3';
  /** Years a certificate made by --auto-tls / --peer-auto-tls is valid for. */
  readonly selfSignedCertValidityYears: number;
  readonly log: LogSettings;
  readonly experimental: {
    readonly initialCorruptCheck: boolean;
    readonly corruptCheckTimeMs: number;
    readonly enableLeaseCheckpoint: boolean;
    readonly compactionBatchLimit: number;
    readonly watchProgressNotifyIntervalMs: number;
    readonly warningApplyDurationMs: number;
    readonly snapshotCatchUpEntries: number;
  };
  /** The config file the settings came from, if any. */
  readonly configFile: string | undefined;
  /** Flags given explicitly (command line, ETCD_* or config file). */
  readonly explicit: ReadonlySet<string>;
  readonly notSupported: readonly NotSupported[];
}

export const DEFAULT_QUOTA_BYTES = 2 * 1024 ** 3;
/** etcd warns above this quota; so do we. */
export const MAX_SUGGESTED_QUOTA_BYTES = 8 * 1024 ** 3;

/** Something about the settings worth logging at startup (an ignored flag, a deprecated one...). */
export interface Warning {
  readonly level: 'info' | 'warn';
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}
