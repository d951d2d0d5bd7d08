// etcd's wire messages, generated from server/proto by `npm run gen` (protobufjs static code),
// and the gRPC service definitions of the client API built from them.
export { raftpb, walpb, snappb, etcdserverpb, mvccpb, leasepb, authpb, v3lockpb, v3electionpb } from './generated/pb.js';
export type { MessageClass, RpcMethod } from './services.js';
export {
  kvService,
  watchService,
  leaseService,
  clusterService,
  maintenanceService,
  authService,
  lockService,
  electionService,
  services,
} from './services.js';
