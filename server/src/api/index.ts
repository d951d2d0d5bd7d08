export { type GrpcMetrics, type GrpcType, counted, guarded, registerServices } from './register.js';
export { type ApiLimits, DEFAULT_API_LIMITS, GRPC_OVERHEAD_BYTES, maxReceiveBytes } from './limits.js';
export {
  COMPACTED, FUTURE_REVISION, NO_LEADER, REQUEST_ERROR_CODES, SERVER_ERROR_CODES, type ClientError, SnapshotIncompleteError,
  clientErrorOf, toGrpcError,
} from './errors.js';
export { kvMethods } from './kv-service.js';
export { watchMethod } from './watch-service.js';
export { leaseMethods } from './lease-service.js';
export { clusterMethods } from './cluster-service.js';
export { maintenanceMethods, SNAPSHOT_CHUNK_BYTES } from './maintenance-service.js';
export { Gateway, gatewayMethods } from './gateway/index.js';
