import type { EtcdServerApi, MemberInfo } from '../etcdserver/server-api.js';
import { clusterService, etcdserverpb as pb } from '../pb/index.js';
import { headerToPb, u64 } from './convert.js';
import { GrpcError, Status, type AnyMethod } from './grpc/index.js';
import { unaryMethod } from './unary-method.js';

/** What membership changes answer until the member supports them. */
export const MEMBERSHIP_UNIMPLEMENTED = 'cairn: membership changes come with clustering';

/** A member as etcdserverpb.Member. */
export function memberToPb(m: MemberInfo): pb.IMember {
  return { ID: u64(m.id), name: m.name, peerURLs: m.peerUrls, clientURLs: m.clientUrls, isLearner: m.isLearner || null };
}

/**
 * etcd's Cluster service. Its header carries cluster id, member id and raft term but no
 * revision: etcd's ClusterServer builds its own header without one.
 */
export function clusterMethods(server: EtcdServerApi): AnyMethod[] {
  const unimplemented = async (): Promise<never> => {
    throw new GrpcError(Status.UNIMPLEMENTED, MEMBERSHIP_UNIMPLEMENTED);
  };
  const methods = [
    unaryMethod(clusterService.MemberList.path, (b) => pb.MemberListRequest.decode(b), (r: pb.IMemberListResponse) => pb.MemberListResponse.encode(r), async () => {
      // etcd 3.4's MemberListRequest has no `linearizable` field (3.5 added it): a local read.
      const members = await server.memberList(false);
      return { header: { ...headerToPb(server.header()), revision: null }, members: members.map(memberToPb) };
    }),
    unaryMethod(clusterService.MemberAdd.path, (b) => pb.MemberAddRequest.decode(b), (r: pb.IMemberAddResponse) => pb.MemberAddResponse.encode(r), unimplemented),
    unaryMethod(clusterService.MemberRemove.path, (b) => pb.MemberRemoveRequest.decode(b), (r: pb.IMemberRemoveResponse) => pb.MemberRemoveResponse.encode(r), unimplemented),
    unaryMethod(clusterService.MemberUpdate.path, (b) => pb.MemberUpdateRequest.decode(b), (r: pb.IMemberUpdateResponse) => pb.MemberUpdateResponse.encode(r), unimplemented),
    unaryMethod(clusterService.MemberPromote.path, (b) => pb.MemberPromoteRequest.decode(b), (r: pb.IMemberPromoteResponse) => pb.MemberPromoteResponse.encode(r), unimplemented),
  ];
  return methods as AnyMethod[];
}
