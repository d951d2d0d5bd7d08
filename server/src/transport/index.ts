export { type LeaseTtl, type OutgoingSnapshot, type PeerTransport, type RaftHandler, LeaseRefusal, PROMOTE_REFUSAL_STATUS, PromoteRefusal, type PromoteRefusalReason } from './types.js';
export { type CairnPeerTransport, type PeerTransportOptions, createPeerTransport } from './peer-transport.js';
export { type PeerTlsOptions } from './peer-tls.js';
export * from './errors.js';
export { type PeerMember, type RemoteCluster, fetchCluster } from './members-request.js';
