// A sample of every message type of the client API, each with every field set to a
// non-default value (one sample per oneof member), for the round-trip test. Static
// protobufjs code has no reflection, so the list is written out; the test checks that
// it misses no type and no field.
import Long from 'long';
import { authpb, etcdserverpb as pb, mvccpb, v3electionpb as el, v3lockpb } from '../../../server/src/pb/index.js';

/** The static side of a generated class, as far as the round-trip test needs it. */
export interface SampleType<I> {
  encode(m: I): { finish(): Uint8Array };
  decode(b: Uint8Array): object;
  fromObject(o: Record<string, unknown>): object;
  toObject(m: never, o?: Record<string, unknown>): Record<string, unknown>;
}

export interface Sample {
  readonly name: string;
  readonly type: SampleType<never>;
  readonly value: object;
}

const samples: Sample[] = [];
function add<I extends object>(name: string, type: SampleType<I>, value: I): void {
  samples.push({ name, type: type as unknown as SampleType<never>, value });
}

const b = (s: string): Uint8Array => Buffer.from(s);
// Largest uint64 and a negative int64: both need all 64 bits to survive.
const U64MAX = Long.fromString('18446744073709551615', true);
const NEG = Long.fromNumber(-7);
const header: pb.IResponseHeader = { clusterId: U64MAX, memberId: Long.fromString('9372538179322589801', true), revision: 42, raftTerm: 3 };
const kv: mvccpb.IKeyValue = { key: b('k'), createRevision: 2, modRevision: 5, version: 3, value: b('v'), lease: Long.fromString('7587861231285799685') };
const member: pb.IMember = { ID: U64MAX, name: 'm1', peerURLs: ['http://a:2380'], clientURLs: ['http://a:2379', 'http://b:2379'], isLearner: true };
const perm: authpb.IPermission = { permType: authpb.Permission.Type.READWRITE, key: b('a'), rangeEnd: b('b') };
const leaderKey: el.ILeaderKey = { name: b('e'), key: b('e/1'), rev: 9, lease: 77 };

const range: pb.IRangeRequest = {
  key: b('a'), rangeEnd: b('z'), limit: 10, revision: NEG, sortOrder: pb.RangeRequest.SortOrder.DESCEND,
  sortTarget: pb.RangeRequest.SortTarget.VALUE, serializable: true, keysOnly: true, countOnly: true,
  minModRevision: 1, maxModRevision: 2, minCreateRevision: 3, maxCreateRevision: 4,
};
const rangeRes: pb.IRangeResponse = { header, kvs: [kv, { key: b('k2') }], more: true, count: 12 };
const put: pb.IPutRequest = { key: b('k'), value: b('v'), lease: 5, prevKv: true, ignoreValue: true, ignoreLease: true };
const putRes: pb.IPutResponse = { header, prevKv: kv };
const del: pb.IDeleteRangeRequest = { key: b('k'), rangeEnd: b('l'), prevKv: true };
const delRes: pb.IDeleteRangeResponse = { header, deleted: 2, prevKvs: [kv, kv] };
const txn: pb.ITxnRequest = {
  compare: [{ result: pb.Compare.CompareResult.NOT_EQUAL, target: pb.Compare.CompareTarget.LEASE, key: b('k'), lease: 3, rangeEnd: b('\0') }],
  success: [{ requestPut: put }],
  failure: [{ requestRange: range }, { requestDeleteRange: del }],
};
const txnRes: pb.ITxnResponse = { header, succeeded: true, responses: [{ responsePut: putRes }] };

// --- mvccpb, authpb -----------------------------------------------------------------------
add('KeyValue', mvccpb.KeyValue, kv);
add('Event', mvccpb.Event, { type: mvccpb.Event.EventType.DELETE, kv, prevKv: kv });
add('UserAddOptions', authpb.UserAddOptions, { noPassword: true });
add('User', authpb.User, { name: b('u'), password: b('p'), roles: ['r1', 'r2'], options: { noPassword: true } });
add('Permission', authpb.Permission, perm);
add('Role', authpb.Role, { name: b('r'), keyPermission: [perm] });

