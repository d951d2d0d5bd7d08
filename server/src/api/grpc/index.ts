export { GrpcServer, type GrpcServerOptions } from './server.js';
export { GrpcError, GrpcRegistrationError, GrpcCallStateError, statusOf } from './errors.js';
export { Status, type StatusCode, encodeGrpcMessage, decodeGrpcMessage } from './status.js';
export { Metadata, type MetadataValue } from './metadata.js';
export { parseGrpcTimeout } from './timeout.js';
export type { KeepaliveOptions } from './keepalive.js';
export type { CallLimits } from './call.js';
export type {
  AnyMethod, BidiStreamingMethod, CallContext, ClientStreamingMethod, MethodDefinition, ServerDuplexCall,
  ServerReadableCall, ServerStreamingMethod, ServerWritableCall, UnaryMethod,
} from './types.js';
export { frameMessage } from './wire.js';
