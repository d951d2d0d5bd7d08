import type { EtcdServerApi, MemberInfo } from '../etcdserver/server-api.js';
import { clusterService, etcdserverpb as pb } from '../pb/index.js';
import { headerToPb, u64, unsigned } from './convert.js';
import type { AnyMethod } from './grpc/index.js';
import { requireAdmin } from './request-user.js';
import { unaryMethod } from './unary-method.js';

/** A member as etcdserverpb.Member. */
export function memberToPb(m: MemberInfo): pb.IMember {
  return { ID: u64(m.id), name: m.name, peerURLs: m.peerUrls, clientURLs: m.clientUrls, isLearner: m.isLearner || null };
}

/**
 * etcd's Cluster service. Its header carries cluster id, member id and raft term but no
 * revision: etcd's ClusterServer builds its own header without one.
 */
export function clusterMethods(server: EtcdServerApi): AnyMethod[] {
  const header = (): pb.IResponseHeader => ({ ...headerToPb(server.header()), revision: null });
  const members = (ms: readonly MemberInfo[]): pb.IMember[] => ms.map(memberToPb);
  const methods = [
    unaryMethod(clusterService.MemberList.path, (b) => pb.MemberListRequest.decode(b), (r: pb.IMemberListResponse) => pb.MemberListResponse.encode(r), async () => {
      // etcd 3.4's MemberListRequest has no `linearizable` field (3.5 added it): a local read.
      return { header: header(), members: members(await server.memberList(false)) };
    }),
    unaryMethod(clusterService.MemberAdd.path, (b) => pb.MemberAddRequest.decode(b), (r: pb.IMemberAddResponse) => pb.MemberAddResponse.encode(r), async (req, call) => {
      await requireAdmin(server, call);
      const c = await server.memberAdd(req.peerURLs ?? [], req.isLearner === true);
      return { header: header(), member: c.member === undefined ? null : memberToPb(c.member), members: members(c.members) };
    }),
    unaryMethod(clusterService.MemberRemove.path, (b) => pb.MemberRemoveRequest.decode(b), (r: pb.IMemberRemoveResponse) => pb.MemberRemoveResponse.encode(r), async (req, call) => {
      await requireAdmin(server, call);
      const c = await server.memberRemove(unsigned(req.ID));
      return { header: header(), members: members(c.members) };
    }),
    unaryMethod(clusterService.MemberUpdate.path, (b) => pb.MemberUpdateRequest.decode(b), (r: pb.IMemberUpdateResponse) => pb.MemberUpdateResponse.encode(r), async (req, call) => {
      await requireAdmin(server, call);
      const c = await server.memberUpdate(unsigned(req.ID), req.peerURLs ?? []);
      return { header: header(), members: members(c.members) };
    }),
    unaryMethod(clusterService.MemberPromote.path, (b) => pb.MemberPromoteRequest.decode(b), (r: pb.IMemberPromoteResponse) => pb.MemberPromoteResponse.encode(r), async (req, call) => {
      await requireAdmin(server, call);
      const c = await server.memberPromote(unsigned(req.ID));
      return { header: header(), members: members(c.members) };
    }),
  ];
  return methods as AnyMethod[];
}