// --- KV -----------------------------------------------------------------------------------
add('ResponseHeader', pb.ResponseHeader, header);
add('RangeRequest', pb.RangeRequest, range);
add('RangeResponse', pb.RangeResponse, rangeRes);
add('PutRequest', pb.PutRequest, put);
add('PutResponse', pb.PutResponse, putRes);
add('DeleteRangeRequest', pb.DeleteRangeRequest, del);
add('DeleteRangeResponse', pb.DeleteRangeResponse, delRes);
add('RequestOp', pb.RequestOp, { requestRange: range });
add('RequestOp', pb.RequestOp, { requestPut: put });
add('RequestOp', pb.RequestOp, { requestDeleteRange: del });
add('RequestOp', pb.RequestOp, { requestTxn: txn });
add('ResponseOp', pb.ResponseOp, { responseRange: rangeRes });
add('ResponseOp', pb.ResponseOp, { responsePut: putRes });
add('ResponseOp', pb.ResponseOp, { responseDeleteRange: delRes });
add('ResponseOp', pb.ResponseOp, { responseTxn: txnRes });
const cmp = { result: pb.Compare.CompareResult.GREATER, target: pb.Compare.CompareTarget.MOD, key: b('k'), rangeEnd: b('l') };
add('Compare', pb.Compare, { ...cmp, version: 1 });
add('Compare', pb.Compare, { ...cmp, createRevision: 2 });
add('Compare', pb.Compare, { ...cmp, modRevision: NEG });
add('Compare', pb.Compare, { ...cmp, value: b('x') });
add('Compare', pb.Compare, { ...cmp, lease: 5 });
add('TxnRequest', pb.TxnRequest, txn);
add('TxnResponse', pb.TxnResponse, txnRes);
add('CompactionRequest', pb.CompactionRequest, { revision: 100, physical: true });
add('CompactionResponse', pb.CompactionResponse, { header });

// --- Watch --------------------------------------------------------------------------------
const wcreate: pb.IWatchCreateRequest = {
  key: b('k'), rangeEnd: b('l'), startRevision: 7, progressNotify: true,
  filters: [pb.WatchCreateRequest.FilterType.NOPUT, pb.WatchCreateRequest.FilterType.NODELETE],
  prevKv: true, watchId: 12, fragment: true,
};
add('WatchRequest', pb.WatchRequest, { createRequest: wcreate });
add('WatchRequest', pb.WatchRequest, { cancelRequest: { watchId: 12 } });
add('WatchRequest', pb.WatchRequest, { progressRequest: {} });
add('WatchCreateRequest', pb.WatchCreateRequest, wcreate);
add('WatchCancelRequest', pb.WatchCancelRequest, { watchId: NEG });
add('WatchProgressRequest', pb.WatchProgressRequest, {});
add('WatchResponse', pb.WatchResponse, {
  header, watchId: 12, created: true, canceled: true, compactRevision: 4, cancelReason: 'gone', fragment: true,
  events: [{ type: mvccpb.Event.EventType.PUT, kv }],
});

// --- Lease --------------------------------------------------------------------------------
add('LeaseGrantRequest', pb.LeaseGrantRequest, { TTL: 60, ID: 5 });
add('LeaseGrantResponse', pb.LeaseGrantResponse, { header, ID: 5, TTL: 60, error: 'e' });
add('LeaseRevokeRequest', pb.LeaseRevokeRequest, { ID: 5 });
add('LeaseRevokeResponse', pb.LeaseRevokeResponse, { header });
add('LeaseCheckpoint', pb.LeaseCheckpoint, { ID: 5, remaining_TTL: 30 });
add('LeaseCheckpointRequest', pb.LeaseCheckpointRequest, { checkpoints: [{ ID: 5, remaining_TTL: 30 }, { ID: 6 }] });
add('LeaseCheckpointResponse', pb.LeaseCheckpointResponse, { header });
add('LeaseKeepAliveRequest', pb.LeaseKeepAliveRequest, { ID: 5 });
add('LeaseKeepAliveResponse', pb.LeaseKeepAliveResponse, { header, ID: 5, TTL: 60 });
add('LeaseTimeToLiveRequest', pb.LeaseTimeToLiveRequest, { ID: 5, keys: true });
add('LeaseTimeToLiveResponse', pb.LeaseTimeToLiveResponse, { header, ID: 5, TTL: -1, grantedTTL: 60, keys: [b('a'), b('b')] });
add('LeaseLeasesRequest', pb.LeaseLeasesRequest, {});
add('LeaseStatus', pb.LeaseStatus, { ID: 5 });
add('LeaseLeasesResponse', pb.LeaseLeasesResponse, { header, leases: [{ ID: 5 }, { ID: 6 }] });

// --- Cluster ------------------------------------------------------------------------------
add('Member', pb.Member, member);
add('MemberAddRequest', pb.MemberAddRequest, { peerURLs: ['http://c:2380'], isLearner: true });
add('MemberAddResponse', pb.MemberAddResponse, { header, member, members: [member, member] });
add('MemberRemoveRequest', pb.MemberRemoveRequest, { ID: U64MAX });
add('MemberRemoveResponse', pb.MemberRemoveResponse, { header, members: [member] });
add('MemberUpdateRequest', pb.MemberUpdateRequest, { ID: 3, peerURLs: ['http://d:2380'] });
add('MemberUpdateResponse', pb.MemberUpdateResponse, { header, members: [member] });
add('MemberListRequest', pb.MemberListRequest, {});
add('MemberListResponse', pb.MemberListResponse, { header, members: [member] });
add('MemberPromoteRequest', pb.MemberPromoteRequest, { ID: 3 });
add('MemberPromoteResponse', pb.MemberPromoteResponse, { header, members: [member] });

