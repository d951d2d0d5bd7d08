export type { OutgoingSnapshot, PeerTransport, RaftHandler } from './types.js';
export { type CairnPeerTransport, type PeerTlsOptions, type PeerTransportOptions, createPeerTransport } from './peer-transport.js';
export * from './errors.js';
