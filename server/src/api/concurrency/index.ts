export { ElectionNoLeaderError, ElectionNotLeaderError, LostWatcherError, MissingLeaderKeyError, SessionExpiredError, WaitCancelledError } from './errors.js';
export { DEFAULT_SESSION_TTL, bytesEqual, firstCreated, lastCreatedUpTo, leaseKey, prefixEnd, prefixOf } from './keys.js';
export { KeyWatch } from './key-watch.js';
export { type Waiter, waitTurn } from './wait-turn.js';
export { type Registration, owns, register, sessionLease } from './candidate.js';
export { clientSide, toClientSideError } from './client-side-error.js';
export { callMethod } from './call-method.js';
export { withdraw } from './withdraw.js';
export { type ActingServer, actingFor } from './acting-server.js';
