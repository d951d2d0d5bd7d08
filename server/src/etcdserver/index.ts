export { type ServerConfig, DEFAULTS } from './config.js';
export { ServerError, BootstrapError, NotBuiltError, RestoreError, SERVER_ERROR_TEXT, type ServerErrorKind } from './errors.js';
export { type RestoreTarget, type RestoreSummary, restoreSnapshot } from './restore.js';
export { EtcdServer, ETCD_VERSION } from './server.js';
export * from './server-api.js';
export { clusterIdFor, memberIdFor, IdGenerator } from './ids.js';
export { ServerMetrics } from './metrics.js';
export { type TransportFactory } from './peers.js';
