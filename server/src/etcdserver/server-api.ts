import type { LeaseInfo } from '../lease/index.js';
import type { AuthOp, AuthResult, RequestUser } from '../apply/index.js';
import type {
  BackendHash,
  DeleteRangeRequest,
  DeleteRangeResponse,
  KvHash,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
  WatchStream,
} from '../mvcc/index.js';

/** etcd's ResponseHeader: which cluster and member answered, at which revision and raft term. */
export interface Header {
  clusterId: bigint;
  memberId: bigint;
  revision: number;
  raftTerm: number;
}

/** A member of the cluster, as MemberList reports it. */
export interface MemberInfo {
  id: bigint;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

/** What a membership change answers (etcd's MemberAdd/Remove/Update/Promote responses). */
export interface MemberChange {
  header: Header;
  /** The member added or changed (undefined when removing one this member did not know). */
  member: MemberInfo | undefined;
  /** Every member after the change. */
  members: MemberInfo[];
}

/** etcd's alarm types (etcdserverpb.AlarmType numbers: NONE 0, NOSPACE 1, CORRUPT 2). */
export type AlarmType = 'NONE' | 'NOSPACE' | 'CORRUPT';

export interface AlarmMember {
  memberId: bigint;
  alarm: AlarmType;
}

/** What Maintenance.Status reports. */
export interface StatusInfo {
  /** The etcd version Cairn reports itself as (3.5.x: clients pick their API path from it). */
  version: string;
  dbSize: number;
  dbSizeInUse: number;
  leader: bigint;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
  /** Alarm texts, e.g. "memberID:8e9e05c52164694d alarm:NOSPACE". */
  errors: string[];
  isLearner: boolean;
}

export interface LeaseGrantResult {
  header: Header;
  id: bigint;
  ttl: number;
}

export interface LeaseTimeToLiveResult {
  header: Header;
  id: bigint;
  /** Remaining seconds; -1 if the lease does not exist or expired (etcd answers so, no error). */
  ttl: number;
  grantedTtl: number;
  keys: Uint8Array[];
}

/** The database of a snapshot, in etcd's bbolt format, streamed; the SHA-256 trailer follows. */
export interface SnapshotStream {
  /** Bytes of the bbolt file (without the trailer), known before streaming starts. */
  readonly size: number;
  /** The file's bytes in chunks, then (as the last chunk) the 32-byte SHA-256 of them. */
  readonly chunks: AsyncIterable<Uint8Array>;
}

/**
 * What the API layer asks of a member (etcd's EtcdServer as the v3 RPC handlers see it). The
 * handlers convert wire messages to these calls and fill response headers with header(); the
 * member proposes writes through raft, serves linearizable reads after a ReadIndex, and throws
 * the errors of errors.ts (ServerError), mvcc's (RequestError, CompactedError,
 * FutureRevisionError) and lease's, which the API maps to etcd's gRPC status.
 */
export interface EtcdServerApi {
  /** A response header at `revision` (default: the store's current revision). */
  header(revision?: number): Header;

  // KV
  // `user`: who the client's token says it is (userOf); checked when auth is on.
  range(req: RangeRequest, user?: RequestUser): Promise<RangeResponse>;
  put(req: PutRequest, user?: RequestUser): Promise<PutResponse>;
  deleteRange(req: DeleteRangeRequest, user?: RequestUser): Promise<DeleteRangeResponse>;
  txn(req: TxnRequest, user?: RequestUser): Promise<TxnResponse>;
  /** Compacts at `revision`; with `physical`, resolves once the compaction has removed the history. */
  compact(revision: number, physical: boolean): Promise<Header>;

  // Watch
  /** A stream of watchers sharing one response queue (one per gRPC Watch call). */
  newWatchStream(): WatchStream;

  // Lease
  /** Grants a lease; id 0 lets the member pick one. */
  leaseGrant(id: bigint, ttl: number): Promise<LeaseGrantResult>;
  leaseRevoke(id: bigint, user?: RequestUser): Promise<Header>;
  /** Keep-alive: the TTL the lease was renewed for (served by the leader). */
  leaseRenew(id: bigint): Promise<number>;
  leaseTimeToLive(id: bigint, keys: boolean): Promise<LeaseTimeToLiveResult>;
  leaseLeases(): Promise<LeaseInfo[]>;

  // Cluster
  memberList(linearizable: boolean): Promise<MemberInfo[]>;
  memberAdd(peerUrls: string[], isLearner: boolean): Promise<MemberChange>;
  memberRemove(id: bigint): Promise<MemberChange>;
  memberUpdate(id: bigint, peerUrls: string[]): Promise<MemberChange>;
  memberPromote(id: bigint): Promise<MemberChange>;

  // Maintenance
  alarm(action: 'get' | 'activate' | 'deactivate', memberId: bigint, alarm: AlarmType): Promise<AlarmMember[]>;
  status(): Promise<StatusInfo>;
  defragment(): Promise<void>;
  hash(): Promise<BackendHash>;
  hashKV(revision: number): Promise<KvHash>;
  snapshot(): Promise<SnapshotStream>;
  moveLeader(target: bigint): Promise<void>;

  // Auth
  /** An Auth service request through raft (etcd 3.4 proposes the reads too); its result. */
  auth(op: AuthOp, user?: RequestUser): Promise<{ header: Header; result: AuthResult }>;
  /**
   * Who a client acts as: its token's user, else the common name of its verified TLS certificate
   * (--client-cert-auth); undefined with auth off or neither; rejects an invalid token.
   */
  userOf(token: string | undefined, commonName?: string): Promise<RequestUser | undefined>;
  /** Throws unless `user` holds role root (auth on): maintenance, membership, auth management. */
  checkAdmin(user: RequestUser | undefined): void;
  /** Throws unless `user` may read [key, rangeEnd) (auth on): watches. */
  checkRange(user: RequestUser | undefined, key: Uint8Array, rangeEnd: Uint8Array | undefined): void;
  /** Authenticate: the password checked here, then a token issued through raft. */
  authenticate(name: string, password: string): Promise<{ header: Header; token: string }>;
  /** A bcrypt hash of a password, made here so that raft never carries the password. */
  hashPassword(password: string): Promise<string>;
  authStatus(): { enabled: boolean; revision: number };

  // Health
  /** Whether a leader is known (gRPC metadata `hasleader` and /health use it). */
  hasLeader(): boolean;
  /** Whether this member is a learner (it then serves only serializable reads, Status and Snapshot). */
  isLearner(): boolean;
  /** Active alarms (/health reports NOSPACE/CORRUPT). */
  alarms(): AlarmMember[];
  /** The member's id and cluster id. */
  readonly memberId: bigint;
  readonly clusterId: bigint;
}
