// gRPC service definitions for etcd's client API, as plain data built from the generated
// static message classes. Each method entry has the shape @grpc/grpc-js calls a
// MethodDefinition (path, stream flags, serialize/deserialize), so a service map can be
// passed straight to `makeGenericClientConstructor` or `Server.addService`; it also keeps
// the message classes themselves for code that wants to encode or decode by hand.
// This module deliberately does not import grpc-js: pb sits low in the module order.
import { etcdserverpb, v3electionpb, v3lockpb } from './generated/pb.js';

/** The static side of a generated protobufjs message class. */
export interface MessageClass<In, Out extends In> {
  encode(message: In): { finish(): Uint8Array };
  decode(bytes: Uint8Array): Out;
}

/**
 * One RPC. `In` types are what a sender may pass (plain objects), `Out` the decoded classes.
 * Out extends In, so the entry is assignable to grpc-js's MethodDefinition<In, ResIn>.
 */
export interface RpcMethod<ReqIn, ReqOut extends ReqIn, ResIn, ResOut extends ResIn> {
  /** '/package.Service/Method', exactly as it travels in the HTTP/2 :path header. */
  readonly path: string;
  readonly originalName: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly requestType: MessageClass<ReqIn, ReqOut>;
  readonly responseType: MessageClass<ResIn, ResOut>;
  readonly requestSerialize: (value: ReqIn) => Buffer;
  readonly requestDeserialize: (bytes: Buffer) => ReqOut;
  readonly responseSerialize: (value: ResIn) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => ResOut;
}

type Shape = 'unary' | 'client-stream' | 'server-stream' | 'bidi';

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Builds one entry; the only code here, and it just wires encode/decode to Buffers. */
function rpc<ReqIn, ReqOut extends ReqIn, ResIn, ResOut extends ResIn>(
  service: string,
  method: string,
  requestType: MessageClass<ReqIn, ReqOut>,
  responseType: MessageClass<ResIn, ResOut>,
  shape: Shape = 'unary',
): RpcMethod<ReqIn, ReqOut, ResIn, ResOut> {
  return {
    path: `/${service}/${method}`,
    originalName: method,
    requestStream: shape === 'client-stream' || shape === 'bidi',
    responseStream: shape === 'server-stream' || shape === 'bidi',
    requestType,
    responseType,
    requestSerialize: (value) => toBuffer(requestType.encode(value).finish()),
    requestDeserialize: (bytes) => requestType.decode(bytes),
    responseSerialize: (value) => toBuffer(responseType.encode(value).finish()),
    responseDeserialize: (bytes) => responseType.decode(bytes),
  };
}

const pb = etcdserverpb;

const KV = 'etcdserverpb.KV';
export const kvService = {
  Range: rpc(KV, 'Range', pb.RangeRequest, pb.RangeResponse),
  Put: rpc(KV, 'Put', pb.PutRequest, pb.PutResponse),
  DeleteRange: rpc(KV, 'DeleteRange', pb.DeleteRangeRequest, pb.DeleteRangeResponse),
  Txn: rpc(KV, 'Txn', pb.TxnRequest, pb.TxnResponse),
  Compact: rpc(KV, 'Compact', pb.CompactionRequest, pb.CompactionResponse),
} as const;

export const watchService = {
  Watch: rpc('etcdserverpb.Watch', 'Watch', pb.WatchRequest, pb.WatchResponse, 'bidi'),
} as const;

const LEASE = 'etcdserverpb.Lease';
export const leaseService = {
  LeaseGrant: rpc(LEASE, 'LeaseGrant', pb.LeaseGrantRequest, pb.LeaseGrantResponse),
  LeaseRevoke: rpc(LEASE, 'LeaseRevoke', pb.LeaseRevokeRequest, pb.LeaseRevokeResponse),
  LeaseKeepAlive: rpc(LEASE, 'LeaseKeepAlive', pb.LeaseKeepAliveRequest, pb.LeaseKeepAliveResponse, 'bidi'),
  LeaseTimeToLive: rpc(LEASE, 'LeaseTimeToLive', pb.LeaseTimeToLiveRequest, pb.LeaseTimeToLiveResponse),
  LeaseLeases: rpc(LEASE, 'LeaseLeases', pb.LeaseLeasesRequest, pb.LeaseLeasesResponse),
} as const;

const CLUSTER = 'etcdserverpb.Cluster';
export const clusterService = {
  MemberAdd: rpc(CLUSTER, 'MemberAdd', pb.MemberAddRequest, pb.MemberAddResponse),
  MemberRemove: rpc(CLUSTER, 'MemberRemove', pb.MemberRemoveRequest, pb.MemberRemoveResponse),
  MemberUpdate: rpc(CLUSTER, 'MemberUpdate', pb.MemberUpdateRequest, pb.MemberUpdateResponse),
  MemberList: rpc(CLUSTER, 'MemberList', pb.MemberListRequest, pb.MemberListResponse),
  MemberPromote: rpc(CLUSTER, 'MemberPromote', pb.MemberPromoteRequest, pb.MemberPromoteResponse),
} as const;