// --- Maintenance --------------------------------------------------------------------------
add('AlarmRequest', pb.AlarmRequest, { action: pb.AlarmRequest.AlarmAction.DEACTIVATE, memberID: U64MAX, alarm: pb.AlarmType.CORRUPT });
add('AlarmMember', pb.AlarmMember, { memberID: 4, alarm: pb.AlarmType.NOSPACE });
add('AlarmResponse', pb.AlarmResponse, { header, alarms: [{ memberID: 4, alarm: pb.AlarmType.NOSPACE }] });
add('StatusRequest', pb.StatusRequest, {});
add('StatusResponse', pb.StatusResponse, {
  header, version: '3.4.23', dbSize: 20480, leader: U64MAX, raftIndex: 8, raftTerm: 2, raftAppliedIndex: 8,
  errors: ['x'], dbSizeInUse: 16384, isLearner: true,
});
add('DefragmentRequest', pb.DefragmentRequest, {});
add('DefragmentResponse', pb.DefragmentResponse, { header });
add('HashRequest', pb.HashRequest, {});
add('HashResponse', pb.HashResponse, { header, hash: 0xfedcba98 });
add('HashKVRequest', pb.HashKVRequest, { revision: 9 });
add('HashKVResponse', pb.HashKVResponse, { header, hash: 0x80000001, compactRevision: 4 });
add('SnapshotRequest', pb.SnapshotRequest, {});
add('SnapshotResponse', pb.SnapshotResponse, { header, remainingBytes: U64MAX, blob: b('bolt') });
add('MoveLeaderRequest', pb.MoveLeaderRequest, { targetID: U64MAX });
add('MoveLeaderResponse', pb.MoveLeaderResponse, { header });

// --- Auth ---------------------------------------------------------------------------------
add('AuthEnableRequest', pb.AuthEnableRequest, {});
add('AuthDisableRequest', pb.AuthDisableRequest, {});
add('AuthenticateRequest', pb.AuthenticateRequest, { name: 'u', password: 'p' });
add('AuthUserAddRequest', pb.AuthUserAddRequest, { name: 'u', password: 'p', options: { noPassword: true }, hashedPassword: '$2a$04$h' });
add('AuthUserGetRequest', pb.AuthUserGetRequest, { name: 'u' });
add('AuthUserDeleteRequest', pb.AuthUserDeleteRequest, { name: 'u' });
add('AuthUserChangePasswordRequest', pb.AuthUserChangePasswordRequest, { name: 'u', password: 'q', hashedPassword: '$2a$04$h' });
add('AuthUserGrantRoleRequest', pb.AuthUserGrantRoleRequest, { user: 'u', role: 'r' });
add('AuthUserRevokeRoleRequest', pb.AuthUserRevokeRoleRequest, { name: 'u', role: 'r' });
add('AuthRoleAddRequest', pb.AuthRoleAddRequest, { name: 'r' });
add('AuthRoleGetRequest', pb.AuthRoleGetRequest, { role: 'r' });
add('AuthUserListRequest', pb.AuthUserListRequest, {});
add('AuthRoleListRequest', pb.AuthRoleListRequest, {});
add('AuthRoleDeleteRequest', pb.AuthRoleDeleteRequest, { role: 'r' });
add('AuthRoleGrantPermissionRequest', pb.AuthRoleGrantPermissionRequest, { name: 'r', perm });
add('AuthRoleRevokePermissionRequest', pb.AuthRoleRevokePermissionRequest, { role: 'r', key: b('a'), rangeEnd: b('b') });
add('AuthEnableResponse', pb.AuthEnableResponse, { header });
add('AuthDisableResponse', pb.AuthDisableResponse, { header });
add('AuthenticateResponse', pb.AuthenticateResponse, { header, token: 'tok.1' });
add('AuthUserAddResponse', pb.AuthUserAddResponse, { header });
add('AuthUserGetResponse', pb.AuthUserGetResponse, { header, roles: ['r'] });
add('AuthUserDeleteResponse', pb.AuthUserDeleteResponse, { header });
add('AuthUserChangePasswordResponse', pb.AuthUserChangePasswordResponse, { header });
add('AuthUserGrantRoleResponse', pb.AuthUserGrantRoleResponse, { header });
add('AuthUserRevokeRoleResponse', pb.AuthUserRevokeRoleResponse, { header });
add('AuthRoleAddResponse', pb.AuthRoleAddResponse, { header });
add('AuthRoleGetResponse', pb.AuthRoleGetResponse, { header, perm: [perm, { key: b('c') }] });
add('AuthRoleListResponse', pb.AuthRoleListResponse, { header, roles: ['r', 's'] });
add('AuthUserListResponse', pb.AuthUserListResponse, { header, users: ['u', 'v'] });
add('AuthRoleDeleteResponse', pb.AuthRoleDeleteResponse, { header });
add('AuthRoleGrantPermissionResponse', pb.AuthRoleGrantPermissionResponse, { header });
add('AuthRoleRevokePermissionResponse', pb.AuthRoleRevokePermissionResponse, { header });
add('Metadata', pb.Metadata, { NodeID: U64MAX, ClusterID: 1 });

