/** How a gateway path is served: which gRPC method, which messages, which shape of call. */
export interface GatewayRoute {
  /** `/package.Service/Method`, the gRPC method this path calls. */
  readonly grpcPath: string;
  readonly request: string;
  readonly response: string;
  readonly shape: 'unary' | 'server-stream' | 'bidi';
}

type Row = readonly [httpPaths: string, service: string, method: string, request: string, response: string, shape?: GatewayRoute['shape']];

const E = 'etcdserverpb';

/**
 * etcd 3.4's gateway paths (the google.api.http options of its protos), after `/v3/` or
 * `/v3beta/`. Several paths for one method are separated by `|`. HashKV has none in 3.4.
 */
const ROWS: readonly Row[] = [
  ['kv/range', `${E}.KV`, 'Range', 'RangeRequest', 'RangeResponse'],
  ['kv/put', `${E}.KV`, 'Put', 'PutRequest', 'PutResponse'],
  ['kv/deleterange', `${E}.KV`, 'DeleteRange', 'DeleteRangeRequest', 'DeleteRangeResponse'],
  ['kv/txn', `${E}.KV`, 'Txn', 'TxnRequest', 'TxnResponse'],
  ['kv/compaction', `${E}.KV`, 'Compact', 'CompactionRequest', 'CompactionResponse'],
  ['watch', `${E}.Watch`, 'Watch', 'WatchRequest', 'WatchResponse', 'bidi'],
  ['lease/grant', `${E}.Lease`, 'LeaseGrant', 'LeaseGrantRequest', 'LeaseGrantResponse'],
  ['lease/revoke|kv/lease/revoke', `${E}.Lease`, 'LeaseRevoke', 'LeaseRevokeRequest', 'LeaseRevokeResponse'],
  ['lease/keepalive', `${E}.Lease`, 'LeaseKeepAlive', 'LeaseKeepAliveRequest', 'LeaseKeepAliveResponse', 'bidi'],
  ['lease/timetolive|kv/lease/timetolive', `${E}.Lease`, 'LeaseTimeToLive', 'LeaseTimeToLiveRequest', 'LeaseTimeToLiveResponse'],
  ['lease/leases|kv/lease/leases', `${E}.Lease`, 'LeaseLeases', 'LeaseLeasesRequest', 'LeaseLeasesResponse'],
  ['cluster/member/add', `${E}.Cluster`, 'MemberAdd', 'MemberAddRequest', 'MemberAddResponse'],
  ['cluster/member/remove', `${E}.Cluster`, 'MemberRemove', 'MemberRemoveRequest', 'MemberRemoveResponse'],
  ['cluster/member/update', `${E}.Cluster`, 'MemberUpdate', 'MemberUpdateRequest', 'MemberUpdateResponse'],
  ['cluster/member/list', `${E}.Cluster`, 'MemberList', 'MemberListRequest', 'MemberListResponse'],
  ['cluster/member/promote', `${E}.Cluster`, 'MemberPromote', 'MemberPromoteRequest', 'MemberPromoteResponse'],
  ['maintenance/alarm', `${E}.Maintenance`, 'Alarm', 'AlarmRequest', 'AlarmResponse'],
  ['maintenance/status', `${E}.Maintenance`, 'Status', 'StatusRequest', 'StatusResponse'],
  ['maintenance/defragment', `${E}.Maintenance`, 'Defragment', 'DefragmentRequest', 'DefragmentResponse'],
  ['maintenance/hash', `${E}.Maintenance`, 'Hash', 'HashRequest', 'HashResponse'],
  ['maintenance/snapshot', `${E}.Maintenance`, 'Snapshot', 'SnapshotRequest', 'SnapshotResponse', 'server-stream'],
  ['maintenance/transfer-leadership', `${E}.Maintenance`, 'MoveLeader', 'MoveLeaderRequest', 'MoveLeaderResponse'],
  ['auth/enable', `${E}.Auth`, 'AuthEnable', 'AuthEnableRequest', 'AuthEnableResponse'],
  ['auth/disable', `${E}.Auth`, 'AuthDisable', 'AuthDisableRequest', 'AuthDisableResponse'],
  ['auth/authenticate', `${E}.Auth`, 'Authenticate', 'AuthenticateRequest', 'AuthenticateResponse'],
  ['auth/user/add', `${E}.Auth`, 'UserAdd', 'AuthUserAddRequest', 'AuthUserAddResponse'],
  ['auth/user/get', `${E}.Auth`, 'UserGet', 'AuthUserGetRequest', 'AuthUserGetResponse'],
  ['auth/user/list', `${E}.Auth`, 'UserList', 'AuthUserListRequest', 'AuthUserListResponse'],
  ['auth/user/delete', `${E}.Auth`, 'UserDelete', 'AuthUserDeleteRequest', 'AuthUserDeleteResponse'],
  ['auth/user/changepw', `${E}.Auth`, 'UserChangePassword', 'AuthUserChangePasswordRequest', 'AuthUserChangePasswordResponse'],
  ['auth/user/grant', `${E}.Auth`, 'UserGrantRole', 'AuthUserGrantRoleRequest', 'AuthUserGrantRoleResponse'],
  ['auth/user/revoke', `${E}.Auth`, 'UserRevokeRole', 'AuthUserRevokeRoleRequest', 'AuthUserRevokeRoleResponse'],
  ['auth/role/add', `${E}.Auth`, 'RoleAdd', 'AuthRoleAddRequest', 'AuthRoleAddResponse'],
  ['auth/role/get', `${E}.Auth`, 'RoleGet', 'AuthRoleGetRequest', 'AuthRoleGetResponse'],
  ['auth/role/list', `${E}.Auth`, 'RoleList', 'AuthRoleListRequest', 'AuthRoleListResponse'],
  ['auth/role/delete', `${E}.Auth`, 'RoleDelete', 'AuthRoleDeleteRequest', 'AuthRoleDeleteResponse'],
  ['auth/role/grant', `${E}.Auth`, 'RoleGrantPermission', 'AuthRoleGrantPermissionRequest', 'AuthRoleGrantPermissionResponse'],
  ['auth/role/revoke', `${E}.Auth`, 'RoleRevokePermission', 'AuthRoleRevokePermissionRequest', 'AuthRoleRevokePermissionResponse'],
  ['lock/lock', 'v3lockpb.Lock', 'Lock', 'v3lockpb.LockRequest', 'v3lockpb.LockResponse'],
  ['lock/unlock', 'v3lockpb.Lock', 'Unlock', 'v3lockpb.UnlockRequest', 'v3lockpb.UnlockResponse'],
  ['election/campaign', 'v3electionpb.Election', 'Campaign', 'v3electionpb.CampaignRequest', 'v3electionpb.CampaignResponse'],
  ['election/proclaim', 'v3electionpb.Election', 'Proclaim', 'v3electionpb.ProclaimRequest', 'v3electionpb.ProclaimResponse'],
  ['election/leader', 'v3electionpb.Election', 'Leader', 'v3electionpb.LeaderRequest', 'v3electionpb.LeaderResponse'],
  ['election/observe', 'v3electionpb.Election', 'Observe', 'v3electionpb.LeaderRequest', 'v3electionpb.LeaderResponse', 'server-stream'],
  ['election/resign', 'v3electionpb.Election', 'Resign', 'v3electionpb.ResignRequest', 'v3electionpb.ResignResponse'],
];

const qualified = (name: string): string => (name.includes('.') ? name : `${E}.${name}`);

/** Gateway path (without the `/v3/` prefix) → route. */
export const GATEWAY_ROUTES: ReadonlyMap<string, GatewayRoute> = new Map(
  ROWS.flatMap(([paths, service, method, request, response, shape = 'unary']) =>
    paths.split('|').map((p) => [p, { grpcPath: `/${service}/${method}`, request: qualified(request), response: qualified(response), shape }] as const),
  ),
);

/** The prefixes etcd 3.4 serves its gateway under. */
export const GATEWAY_PREFIXES: readonly string[] = ['/v3/', '/v3beta/'];