const MAINT = 'etcdserverpb.Maintenance';
export const maintenanceService = {
  Alarm: rpc(MAINT, 'Alarm', pb.AlarmRequest, pb.AlarmResponse),
  Status: rpc(MAINT, 'Status', pb.StatusRequest, pb.StatusResponse),
  Defragment: rpc(MAINT, 'Defragment', pb.DefragmentRequest, pb.DefragmentResponse),
  Hash: rpc(MAINT, 'Hash', pb.HashRequest, pb.HashResponse),
  HashKV: rpc(MAINT, 'HashKV', pb.HashKVRequest, pb.HashKVResponse),
  Snapshot: rpc(MAINT, 'Snapshot', pb.SnapshotRequest, pb.SnapshotResponse, 'server-stream'),
  MoveLeader: rpc(MAINT, 'MoveLeader', pb.MoveLeaderRequest, pb.MoveLeaderResponse),
} as const;

const AUTH = 'etcdserverpb.Auth';
export const authService = {
  AuthEnable: rpc(AUTH, 'AuthEnable', pb.AuthEnableRequest, pb.AuthEnableResponse),
  AuthDisable: rpc(AUTH, 'AuthDisable', pb.AuthDisableRequest, pb.AuthDisableResponse),
  Authenticate: rpc(AUTH, 'Authenticate', pb.AuthenticateRequest, pb.AuthenticateResponse),
  UserAdd: rpc(AUTH, 'UserAdd', pb.AuthUserAddRequest, pb.AuthUserAddResponse),
  UserGet: rpc(AUTH, 'UserGet', pb.AuthUserGetRequest, pb.AuthUserGetResponse),
  UserList: rpc(AUTH, 'UserList', pb.AuthUserListRequest, pb.AuthUserListResponse),
  UserDelete: rpc(AUTH, 'UserDelete', pb.AuthUserDeleteRequest, pb.AuthUserDeleteResponse),
  UserChangePassword: rpc(AUTH, 'UserChangePassword', pb.AuthUserChangePasswordRequest, pb.AuthUserChangePasswordResponse),
  UserGrantRole: rpc(AUTH, 'UserGrantRole', pb.AuthUserGrantRoleRequest, pb.AuthUserGrantRoleResponse),
  UserRevokeRole: rpc(AUTH, 'UserRevokeRole', pb.AuthUserRevokeRoleRequest, pb.AuthUserRevokeRoleResponse),
  RoleAdd: rpc(AUTH, 'RoleAdd', pb.AuthRoleAddRequest, pb.AuthRoleAddResponse),
  RoleGet: rpc(AUTH, 'RoleGet', pb.AuthRoleGetRequest, pb.AuthRoleGetResponse),
  RoleList: rpc(AUTH, 'RoleList', pb.AuthRoleListRequest, pb.AuthRoleListResponse),
  RoleDelete: rpc(AUTH, 'RoleDelete', pb.AuthRoleDeleteRequest, pb.AuthRoleDeleteResponse),
  RoleGrantPermission: rpc(AUTH, 'RoleGrantPermission', pb.AuthRoleGrantPermissionRequest, pb.AuthRoleGrantPermissionResponse),
  RoleRevokePermission: rpc(AUTH, 'RoleRevokePermission', pb.AuthRoleRevokePermissionRequest, pb.AuthRoleRevokePermissionResponse),
} as const;

const LOCK = 'v3lockpb.Lock';
export const lockService = {
  Lock: rpc(LOCK, 'Lock', v3lockpb.LockRequest, v3lockpb.LockResponse),
  Unlock: rpc(LOCK, 'Unlock', v3lockpb.UnlockRequest, v3lockpb.UnlockResponse),
} as const;

const ELECTION = 'v3electionpb.Election';
const el = v3electionpb;
export const electionService = {
  Campaign: rpc(ELECTION, 'Campaign', el.CampaignRequest, el.CampaignResponse),
  Proclaim: rpc(ELECTION, 'Proclaim', el.ProclaimRequest, el.ProclaimResponse),
  Leader: rpc(ELECTION, 'Leader', el.LeaderRequest, el.LeaderResponse),
  Observe: rpc(ELECTION, 'Observe', el.LeaderRequest, el.LeaderResponse, 'server-stream'),
  Resign: rpc(ELECTION, 'Resign', el.ResignRequest, el.ResignResponse),
} as const;

/** Every service by its fully qualified gRPC name. */
export const services = {
  [KV]: kvService,
  'etcdserverpb.Watch': watchService,
  [LEASE]: leaseService,
  [CLUSTER]: clusterService,
  [MAINT]: maintenanceService,
  [AUTH]: authService,
  [LOCK]: lockService,
  [ELECTION]: electionService,
} as const;