// --- v3lock, v3election -------------------------------------------------------------------
add('LockRequest', v3lockpb.LockRequest, { name: b('l'), lease: 5 });
add('LockResponse', v3lockpb.LockResponse, { header, key: b('l/5') });
add('UnlockRequest', v3lockpb.UnlockRequest, { key: b('l/5') });
add('UnlockResponse', v3lockpb.UnlockResponse, { header });
add('CampaignRequest', el.CampaignRequest, { name: b('e'), lease: 5, value: b('v') });
add('CampaignResponse', el.CampaignResponse, { header, leader: leaderKey });
add('LeaderKey', el.LeaderKey, leaderKey);
add('LeaderRequest', el.LeaderRequest, { name: b('e') });
add('LeaderResponse', el.LeaderResponse, { header, kv });
add('ResignRequest', el.ResignRequest, { leader: leaderKey });
add('ResignResponse', el.ResignResponse, { header });
add('ProclaimRequest', el.ProclaimRequest, { leader: leaderKey, value: b('v2') });
add('ProclaimResponse', el.ProclaimResponse, { header });

// What a member proposes through raft (raft_internal.proto): every request field set, from the
// samples above.
const sampleOf = (name: string): object => (samples.find((x) => x.name === name) as Sample).value;
const requestHeader: pb.IRequestHeader = { ID: U64MAX, username: 'root', authRevision: 9 };
const authenticate: pb.IInternalAuthenticateRequest = { name: 'u', password: 'p', simpleToken: 't.1' };
add('RequestHeader', pb.RequestHeader, requestHeader);
add('InternalAuthenticateRequest', pb.InternalAuthenticateRequest, authenticate);
add('EmptyResponse', pb.EmptyResponse, {});
add('MemberAttributes', pb.MemberAttributes, { name: 'm1', clientUrls: ['http://127.0.0.1:2379', 'http://10.0.0.1:2379'] });
add('ClusterMemberAttrSetRequest', pb.ClusterMemberAttrSetRequest, { member_ID: U64MAX, memberAttributes: sampleOf('MemberAttributes') });
add('InternalRaftRequest', pb.InternalRaftRequest, {
  header: requestHeader,
  ID: 7,
  range,
  put,
  deleteRange: del,
  txn,
  compaction: sampleOf('CompactionRequest'),
  leaseGrant: sampleOf('LeaseGrantRequest'),
  leaseRevoke: sampleOf('LeaseRevokeRequest'),
  alarm: sampleOf('AlarmRequest'),
  leaseCheckpoint: sampleOf('LeaseCheckpointRequest'),
  authEnable: sampleOf('AuthEnableRequest'),
  authDisable: sampleOf('AuthDisableRequest'),
  authenticate,
  authUserAdd: sampleOf('AuthUserAddRequest'),
  authUserDelete: sampleOf('AuthUserDeleteRequest'),
  authUserGet: sampleOf('AuthUserGetRequest'),
  authUserChangePassword: sampleOf('AuthUserChangePasswordRequest'),
  authUserGrantRole: sampleOf('AuthUserGrantRoleRequest'),
  authUserRevokeRole: sampleOf('AuthUserRevokeRoleRequest'),
  authUserList: sampleOf('AuthUserListRequest'),
  authRoleList: sampleOf('AuthRoleListRequest'),
  authRoleAdd: sampleOf('AuthRoleAddRequest'),
  authRoleDelete: sampleOf('AuthRoleDeleteRequest'),
  authRoleGet: sampleOf('AuthRoleGetRequest'),
  authRoleGrantPermission: sampleOf('AuthRoleGrantPermissionRequest'),
  authRoleRevokePermission: sampleOf('AuthRoleRevokePermissionRequest'),
  clusterMemberAttrSet: sampleOf('ClusterMemberAttrSetRequest'),
});

export const SAMPLES: readonly Sample[] = samples;
