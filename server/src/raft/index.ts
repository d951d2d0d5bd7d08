export * from './types.js';
export * from './codec.js';
export * from './errors.js';
export * from './entry-size.js';
export * from './storage.js';
export * from './log-unstable.js';
export * from './raft-log.js';
