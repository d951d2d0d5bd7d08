// etcd's wire messages, generated from server/proto by `npm run gen` (protobufjs static code).
export { raftpb, walpb, snappb, etcdserverpb, mvccpb, leasepb, authpb } from './generated/pb.js';
